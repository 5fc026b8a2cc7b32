package dev.flotilla.benchmarks;

import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.StartTrigger;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Benchmark plans over a fleet of targets named {@code t000000}, {@code t000001}, ... with the role
 * {@code fleet}.
 */
final class Fleet {

  static final String ROLE = "fleet";

  private Fleet() {}

  /**
   * N targets x M steps of one {@code simulate} action each.
   *
   * @param duration a plan duration such as {@code 0ms} or {@code 50ms}
   * @param cap the deployment's maxParallelism: each step's target cap
   */
  static DeploymentPlan plan(String name, int targets, int steps, String duration, int cap) {
    List<Step> process = new ArrayList<>(steps);
    for (int s = 0; s < steps; s++) {
      process.add(
          Step.of(
              Workload.stepName(s),
              new ActionSpec("simulate", Map.of("duration", duration)),
              ROLE));
    }
    return DeploymentPlan.of(name, targets(targets), process).withMaxParallelism(cap);
  }

  /**
   * The workload as a plan of {@code ledger} actions, steps named {@code step-0}, {@code step-1},
   * ...
   */
  static DeploymentPlan ledgerPlan(String name, Workload workload) {
    return ledgerPlan(name, workload, "");
  }

  /**
   * As {@link #ledgerPlan(String, Workload)}, step names prefixed: deployments sharing one ledger
   * stay apart.
   */
  static DeploymentPlan ledgerPlan(String name, Workload workload, String stepPrefix) {
    List<Step> process = new ArrayList<>(workload.steps());
    for (int s = 0; s < workload.steps(); s++) {
      process.add(Step.of(stepPrefix + Workload.stepName(s), ledger(workload.durationMs()), ROLE));
    }
    return DeploymentPlan.of(name, targets(workload.targets()), process)
        .withMaxParallelism(workload.cap());
  }

  /**
   * One block of {@code steps} steps started together ({@code withPrevious}) on the same targets:
   * every target's guard is contended by every step.
   */
  static DeploymentPlan parallelBlock(
      String name, int targets, int steps, long durationMs, int cap) {
    List<Step> process = new ArrayList<>(steps);
    for (int s = 0; s < steps; s++) {
      Step step = Step.of(Workload.stepName(s), ledger(durationMs), ROLE);
      process.add(s == 0 ? step : step.withStartTrigger(StartTrigger.WITH_PREVIOUS));
    }
    return DeploymentPlan.of(name, targets(targets), process).withMaxParallelism(cap);
  }

  /** One rolling step named {@code rolling}: each target runs {@code children} actions in order. */
  static DeploymentPlan rolling(
      String name, int targets, int window, int children, long durationMs) {
    List<Step> sequence = new ArrayList<>(children);
    for (int c = 0; c < children; c++) {
      sequence.add(
          Step.of(
              "child-" + c,
              new ActionSpec(
                  LedgerActionType.NAME,
                  Map.of("duration", durationMs + "ms", "step", "rolling"))));
    }
    return DeploymentPlan.of(
        name, targets(targets), List.of(Step.rolling("rolling", window, sequence, ROLE)));
  }

  private static ActionSpec ledger(long durationMs) {
    return new ActionSpec(LedgerActionType.NAME, Map.of("duration", durationMs + "ms"));
  }

  private static List<Target> targets(int count) {
    List<Target> fleet = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      fleet.add(new Target(Workload.targetName(i), List.of(ROLE)));
    }
    return fleet;
  }
}
