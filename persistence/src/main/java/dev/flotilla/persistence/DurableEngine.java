package dev.flotilla.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts engines whose deployments are journaled on embedded LevelDB: {@code DIR/journal} holds the
 * events, {@code DIR/snapshots} the snapshots. One process per directory: a directory held by
 * another engine is refused at once with a clear error, never a hang.
 */
public final class DurableEngine {

  /** The journal plugin every durable deployment writes to. */
  public static final String JOURNAL_PLUGIN = "pekko.persistence.journal.leveldb";

  /** The snapshot store of durable deployments. */
  public static final String SNAPSHOT_PLUGIN = "pekko.persistence.snapshot-store.local";

  private static final Logger log = LoggerFactory.getLogger(DurableEngine.class);

  private DurableEngine() {}

  /**
   * A durable engine on {@code directory}, configured from {@code application.conf} and the
   * defaults.
   */
  public static Flotilla start(Path directory) throws JournalUnavailableException {
    Config base = ConfigFactory.load();
    return start(directory, EngineSettings.fromConfig(base), base);
  }

  /**
   * A durable engine on {@code directory} with these settings; its deployments are not resumed here
   * (see {@link Resumption}).
   *
   * @param base the configuration to start from, usually {@code ConfigFactory.load()}
   */
  public static Flotilla start(Path directory, EngineSettings settings, Config base)
      throws JournalUnavailableException {
    Config config = configFor(directory, base);
    int snapshotEvery = config.getInt("flotilla.journal.snapshot-every");
    Flotilla engine =
        Flotilla.start(
            settings.withJournal(
                EngineSettings.Journal.durable(JOURNAL_PLUGIN, SNAPSHOT_PLUGIN, snapshotEvery)),
            config);
    holdJournal(
        engine,
        directory.toAbsolutePath().normalize(),
        config.getDuration("flotilla.journal.open-timeout"));
    return engine;
  }

  /**
   * Whether {@code directory} holds a journal (an engine has used it). Lets a read-only tool report
   * an empty history without creating the directory, which {@link #start} would.
   */
  public static boolean holdsJournal(Path directory) {
    return Files.isDirectory(directory.resolve("journal"));
  }

  /**
   * Opens the journal before the engine is handed out. Pekko starts a journal plugin, and LevelDB
   * takes its lock, only when something first uses it: until then a second engine could pass {@link
   * #ensureOpens} on the same directory, and the first one's deployments would hang.
   */
  private static void holdJournal(Flotilla engine, Path root, Duration timeout)
      throws JournalUnavailableException {
    try {
      new DeploymentHistory(engine.system()).open(timeout);
    } catch (DeploymentHistory.JournalReadException e) {
      engine.close();
      throw new JournalUnavailableException(
          root,
          "the journal did not open ("
              + e.getMessage()
              + "); another engine may have taken the directory at the same moment",
          e);
    }
  }

  /**
   * The configuration of a durable engine on {@code directory}: checks the directory is free and
   * chooses native LevelDB or the Java port.
   */
  public static Config configFor(Path directory, Config base) throws JournalUnavailableException {
    Path root = directory.toAbsolutePath().normalize();
    Path journal = root.resolve("journal");
    Path snapshots = root.resolve("snapshots");
    try {
      Files.createDirectories(journal);
      Files.createDirectories(snapshots);
    } catch (IOException e) {
      throw new JournalUnavailableException(
          root, "cannot create the directory: " + e.getMessage(), e);
    }
    Config settings =
        base.withFallback(ConfigFactory.defaultReference()).getConfig("flotilla.journal");
    boolean nativeLevelDb = chooseNative(settings.getString("native"), root);
    ensureOpens(root, journal, nativeLevelDb);
    Map<String, Object> values = new HashMap<>();
    values.put("pekko.persistence.journal.plugin", JOURNAL_PLUGIN);
    values.put("pekko.persistence.snapshot-store.plugin", SNAPSHOT_PLUGIN);
    values.put(JOURNAL_PLUGIN + ".dir", journal.toString());
    values.put(JOURNAL_PLUGIN + ".native", nativeLevelDb);
    values.put(JOURNAL_PLUGIN + ".fsync", settings.getBoolean("fsync"));
    values.put(SNAPSHOT_PLUGIN + ".dir", snapshots.toString());
    values.put("pekko.persistence.query.journal.leveldb.write-plugin", JOURNAL_PLUGIN);
    return ConfigFactory.parseMap(values).withFallback(base);
  }

  /**
   * Opens the journal once with the LevelDB build the engine will use, and closes it: a directory
   * held by another engine (LevelDB's lock) or a journal LevelDB cannot open is reported here, with
   * its path, instead of failing later inside the journal where deployments would hang.
   */
  private static void ensureOpens(Path root, Path journal, boolean nativeLevelDb)
      throws JournalUnavailableException {
    org.iq80.leveldb.DBFactory factory =
        nativeLevelDb
            ? org.fusesource.leveldbjni.JniDBFactory.factory
            : org.iq80.leveldb.impl.Iq80DBFactory.factory;
    try {
      factory.open(journal.toFile(), new org.iq80.leveldb.Options().createIfMissing(true)).close();
    } catch (IOException | RuntimeException e) {
      String message = String.valueOf(e.getMessage());
      if (message.toLowerCase(Locale.ROOT).contains("lock")) {
        throw new JournalUnavailableException(
            root,
            "already in use by another running Flotilla engine; stop that engine or choose another directory"
                + " (LevelDB: "
                + message
                + ")",
            e);
      }
      throw new JournalUnavailableException(
          root,
          "LevelDB cannot open " + journal + ": " + message + " (the journal may be damaged)",
          e);
    }
  }

  private static boolean chooseNative(String setting, Path root)
      throws JournalUnavailableException {
    switch (setting.toLowerCase(Locale.ROOT)) {
      case "off":
        return false;
      case "on":
        String problem = nativeProblem();
        if (problem != null) {
          throw new JournalUnavailableException(
              root,
              "flotilla.journal.native = on but the LevelDB native library cannot load: " + problem,
              null);
        }
        return true;
      case "auto":
        String reason = nativeProblem();
        if (reason != null) {
          log.warn(
              "LevelDB native library cannot load ({}); using the pure-Java LevelDB port (native = off)",
              reason);
          return false;
        }
        return true;
      default:
        throw new JournalUnavailableException(
            root, "flotilla.journal.native must be auto, on or off, not \"" + setting + "\"", null);
    }
  }

  /** Opens and closes a scratch database through JNI; null if that works, else why not. */
  static String nativeProblem() {
    Path scratch = null;
    try {
      scratch = Files.createTempDirectory("flotilla-leveldb-probe");
      File dir = scratch.toFile();
      org.iq80.leveldb.Options options = new org.iq80.leveldb.Options().createIfMissing(true);
      org.fusesource.leveldbjni.JniDBFactory.factory.open(dir, options).close();
      return null;
    } catch (Throwable e) {
      // An UnsatisfiedLinkError or a failed static initializer: never let it reach the host.
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    } finally {
      if (scratch != null) {
        deleteQuietly(scratch);
      }
    }
  }

  private static void deleteQuietly(Path directory) {
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException ignored) {
      // A leftover scratch directory in the temp dir is harmless.
    }
  }
}
