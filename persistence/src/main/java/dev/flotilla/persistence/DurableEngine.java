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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts engines whose deployments are journaled: on embedded LevelDB ({@code DIR/journal} holds
 * the events, {@code DIR/snapshots} the snapshots; one process per directory: a directory held by
 * another engine is refused at once with a clear error, never a hang), or on PostgreSQL through
 * Pekko's JDBC plugin ({@link DurableJournal.Postgres}: one shared, sized pool; a database that
 * cannot be reached or lacks the journal's tables is refused at start, saying what to run).
 */
public final class DurableEngine {

  /** The journal plugin every durable deployment writes to on LevelDB. */
  public static final String JOURNAL_PLUGIN = "pekko.persistence.journal.leveldb";

  /** The snapshot store of durable deployments on LevelDB. */
  public static final String SNAPSHOT_PLUGIN = "pekko.persistence.snapshot-store.local";

  /** The read journal of a LevelDB journal. */
  static final String LEVELDB_QUERY_PLUGIN = "pekko.persistence.query.journal.leveldb";

  /** The journal plugin on PostgreSQL (Pekko's JDBC plugin). */
  public static final String JDBC_JOURNAL_PLUGIN = "jdbc-journal";

  /** The snapshot store on PostgreSQL. */
  public static final String JDBC_SNAPSHOT_PLUGIN = "jdbc-snapshot-store";

  /** The read journal on PostgreSQL. */
  static final String JDBC_QUERY_PLUGIN = "jdbc-read-journal";

  /** The one connection pool of the JDBC plugins, under pekko-persistence-jdbc.shared-databases. */
  static final String SHARED_POOL = "flotilla";

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
   * A durable engine on {@code journal} with these settings; its deployments are not resumed here
   * (see {@link Resumption}). On PostgreSQL it takes the database's writer lock unless {@code
   * flotilla.journal.postgres.exclusive} is off.
   *
   * @param base the configuration to start from, usually {@code ConfigFactory.load()}
   */
  public static Flotilla start(DurableJournal journal, EngineSettings settings, Config base)
      throws JournalUnavailableException {
    if (journal instanceof DurableJournal.Postgres postgres) {
      return startOnPostgres(postgres, settings, base, postgres.exclusive());
    }
    return start(((DurableJournal.LevelDb) journal).directory(), settings, base);
  }

  /**
   * An engine to read the journal's history with ({@link DeploymentHistory}). On PostgreSQL it
   * takes no writer lock, so it runs beside an engine that writes the same database; on LevelDB,
   * whose directory one process opens at a time, it is {@link #start}.
   */
  public static Flotilla startForReading(
      DurableJournal journal, EngineSettings settings, Config base)
      throws JournalUnavailableException {
    if (journal instanceof DurableJournal.Postgres postgres) {
      return startOnPostgres(postgres, settings, base, false);
    }
    return start(journal, settings, base);
  }

  /**
   * Whether the journal has been written: a LevelDB directory an engine has used, or a database
   * with the journal's tables. Lets a read-only tool report an empty history without creating
   * anything, which {@link #start} would on LevelDB.
   */
  public static boolean holdsJournal(DurableJournal journal) {
    if (journal instanceof DurableJournal.LevelDb levelDb) {
      return holdsJournal(levelDb.directory());
    }
    // A database is never created by reading it: the engine's check at start reports what lacks.
    return true;
  }

  private static Flotilla startOnPostgres(
      DurableJournal.Postgres journal, EngineSettings settings, Config base, boolean writer)
      throws JournalUnavailableException {
    PostgresSchema.check(journal);
    PostgresWriterLock lock = writer ? PostgresWriterLock.acquire(journal) : null;
    Config config = configFor(journal, base);
    Flotilla engine;
    try {
      engine =
          Flotilla.start(
              settings.withJournal(
                  EngineSettings.Journal.durable(
                      JDBC_JOURNAL_PLUGIN,
                      JDBC_SNAPSHOT_PLUGIN,
                      config.getInt("flotilla.journal.snapshot-every"))),
              config);
    } catch (RuntimeException e) {
      if (lock != null) {
        lock.close();
      }
      throw e;
    }
    if (lock != null) {
      engine.system().getWhenTerminated().thenRun(lock::close);
    }
    log.info(
        "Journal: PostgreSQL {} (pool of {} connections{})",
        journal.describe(),
        journal.poolSize(),
        writer ? ", writer lock held" : "");
    return engine;
  }

  /**
   * The configuration of an engine on a PostgreSQL journal: the JDBC plugin's journal, snapshot
   * store and read journal on one shared pool of {@code pool-size} connections.
   */
  public static Config configFor(DurableJournal.Postgres journal, Config base) {
    String pool = "pekko-persistence-jdbc.shared-databases." + SHARED_POOL;
    Map<String, Object> values = new HashMap<>();
    values.put("pekko.persistence.journal.plugin", JDBC_JOURNAL_PLUGIN);
    values.put("pekko.persistence.snapshot-store.plugin", JDBC_SNAPSHOT_PLUGIN);
    values.put(pool + ".profile", "slick.jdbc.PostgresProfile$");
    values.put(pool + ".db.url", journal.driverUrl());
    values.put(pool + ".db.user", journal.user());
    values.put(pool + ".db.password", journal.password());
    values.put(pool + ".db.driver", "org.postgresql.Driver");
    // Slick runs at most numThreads statements at once; each needs a connection of the pool.
    values.put(pool + ".db.numThreads", journal.poolSize());
    values.put(pool + ".db.maxConnections", journal.poolSize());
    values.put(pool + ".db.minConnections", 1);
    values.put(pool + ".db.connectionTimeout", journal.connectTimeout().toMillis());
    values.put(pool + ".db.poolName", "flotilla-journal");
    for (String plugin :
        List.of(
            JDBC_JOURNAL_PLUGIN,
            JDBC_SNAPSHOT_PLUGIN,
            JDBC_QUERY_PLUGIN,
            "jdbc-durable-state-store")) {
      values.put(plugin + ".use-shared-db", SHARED_POOL);
    }
    // Started with the engine, not at the first deployment's first write.
    values.put("pekko.persistence.journal.auto-start-journals", List.of(JDBC_JOURNAL_PLUGIN));
    values.put(
        "pekko.persistence.snapshot-store.auto-start-snapshot-stores",
        List.of(JDBC_SNAPSHOT_PLUGIN));
    return ConfigFactory.parseMap(values).withFallback(base);
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
    values.put(LEVELDB_QUERY_PLUGIN + ".write-plugin", JOURNAL_PLUGIN);
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
