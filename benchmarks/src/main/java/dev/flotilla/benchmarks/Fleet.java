package dev.flotilla.benchmarks;

import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Benchmark plans: N targets x M steps of one simulated action each. */
final class Fleet {

  private Fleet() {}

  /**
   * @param duration a plan duration such as {@code 0ms} or {@code 50ms}
   * @param cap the deployment's maxParallelism: each step's target cap
   */
  static DeploymentPlan plan(String name, int targets, int steps, String duration, int cap) {
    List<Target> fleet = new ArrayList<>(targets);
    for (int i = 0; i < targets; i++) {
      fleet.add(new Target(String.format("t%06d", i), List.of("fleet")));
    }
    List<Step> process = new ArrayList<>(steps);
    for (int s = 0; s < steps; s++) {
      process.add(Step.of("step-" + s, new ActionSpec("simulate", Map.of("duration", duration)), "fleet"));
    }
    return DeploymentPlan.of(name, fleet, process).withMaxParallelism(cap);
  }
}
