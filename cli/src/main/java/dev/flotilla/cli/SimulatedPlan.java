package dev.flotilla.cli;

import dev.flotilla.engine.action.script.ScriptActionType;
import dev.flotilla.engine.action.simulate.SimulateActionType;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Step;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A plan rehearsed in memory: every action that is not already {@code simulate} becomes {@code
 * simulate} for as long as its {@code estimate:} says, or a default when it has none. Every step
 * setting (caps, windows, retries, timeouts, conditions, blocks) is kept, so the engine schedules
 * the rehearsal as it would the real run, and nothing touches any machine.
 *
 * @param plan the plan with only simulate actions
 * @param conversions every action that was replaced, in plan order (children after their parent)
 */
record SimulatedPlan(DeploymentPlan plan, List<Conversion> conversions) {

  /**
   * One replaced action.
   *
   * @param step the step it belongs to
   * @param type the action type it had
   * @param duration how long it is simulated for
   * @param estimated whether that is its own estimate, rather than the default
   */
  record Conversion(String step, String type, Duration duration, boolean estimated) {}

  SimulatedPlan {
    conversions = List.copyOf(conversions);
  }

  /**
   * Simulates every action of {@code plan}; {@code withoutEstimate} stands in for an action with no
   * {@code estimate:}.
   *
   * @throws IllegalArgumentException if an action's estimate is not a duration
   */
  static SimulatedPlan of(DeploymentPlan plan, Duration withoutEstimate) {
    List<Conversion> conversions = new ArrayList<>();
    List<Step> steps = new ArrayList<>();
    for (Step step : plan.steps()) {
      steps.add(simulated(step, withoutEstimate, conversions));
    }
    DeploymentPlan rehearsal =
        new DeploymentPlan(
            plan.name(),
            plan.project(),
            plan.environment(),
            plan.maxParallelism(),
            plan.targetIsolation(),
            plan.variables(),
            plan.targets(),
            steps,
            plan.seed(),
            plan.onInterrupted());
    // Scoped and sensitive variables stay: the rehearsal substitutes what the real run would.
    return new SimulatedPlan(
        rehearsal.withScopedVariables(plan.scopedValues(), plan.sensitive()), conversions);
  }

  private static Step simulated(Step step, Duration withoutEstimate, List<Conversion> conversions) {
    ActionSpec action = step.action();
    if (action != null && !action.type().equals(SimulateActionType.NAME)) {
      // Any action type may carry an estimate: script documents it, a host's type may follow suit.
      Duration estimate = ScriptActionType.estimate(action.parameters());
      Duration duration = estimate != null ? estimate : withoutEstimate;
      conversions.add(new Conversion(step.name(), action.type(), duration, estimate != null));
      action = new ActionSpec(SimulateActionType.NAME, Map.of("duration", planDuration(duration)));
    }
    List<Step> children = new ArrayList<>();
    for (Step child : step.children()) {
      children.add(simulated(child, withoutEstimate, conversions));
    }
    return new Step(
        step.name(),
        step.roles(),
        step.startTrigger(),
        step.condition(),
        step.maxParallelism(),
        step.retries(),
        step.retryBackoff(),
        step.timeout(),
        step.runOnServer(),
        action,
        step.windowSize(),
        children);
  }

  /** The duration in plan syntax, exact to the nanosecond: {@code 1500ms}, {@code 0.25ms}. */
  private static String planDuration(Duration duration) {
    return BigDecimal.valueOf(duration.toNanos())
            .movePointLeft(6)
            .stripTrailingZeros()
            .toPlainString()
        + "ms";
  }
}
