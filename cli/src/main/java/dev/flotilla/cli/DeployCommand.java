package dev.flotilla.cli;

import com.typesafe.config.Config;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.plan.InvalidPlanException;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.persistence.JournalUnavailableException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code flotilla deploy PLAN.yaml}: checks a plan, runs it to its end and reports how it went. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the deployment a plan describes, showing its progress, and prints a summary at the end.",
      "Its events are journaled (in .flotilla/journal unless --journal DIR or --in-memory), so it can be "
          + "replayed, and resumed after a crash.",
      "Ctrl-C cancels the deployment (running actions are cancelled, pending ones skipped) and still reports it.",
      "A plan with guided failure or a manual step runs only in a terminal, where it prompts for the answers."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the deployment succeeded",
      "1:the deployment failed or was cancelled",
      "2:invalid input (options, plan file, plan problems), a journal that cannot be used, or a plan that"
          + " needs a person to answer outside a terminal: nothing was started"
    })
final class DeployCommand implements Callable<Integer> {

  @ParentCommand private FlotillaCli parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PLAN.yaml", description = "The plan to deploy.")
  private Path planFile;

  @Option(
      names = "--time-scale",
      paramLabel = "F",
      defaultValue = "1.0",
      description = TimeScale.DESCRIPTION)
  private double timeScale;

  @Option(
      names = "--set",
      paramLabel = "key=value",
      description =
          "Sets a plan variable, replacing the plan's value; repeatable. "
              + "Aliases such as Octopus.Action.MaxParallelism apply as if written in the plan.")
  private List<String> variables = new ArrayList<>();

  @Option(
      names = "--timeline-json",
      paramLabel = "FILE",
      description = "Writes the deployment's timeline as JSON when it ends, however it ends.")
  private Path timelineJson;

  @ArgGroup(
      exclusive = true,
      multiplicity = "0..1",
      heading = "%nWhere the deployment's events are kept:%n")
  private Storage storage = new Storage();

  /** Mutually exclusive ways to keep a deployment's events. */
  static final class Storage {
    @Option(
        names = "--journal",
        paramLabel = "DIR",
        description =
            "In the journal in DIR, from which 'flotilla replay' rebuilds the deployment and "
                + "'flotilla resume' finishes it after a crash. Default: .flotilla/journal in the working directory.")
    private Path journal;

    @Option(names = "--in-memory", description = "In memory only: nothing survives the process.")
    private boolean inMemory;
  }

  @Override
  public Integer call() {
    Map<String, String> overrides = PlanInput.overrides(variables, spec);
    double scale = TimeScale.check(timeScale, spec);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(planFile)) {
      err.println("flotilla: no plan file at " + planFile.toAbsolutePath().normalize());
      return FlotillaCli.INVALID_INPUT;
    }

    Config config = CliEngine.config();
    ActionTypes actionTypes = ActionTypes.builtIn(scale);
    DeploymentPlan plan;
    try {
      plan = new PlanLoader(actionTypes).load(planFile, overrides);
    } catch (InvalidPlanException e) {
      return PlanInput.reportProblems(e.problems(), err);
    } catch (UncheckedIOException e) {
      err.println("flotilla: cannot read " + planFile + ": " + e.getCause().getMessage());
      return FlotillaCli.INVALID_INPUT;
    }

    boolean interactive = System.console() != null;
    if (plan.needsOperator() && !interactive) {
      err.println(operatorNeeded(plan));
      return FlotillaCli.INVALID_INPUT;
    }

