package dev.flotilla.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.JournalUnavailableException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.LoggerFactory;

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
    Optional<JournalLock.Holder> holder = JournalLock.holder(e.directory());
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
