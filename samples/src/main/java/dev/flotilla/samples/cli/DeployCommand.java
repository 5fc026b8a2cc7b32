package dev.flotilla.samples.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.plan.InvalidPlanException;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.engine.plan.PlanProblem;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code flotilla deploy PLAN.yaml}: checks a plan, runs it to its end and reports how it went. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = {
        "Runs the deployment a plan describes, showing its progress, and prints a summary at the end.",
        "Ctrl-C cancels the deployment (running actions are cancelled, pending ones skipped) and still reports it."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:the deployment succeeded",
        "1:the deployment failed or was cancelled",
        "2:invalid input (options, plan file, plan problems): nothing was started"})
final class DeployCommand implements Callable<Integer> {

  private static final String CTRL_C_REASON = "interrupted (Ctrl-C)";

  @ParentCommand
  private FlotillaCli parent;

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PLAN.yaml", description = "The plan to deploy.")
  private Path planFile;

  @Option(names = "--time-scale", paramLabel = "F", defaultValue = "1.0",
      description = "Multiplies every simulated duration: 0.1 runs a simulation ten times faster. "
          + "Scripts always run in real time. Default: ${DEFAULT-VALUE}.")
  private double timeScale;

  @Option(names = "--set", paramLabel = "key=value",
      description = "Sets a plan variable, replacing the plan's value; repeatable. "
          + "Aliases such as Octopus.Action.MaxParallelism apply as if written in the plan.")
  private List<String> variables = new ArrayList<>();

  @Option(names = "--timeline-json", paramLabel = "FILE",
      description = "Writes the deployment's timeline as JSON when it ends, however it ends.")
  private Path timelineJson;

  @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nWhere the deployment's events are kept:%n")
  private Storage storage = new Storage();

  /** Mutually exclusive ways to keep a deployment's events; the journal ({@code --journal DIR}) joins here. */
  static final class Storage {
    @Option(names = "--in-memory",
        description = "In memory only: nothing survives the process. The default until the journal lands.")
    private boolean inMemory;
  }

  @Override
  public Integer call() {
    Map<String, String> overrides = variableOverrides();
    if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
      throw new ParameterException(spec.commandLine(),
          "--time-scale must be a number greater than 0, not " + timeScale);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(planFile)) {
      err.println("flotilla: no plan file at " + planFile.toAbsolutePath().normalize());
      return FlotillaCli.INVALID_INPUT;
    }

    Config config = cliConfig();
    ActionTypes actionTypes = ActionTypes.builtIn(timeScale);
    DeploymentPlan plan;
    try {
      plan = new PlanLoader(actionTypes).load(planFile, overrides);
    } catch (InvalidPlanException e) {
      return reportProblems(e.problems(), err);
    } catch (UncheckedIOException e) {
      err.println("flotilla: cannot read " + planFile + ": " + e.getCause().getMessage());
      return FlotillaCli.INVALID_INPUT;
    }

    EngineSettings settings = EngineSettings.fromConfig(config).withActionTypes(actionTypes);
    DeploymentRun run = new DeploymentRun(plan, timeScale, timelineJson, CliSettings.fromConfig(config),
        out, err, CTRL_C_REASON);
    return run.run(settings, config, parent.interrupts());
  }

  /**
   * The configuration of the CLI's engine. The CLI owns the end of the process (Ctrl-C cancels and
   * reports the deployment first), so Pekko must not stop the actor system from its own JVM
   * shutdown hook while the deployment is being cancelled.
   */
  private static Config cliConfig() {
    return ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off")
        .withFallback(ConfigFactory.load());
  }

  /** Each {@code --set} is {@code key=value}; a later one wins. */
  private Map<String, String> variableOverrides() {
    Map<String, String> overrides = new LinkedHashMap<>();
    for (String setting : variables) {
      int equals = setting.indexOf('=');
      if (equals <= 0 || setting.substring(0, equals).isBlank()) {
        throw new ParameterException(spec.commandLine(),
            "--set needs key=value, not \"" + setting + "\"");
      }
      overrides.put(setting.substring(0, equals).trim(), setting.substring(equals + 1));
    }
    return overrides;
  }

  private static int reportProblems(List<PlanProblem> problems, PrintWriter err) {
    for (PlanProblem problem : problems) {
      err.println(problem);
    }
    err.println("flotilla: the plan has " + problems.size() + (problems.size() == 1 ? " problem" : " problems")
        + "; nothing was started");
    return FlotillaCli.INVALID_INPUT;
  }
}