    EngineSettings settings = EngineSettings.fromConfig(config).withActionTypes(actionTypes);
    Path journal = storage.inMemory ? null : CliEngine.journalDirectory(storage.journal, config);
    Flotilla engine;
    try {
      engine =
          journal == null
              ? CliEngine.inMemory(settings, config)
              : CliEngine.durable(journal, settings, config);
    } catch (JournalUnavailableException e) {
      return CliEngine.unavailable(
          e,
          "nothing was started",
          "deploy with another journal (--journal DIR) or none (--in-memory)",
          err);
    }
    // The run closes the engine once it has reported; this covers the ways out before it starts.
    try (engine) {
      CliSettings cli = CliSettings.fromConfig(config);
      PlanLayout layout = PlanLayout.of(plan);
      ProgressPrinter progress = new ProgressPrinter(layout, cli, out);
      if (plan.needsOperator()) {
        progress.answerWith(InterventionPrompt::hint);
      }
      DeploymentHandle handle;
      try {
        handle = engine.submit(plan, progress);
      } catch (InvalidPlanException e) {
        e.problems().forEach(err::println);
        return FlotillaCli.INVALID_INPUT;
      }
      printHeader(plan, layout, handle.deploymentId(), scale, out);
      printJournal(journal, handle.deploymentId(), out);
      if (plan.needsOperator()) {
        out.println(
            "Interventions: answer here, typing [N] DECISION [note] and Enter when one waits");
        new InterventionPrompt(
                handle,
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
                progress::say,
                System.getProperty("user.name"))
            .start();
      }
      return new DeploymentRun(engine, cli, out, err, InterruptSignal.CTRL_C_REASON)
          .watch(
              List.of(new DeploymentRun.Watched(handle, progress, timelineJson)),
              parent.interrupts());
    }
  }

  /**
   * Why a plan that may wait for a person cannot run here: nobody can answer a deploy that is not
   * interactive, and its journal is locked by this process, so no other one can either.
   */
  static String operatorNeeded(DeploymentPlan plan) {
    List<String> why = new ArrayList<>();
    if (plan.guidedFailure()) {
      why.add("it uses guided failure (a failure waits for a person's decision)");
    }
    List<String> manual =
        plan.steps().stream()
            .filter(Step::isManual)
            .map(step -> "\"" + step.name() + "\"")
            .toList();
    if (!manual.isEmpty()) {
      why.add(
          "it has manual " + (manual.size() == 1 ? "step " : "steps ") + String.join(", ", manual));
    }
    return "flotilla: plan \""
        + plan.name()
        + "\" may wait for a person: "
        + String.join(", and ", why)
        + ". This deploy is not interactive (stdin or stdout is not a terminal), and no other"
        + " process can answer through the journal it locks, so nobody could answer: nothing was"
        + " started. Run it in a terminal (it prompts), or on a service (flotilla serve) and answer"
        + " with 'flotilla intervene --server URL ID N DECISION'"
        + (plan.guidedFailure()
            ? "; or turn guided failure off: --set Octopus.UseGuidedFailure=false"
            : "");
  }

  private static void printHeader(
      DeploymentPlan plan,
      PlanLayout layout,
      String deploymentId,
      double timeScale,
      PrintWriter out) {
    long targets =
        layout.steps().stream().flatMap(step -> step.targets().stream()).distinct().count();
    String scale = timeScale == 1.0 ? "" : ", simulated time x" + timeScale;
    out.printf(
        "Deploying %s (deployment %s): %d %s, %d %s in %d %s, maxParallelism %d, %s target isolation%s%n",
        plan.name(),
        deploymentId,
        targets,
        targets == 1 ? "target" : "targets",
        plan.steps().size(),
        plan.steps().size() == 1 ? "step" : "steps",
        layout.blocks().size(),
        layout.blocks().size() == 1 ? "block" : "blocks",
        plan.maxParallelism(),
        plan.targetIsolation().wireName(),
        scale);
  }

  /** Where the events go, and the command that reads them back. */
  private void printJournal(Path journal, String deploymentId, PrintWriter out) {
    if (journal == null) {
      out.println("Journal: none (--in-memory): nothing of this deployment survives the process");
      return;
    }
    String option = storage.journal == null ? "" : " --journal " + journal;
    out.println(
        "Journal: " + journal + " (replay it with: flotilla replay " + deploymentId + option + ")");
  }
}
