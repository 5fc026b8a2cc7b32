package dev.flotilla.cli;

import com.typesafe.config.Config;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionInterrupted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.persistence.DeploymentHistory;
import dev.flotilla.persistence.DeploymentHistory.JournalReadException;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import dev.flotilla.persistence.Resumption;
import dev.flotilla.persistence.Resumption.Unfinished;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code flotilla resume}: finishes what a stopped or crashed engine left in its journal. */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description = {
      "Resumes every deployment the journal records as unfinished, shows their progress and prints a summary "
          + "for each at the end.",
      "Nothing the journal records as finished runs again; an execution that was running when the engine "
          + "stopped runs again as its next attempt (or counts as failed, if its plan says onInterrupted: fail).",
      "Ctrl-C cancels them (running actions are cancelled, pending ones skipped) and still reports them."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every resumed deployment succeeded, or there was nothing to resume",
      "1:a resumed deployment failed or was cancelled",
      "2:invalid options, or the journal cannot be used: nothing was started"
    })
final class ResumeCommand implements Callable<Integer> {

  @ParentCommand private FlotillaCli parent;

  @Spec private CommandSpec spec;

  @Mixin private JournalOption journal;

  @Option(
      names = "--time-scale",
      paramLabel = "F",
      defaultValue = "1.0",
      description = TimeScale.DESCRIPTION)
  private double timeScale;

  @Option(
      names = "--timeline-json",
      paramLabel = "FILE",
      description =
          "Writes the resumed deployment's timeline as JSON when it ends, however it ends. "
              + "With several, one file each: FILE with the deployment id inserted before its extension.")
  private Path timelineJson;

  @Option(
      names = "--set",
      paramLabel = "key=value",
      description =
          "Gives a sensitive variable's value again (the journal holds it masked); repeatable. "
              + "Without it, a sensitive variable is read from the environment variable of its name.")
  private List<String> secrets = new ArrayList<>();

  @Override
  public Integer call() {
    double scale = TimeScale.check(timeScale, spec);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Config config = CliEngine.config();
    DurableJournal durable = journal.journal(config, spec);
    String directory = durable.describe();
    if (!DurableEngine.holdsJournal(durable)) {
      out.println("nothing to resume: no journal in " + directory);
      return FlotillaCli.SUCCEEDED;
    }
    // One pool of SSH sessions for the engine, closed after it (the engine closes in resume).
    try (CliSsh ssh = CliSsh.start(config, err)) {
      return resume(config, durable, ssh.addTo(ActionTypes.builtIn(scale)), out, err);
    }
  }

