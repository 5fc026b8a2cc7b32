package dev.flotilla.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code flotilla} command-line tool: runs a deployment plan with an engine of its own and
 * shows it as it happens; lists, replays and resumes the deployments of its journal; runs Flotilla
 * as a server ({@code flotilla node}, also {@code flotilla serve}) and deploys to one ({@code
 * --server}).
 *
 * <p>Exit codes: {@value #SUCCEEDED} the deployment succeeded, {@value #NOT_SUCCEEDED} it failed or
 * was cancelled, {@value #INVALID_INPUT} the input was invalid (a bad option, a missing file, a
 * plan with problems, an unknown deployment id, a journal that cannot be used) and nothing was
 * started.
 */
@Command(
    name = "flotilla",
    mixinStandardHelpOptions = true,
    versionProvider = FlotillaCli.Version.class,
    description =
        "Runs deployments: an ordered process of steps fanned out over a fleet of targets.",
    subcommands = {
      DeployCommand.class,
      DeploymentsCommand.class,
      ReplayCommand.class,
      ResumeCommand.class,
      SimulateCommand.class,
      TimelineCommand.class,
      NodeCommand.class,
      DbCommand.class,
      ServeCommand.class,
      InterventionsCommand.class,
      InterveneCommand.class,
      CommandLine.HelpCommand.class
    })
public final class FlotillaCli implements Runnable {

  /** The deployment succeeded. */
  public static final int SUCCEEDED = 0;

  /** The deployment failed or was cancelled (or the engine itself failed). */
  public static final int NOT_SUCCEEDED = 1;

  /** Bad options, a missing file, an invalid plan or an unusable journal: nothing was started. */
  public static final int INVALID_INPUT = 2;

  @Spec private CommandSpec spec;

  private final InterruptSignal interrupts;
  private final Map<String, String> environment;

  /** A CLI that hears no interrupts: what an embedding host or a test runs. */
  public FlotillaCli() {
    this(InterruptSignal.NONE, System.getenv());
  }

  FlotillaCli(InterruptSignal interrupts, Map<String, String> environment) {
    this.interrupts = interrupts;
    this.environment = Map.copyOf(environment);
  }

  InterruptSignal interrupts() {
    return interrupts;
  }

  /** The process's environment ({@code FLOTILLA_TOKEN}); a test gives its own. */
  Map<String, String> environment() {
    return environment;
  }

  /** {@code flotilla} alone is a usage error: it needs a subcommand. */
  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing subcommand: try 'flotilla deploy PLAN.yaml'");
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(run(args, out, err, InterruptSignal.JVM_SHUTDOWN));
  }

  /**
   * Runs the tool in this process and returns its exit code; never calls {@code System.exit} and
   * never installs a shutdown hook.
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, out, err, InterruptSignal.NONE);
  }

  static int run(String[] args, PrintWriter out, PrintWriter err, InterruptSignal interrupts) {
    return run(args, out, err, interrupts, System.getenv());
  }

  static int run(
      String[] args,
      PrintWriter out,
      PrintWriter err,
      InterruptSignal interrupts,
      Map<String, String> environment) {
    try {
      return commandLine(interrupts, environment, out, err).execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  static CommandLine commandLine(
      InterruptSignal interrupts,
      Map<String, String> environment,
      PrintWriter out,
      PrintWriter err) {
    CommandLine commandLine = new CommandLine(new FlotillaCli(interrupts, environment));
    HelpLayout.apply(commandLine);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setParameterExceptionHandler(FlotillaCli::usageError);
    commandLine.setExecutionExceptionHandler(
        (e, cli, parseResult) -> {
          cli.getErr().println("flotilla: " + e);
          e.printStackTrace(cli.getErr());
          return NOT_SUCCEEDED;
        });
    // Whatever escapes both handlers still ends with a documented code.
    commandLine.setExitCodeExceptionMapper(
        e -> e instanceof ParameterException ? INVALID_INPUT : NOT_SUCCEEDED);
    return commandLine;
  }

  /**
   * A usage error says what is wrong and where help is, without burying it under the full usage.
   */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    PrintWriter err = cli.getErr();
    err.println("flotilla: " + e.getMessage());
    UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Run '" + cli.getCommandSpec().qualifiedName() + " --help' for usage.");
    return INVALID_INPUT;
  }

  /** The version Maven stamped into {@code flotilla-version.properties}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties properties = new Properties();
      try (InputStream in = FlotillaCli.class.getResourceAsStream("/flotilla-version.properties")) {
        if (in != null) {
          properties.load(in);
        }
      }
      return new String[] {"flotilla " + properties.getProperty("version", "(unknown version)")};
    }
  }
}
