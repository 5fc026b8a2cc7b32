package dev.flotilla.cli;

import dev.flotilla.persistence.JournalUnavailableException;
import dev.flotilla.server.DeploymentService;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The command line of {@link DeploymentService}: starts it, prints its URL and leaves it running. */
@Command(
    name = "flotilla-service",
    description = "Serves an embedded Flotilla engine over HTTP on 127.0.0.1: submit plans, watch their events, "
        + "read their timelines, cancel them and open their waterfall pages. Stops on Ctrl-C or SIGTERM.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:the service started (it runs until the JVM is stopped)",
        "1:the service could not start (port in use, journal unavailable)",
        "2:invalid options"})
final class ServeCommand implements Callable<Integer> {

  private static final int CANNOT_START = 1;

  @Spec
  private CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Shows this help and exits.")
  private boolean help;

  @Option(names = "--port", paramLabel = "N", defaultValue = "" + DeploymentService.DEFAULT_PORT,
      description = "The port to listen on, on 127.0.0.1 only; 0 takes any free port. Default: ${DEFAULT-VALUE}.")
  private int port;

  @Option(names = "--journal", paramLabel = "DIR",
      description = "Keeps deployments in a durable journal in DIR: they are listed and replayed after a restart,"
          + " and unfinished ones resume. Default: in memory, forgotten when the service stops.")
  private Path journal;

  @Option(names = "--time-scale", paramLabel = "F", defaultValue = "1.0",
      description = "Multiplies every simulated duration: 0.1 runs a simulation ten times faster. "
          + "Scripts always run in real time. Default: ${DEFAULT-VALUE}.")
  private double timeScale;

  @Override
  public Integer call() {
    DeploymentService.Options options;
    try {
      options = new DeploymentService.Options(port, journal, timeScale);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    DeploymentService service;
    try {
      service = DeploymentService.start(options);
    } catch (JournalUnavailableException e) {
      err.println("flotilla-service: " + e.getMessage());
      return CANNOT_START;
    } catch (BindException e) {
      err.println("flotilla-service: cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
      return CANNOT_START;
    } catch (IOException e) {
      err.println("flotilla-service: " + e.getMessage());
      return CANNOT_START;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(service::close, "flotilla-service-stop"));
    out.println("Flotilla deployment service listening on " + service.uri()
        + (journal == null ? " (in memory: deployments are forgotten when it stops)" : " (journal: " + journal + ")"));
    out.println("Submit a plan: curl --data-binary @samples/plans/quick-start.yaml " + service.uri() + "deployments");
    out.flush();
    return 0;
  }
}