  private int resume(
      Config config,
      DurableJournal durable,
      ActionTypes actionTypes,
      PrintWriter out,
      PrintWriter err) {
    String directory = durable.describe();
    EngineSettings settings = EngineSettings.fromConfig(config).withActionTypes(actionTypes);
    Flotilla engine;
    try {
      engine = CliEngine.durable(durable, settings, config);
    } catch (JournalUnavailableException e) {
      return CliEngine.unavailable(e, "nothing was resumed", null, err);
    }
    // The run closes the engine once it has reported; this covers the ways out before it starts.
    try (engine) {
      List<Unfinished> unfinished;
      try {
        unfinished = Resumption.unfinished(new DeploymentHistory(engine.system()));
      } catch (JournalReadException e) {
        err.println("flotilla: journal " + directory + ": " + e.getMessage());
        return FlotillaCli.INVALID_INPUT;
      }
      if (unfinished.isEmpty()) {
        out.println("nothing to resume: every deployment in " + directory + " has finished");
        return FlotillaCli.SUCCEEDED;
      }
      Map<String, String> given = PlanInput.overrides(secrets, spec);
      List<Map<String, String>> secretsOf = new ArrayList<>();
      for (Unfinished deployment : unfinished) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String key : deployment.plan().secrets().keySet()) {
          String value = given.containsKey(key) ? given.get(key) : System.getenv(key);
          if (value == null) {
            missing.add(key);
          } else {
            values.put(key, value);
          }
        }
        if (!missing.isEmpty()) {
          err.println(
              "flotilla: deployment "
                  + deployment.deploymentId()
                  + " cannot resume without its sensitive variables, which the journal holds"
                  + " masked: "
                  + String.join(", ", missing)
                  + "; give each with --set NAME=VALUE or in the environment. Nothing was resumed.");
          return FlotillaCli.INVALID_INPUT;
        }
        secretsOf.add(values);
      }
      CliSettings cli = CliSettings.fromConfig(config);
      out.println(
          "Resuming "
              + (unfinished.size() == 1
                  ? "1 unfinished deployment"
                  : unfinished.size() + " unfinished deployments")
              + " from journal "
              + directory);
      boolean several = unfinished.size() > 1;
      if (several && timelineJson != null) {
        out.println(
            "Timelines: one file per deployment, "
                + timelineJson
                + " with the deployment id inserted"
                + " before its extension");
      }
      List<String> tags = tags(unfinished);
      List<DeploymentRun.Watched> watched = new ArrayList<>();
      for (int i = 0; i < unfinished.size(); i++) {
        Unfinished deployment = unfinished.get(i);
        CliSsh.warnAcceptNew(deployment.plan(), err);
        ProgressPrinter progress =
            new ProgressPrinter(
                PlanLayout.of(deployment.plan()), cli, out, several ? tags.get(i) : null);
        progress.catchUp(deployment.events());
        DeploymentHandle handle = Resumption.resume(engine, deployment, progress, secretsOf.get(i));
        printHeader(deployment, out);
        Path file =
            timelineJson == null || !several
                ? timelineJson
                : TimelineFiles.perDeployment(timelineJson, deployment.deploymentId());
        watched.add(new DeploymentRun.Watched(handle, progress, file));
      }
      return new DeploymentRun(engine, cli, out, err, InterruptSignal.CTRL_C_REASON)
          .watch(watched, parent.interrupts());
    }
  }

  /** What had happened before the stop, and what happens to the executions it cut short. */
  private static void printHeader(Unfinished deployment, PrintWriter out) {
    Set<String> running = new HashSet<>();
    int finished = 0;
    for (DeploymentEvent event : deployment.events()) {
      if (event instanceof ExecutionStarted started) {
        running.add(started.step() + "/" + started.target());
      } else if (event instanceof ExecutionFinished ended) {
        running.remove(ended.step() + "/" + ended.target());
        finished++;
      } else if (event instanceof ExecutionInterrupted interrupted) {
        running.remove(interrupted.step() + "/" + interrupted.target());
      }
    }
    DeploymentPlan plan = deployment.plan();
    String interrupted =
        running.isEmpty()
            ? "none was running"
            : running.size()
                + (running.size() == 1 ? " was" : " were")
                + " running and "
                + (plan.onInterrupted() == DeploymentPlan.InterruptPolicy.RERUN
                    ? (running.size() == 1 ? "runs" : "run") + " again as the next attempt"
                    : "counts as failed (onInterrupted: fail)");
    out.printf(
        "Resuming %s (deployment %s): %d %s had finished; %s%n",
        plan.name(),
        deployment.deploymentId(),
        finished,
        finished == 1 ? "execution attempt" : "execution attempts",
        interrupted);
  }

  /** Each deployment's tag on shared progress lines: its name, or its id where names repeat. */
  private static List<String> tags(List<Unfinished> unfinished) {
    Set<String> seen = new HashSet<>();
    Set<String> repeated = new HashSet<>();
    for (Unfinished deployment : unfinished) {
      if (!seen.add(deployment.plan().name())) {
        repeated.add(deployment.plan().name());
      }
    }
    List<String> tags = new ArrayList<>();
    for (Unfinished deployment : unfinished) {
      String name = deployment.plan().name();
      tags.add(repeated.contains(name) ? name + " " + deployment.deploymentId() : name);
    }
    return tags;
  }
}
