package dev.flotilla.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The plan every system runs side by side (peers.md): {@code targets} x {@code steps}, each action
 * {@code durationMs} long, at most {@code cap} targets of a step at once, steps one after another.
 */
record Workload(int targets, int steps, long durationMs, int cap) {

  Workload {
    if (targets < 1 || steps < 1 || durationMs < 0 || cap < 1) {
      throw new IllegalArgumentException(
          "not a workload: " + targets + " x " + steps + ", " + durationMs + " ms, cap " + cap);
    }
  }

  int executions() {
    return targets * steps;
  }

  /** No scheduler can beat this: per step, the longest action or the step's work over its cap. */
  double lowerBoundMs() {
    return steps * Math.max(durationMs, (double) targets * durationMs / cap);
  }

  static String targetName(int index) {
    return String.format(Locale.ROOT, "t%06d", index);
  }

  static String stepName(int index) {
    return "step-" + index;
  }

  List<String> targetNames() {
    List<String> names = new ArrayList<>(targets);
    for (int i = 0; i < targets; i++) {
      names.add(targetName(i));
    }
    return names;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%,d targets x %d steps, %d ms actions, cap %d",
        targets,
        steps,
        durationMs,
        cap);
  }
}
