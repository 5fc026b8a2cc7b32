package dev.flotilla.cli;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.persistence.JournalUnavailableException;
import dev.flotilla.server.DeploymentService;
import dev.flotilla.server.DeploymentService.Stopped;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla serve}: runs the {@link DeploymentService} until Ctrl-C or SIGTERM, then stops it
 * and says so, with what became of the deployments still running.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves an engine over HTTP on 127.0.0.1: submit plans, follow their events, read their timelines, "
          + "cancel them and open their waterfall pages.",
      "Runs until Ctrl-C or SIGTERM, then stops: open event streams end, the HTTP server stops, then the engine, "
          + "and it says what became of the deployments still running."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the service ran until it was stopped (Ctrl-C or SIGTERM)",
      "1:the service could not start (port in use, journal unavailable)",
      "2:invalid options"
    })
final class ServeCommand implements Callable<Integer> {

  private static final int CANNOT_START = 1;
  private static final String NAME = "flotilla serve: ";

  @ParentCommand private FlotillaCli parent;

  @Spec private CommandSpec spec;

  @Option(
      names = "--port",
      paramLabel = "N",
      defaultValue = "" + DeploymentService.DEFAULT_PORT,
      description =
          "The port to listen on, on 127.0.0.1 only; 0 takes any free port. Default: ${DEFAULT-VALUE}.")
  private int port;

  @Option(
      names = "--journal",
      paramLabel = "DIR",
      description =
          "Keeps deployments in a durable journal in DIR: they are listed and replayed after a restart,"
              + " and unfinished ones resume. Default: in memory, forgotten when the service stops.")
  private Path journal;

  @Option(
      names = "--time-scale",
      paramLabel = "F",
      defaultValue = "1.0",
      description = TimeScale.DESCRIPTION)
  private double timeScale;

  @Override
  public Integer call() {
    DeploymentService.Options options;
    try {
      options =
          new DeploymentService.Options(
              port, journal == null ? null : journal.toAbsolutePath().normalize(), timeScale);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // One pool of SSH sessions for the service's engine, closed after the service stops.
    try (CliSsh ssh = CliSsh.start(CliEngine.config(), err)) {
      return serve(options, ssh, out, err);
    }
  }

  private int serve(
      DeploymentService.Options options, CliSsh ssh, PrintWriter out, PrintWriter err) {
    DeploymentService service;
    try {
      service = DeploymentService.start(options, ConfigFactory.load(), ssh::addTo);
    } catch (JournalUnavailableException e) {
      err.println(NAME + e.getMessage());
      return CANNOT_START;
    } catch (BindException e) {
      err.println(NAME + "cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
      return CANNOT_START;
    } catch (IOException e) {
      err.println(NAME + e.getMessage());
      return CANNOT_START;
    }
    out.println(
        "Flotilla deployment service listening on "
            + service.uri()
            + (options.journal() == null
                ? " (in memory: deployments are forgotten when it stops)"
                : " (journal: " + options.journal() + ")"));
    out.println(
        "Submit a plan: curl --data-binary @samples/plans/quick-start.yaml "
            + service.uri()
            + "deployments");
    out.println("Stop it with Ctrl-C.");
    out.flush();
    // The service runs on its own threads; this one waits until the signal's handler has stopped
    // it.
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    Runnable stopOnce =
        () -> {
          if (stopping.compareAndSet(false, true)) {
            stop(service, out);
            stopped.countDown();
          }
        };
    InterruptSignal.Registration registration =
        parent
            .interrupts()
            .register(
                () -> {
                  stopOnce.run();
                  return FlotillaCli.SUCCEEDED;
                });
    try {
      stopped.await();
    } catch (InterruptedException e) {
      // A host interrupted the thread running the command: stop as for a signal.
      Thread.currentThread().interrupt();
      stopOnce.run();
    } finally {
      registration.close();
    }
    return FlotillaCli.SUCCEEDED;
  }

  /**
   * Stops the service, saying that it stops, what became of the deployments still running, and that
   * it stopped.
   */
  private static void stop(DeploymentService service, PrintWriter out) {
    out.println();
    out.println(
        NAME + "stopping: open event streams end, the HTTP server stops, then the engine...");
    out.flush();
    Stopped report = service.stop();
    out.println(NAME + unfinished(report));
    out.println(NAME + "stopped");
    out.flush();
  }

  static String unfinished(Stopped report) {
    int count = report.unfinished().size();
    if (count == 0) {
      return "no deployment was running";
    }
    String which =
        report.unfinished().stream()
            .map(
                deployment ->
                    deployment.id() + " (" + deployment.name() + ", " + deployment.status() + ")")
            .collect(Collectors.joining(", "));
    boolean one = count == 1;
    String what =
        one ? "1 deployment was still running: " : count + " deployments were still running: ";
    String fate =
        report.journal() == null
            ? "; the engine's stop cancelled "
                + (one ? "its" : "their")
                + " running actions and, in memory, "
                + (one ? "it is" : "they are")
                + " forgotten"
            : "; the engine's stop cancelled "
                + (one ? "its" : "their")
                + " running actions and the journal keeps "
                + (one ? "it: it resumes" : "them: they resume")
                + " when 'flotilla serve --journal "
                + report.journal()
                + "' starts again";
    return what + which + fate;
  }
}
