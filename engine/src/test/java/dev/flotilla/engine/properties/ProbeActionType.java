package dev.flotilla.engine.properties;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.action.simulate.SimulateActionType;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.timeline.Timeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A simulation that publishes the output {@code Value = step@target} and records what its {@code
 * read} parameter read ({@code STEP|TARGET|#{Octopus.Action[STEP].Output[TARGET].Value}},
 * substituted by the engine), so a test can compare every read with the timeline.
 */
final class ProbeActionType implements ActionType {

  static final String NAME = "probe";

  /** What each execution read, by deployment id, step, target and attempt. */
  private static final Map<List<Object>, String> READS = new ConcurrentHashMap<>();

  private final SimulateActionType simulate = new SimulateActionType(1.0);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Action configure(Map<String, Object> parameters) throws InvalidActionException {
    Map<String, Object> simulated = new LinkedHashMap<>(parameters);
    Object read = simulated.remove("read");
    Action delegate = simulate.configure(simulated);
    return context -> {
      context
          .log()
          .output("Value", context.step() + "@" + Objects.toString(context.target(), ""), false);
      if (read != null) {
        READS.put(
            List.of(
                context.deploymentId(),
                context.step(),
                Objects.toString(context.target(), ""),
                context.attempt()),
            read.toString());
      }
      return delegate.start(context);
    };
  }

  /** {@code plan} with its plain steps probing, each maybe reading an earlier block's output. */
  static DeploymentPlan withOutputs(DeploymentPlan plan, Random random) {
    PlanLayout layout = PlanLayout.of(plan);
    List<Step> steps = new ArrayList<>();
    for (Step step : plan.steps()) {
      if (step.isRolling()) {
        steps.add(step);
        continue;
      }
      PlanLayout.StepInfo info = layout.stepNamed(step.name());
      List<PlanLayout.StepInfo> earlier =
          layout.steps().stream()
              .filter(p -> !p.isChild() && !p.step().isRolling() && p.block() < info.block())
              .toList();
      Map<String, Object> parameters = new LinkedHashMap<>(step.action().parameters());
      if (!earlier.isEmpty() && random.nextInt(3) > 0) {
        PlanLayout.StepInfo producer = earlier.get(random.nextInt(earlier.size()));
        String target =
            producer.step().runOnServer()
                ? ""
                : producer.targets().isEmpty()
                    ? plan.targets().get(0).name()
                    : producer.targets().get(random.nextInt(producer.targets().size()));
        String reference =
            target.isEmpty()
                ? "#{Octopus.Action[" + producer.name() + "].Output.Value}"
                : "#{Octopus.Action[" + producer.name() + "].Output[" + target + "].Value}";
        parameters.put("read", producer.name() + "|" + target + "|" + reference);
      }
      steps.add(
          new Step(
              step.name(),
              step.roles(),
              step.startTrigger(),
              step.condition(),
              step.maxParallelism(),
              step.retries(),
              step.retryBackoff(),
              step.timeout(),
              step.runOnServer(),
              new ActionSpec(NAME, parameters),
              step.windowSize(),
              step.children(),
              step.required()));
    }
    return new DeploymentPlan(
        plan.name(),
        plan.project(),
        plan.environment(),
        plan.maxParallelism(),
        plan.targetIsolation(),
        plan.variables(),
        plan.targets(),
        steps,
        plan.seed());
  }

  /**
   * Each read of {@code deploymentId} that differs from what the timeline says its producer set:
   * {@code step@target} if that execution succeeded, empty otherwise.
   */
  static List<String> wrongReads(String deploymentId, Timeline timeline) {
    List<String> wrong = new ArrayList<>();
    READS.forEach(
        (key, read) -> {
          if (!key.get(0).equals(deploymentId)) {
            return;
          }
          String[] parts = read.split("\\|", 3);
          String producer = parts[0];
          String target = parts[1];
          boolean succeeded =
              timeline.executions().stream()
                  .anyMatch(
                      e ->
                          e.step().equals(producer)
                              && Objects.toString(e.target(), "").equals(target)
                              && e.status() == ExecutionStatus.SUCCEEDED);
          String expected = succeeded ? producer + "@" + target : "";
          if (!parts[2].equals(expected)) {
            wrong.add(key + " read \"" + parts[2] + "\", expected \"" + expected + "\"");
          }
        });
    return wrong;
  }
}
