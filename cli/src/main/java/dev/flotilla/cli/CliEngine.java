package dev.flotilla.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** How the CLI's commands configure and start their engine, and where its journal is. */
final class CliEngine {

  private CliEngine() {}

  /**
   * The configuration of the CLI's engine. The CLI owns the end of the process (Ctrl-C cancels and
   * reports the deployment first), so Pekko must not stop the actor system from its own JVM
   * shutdown hook while the deployment is being cancelled.
   */
  static Config config() {
    return ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off")
        .withFallback(ConfigFactory.load());
  }

  /**
   * The journal directory: the one given, else {@code flotilla.cli.journal} under the working
   * directory.
   */
  static Path journalDirectory(Path given, Config config) {
    Path directory = given != null ? given : Path.of(config.getString("flotilla.cli.journal"));
    return directory.toAbsolutePath().normalize();
  }

  /**
   * The journal the options name: {@code url} (PostgreSQL), else {@code directory} (LevelDB), else
   * what {@code flotilla.journal.kind} chooses, LevelDB in {@code flotilla.cli.journal} by default.
   *
   * @throws ParameterException for a URL that is not PostgreSQL's, or a bad journal setting (the
   *     message masks any password)
   */
  static DurableJournal journal(Path directory, String url, Config config, CommandSpec spec) {
    try {
      if (url != null) {
        return DurableJournal.postgres(url, config);
      }
      if (directory != null) {
        return DurableJournal.levelDb(journalDirectory(directory, config));
      }
      return DurableJournal.fromConfig(config, journalDirectory(null, config));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e, null, null);
    }
  }

  /** How a command names this journal on its command line, for the next command to run. */
  static String option(DurableJournal journal) {
    return journal instanceof DurableJournal.Postgres postgres
        ? "--journal-url " + postgres.url()
        : "--journal " + journal.describe();
  }

  /** An engine without a journal: nothing survives the process. */
  static Flotilla inMemory(EngineSettings settings, Config config) {
    startLogging();
    return Flotilla.start(settings, config);
  }

  /** An engine journaling to {@code directory}, holding it until closed. */
  static Flotilla durable(Path directory, EngineSettings settings, Config config)
      throws JournalUnavailableException {
    startLogging();
    return DurableEngine.start(directory, settings, config);
  }

  /**
   * An engine journaling to {@code journal}, holding it (a directory, a writer lock) until closed.
   */
  static Flotilla durable(DurableJournal journal, EngineSettings settings, Config config)
      throws JournalUnavailableException {
    startLogging();
    return DurableEngine.start(journal, settings, config);
  }

  /**
   * An engine to read {@code journal}'s history: on PostgreSQL it runs beside an engine that writes
   * it; a LevelDB directory one engine opens at a time.
   */
  static Flotilla reading(DurableJournal journal, Config config)
      throws JournalUnavailableException {
    startLogging();
    return DurableEngine.startForReading(journal, EngineSettings.fromConfig(config), config);
  }

  /**
   * Reports a journal the command cannot use, and what that means for the command; returns the exit
   * code for it. A journal held by another process (the usual cause: a deploy, resume or serve
   * still running on it) is named with that process and what to do.
   *
   * @param notDone what the command did not do, such as {@code "nothing was listed"}
   * @param otherwise what the user can do instead of waiting, such as {@code "list another journal
   *     with --journal DIR"}; null if nothing
   */
  static int unavailable(
      JournalUnavailableException e, String notDone, String otherwise, PrintWriter err) {
    err.println("flotilla: " + e.getMessage());
    Optional<JournalLock.Holder> holder =
        e.directory() == null ? Optional.empty() : JournalLock.holder(e.directory());
    if (holder.isEmpty()) {
      err.println("flotilla: " + notDone);
      return FlotillaCli.INVALID_INPUT;
    }
    err.println(
        "flotilla: "
            + holder.get().describe()
            + " has it open; a journal is opened by one engine at a time");
    err.println(
        "flotilla: "
            + notDone
            + "; wait for that "
            + (holder.get().isThisProcess() ? "engine" : "process")
            + " to end (or stop it), then try again"
            + (otherwise == null ? "" : ", or " + otherwise));
    return FlotillaCli.INVALID_INPUT;
  }

  /**
   * Logging starts here, on one thread: otherwise the actor system's threads race to start it and
   * SLF4J warns on stderr about the calls it had to replay.
   */
  private static void startLogging() {
    LoggerFactory.getILoggerFactory();
  }
}
