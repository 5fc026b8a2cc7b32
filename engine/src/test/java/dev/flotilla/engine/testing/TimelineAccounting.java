package dev.flotilla.engine.testing;

import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.timeline.Timeline;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether a finished deployment's timeline accounts for every execution: none is left running,
 * every step is over, and every target of a step either has an execution or is counted as not
 * started (a skipped step has none).
 */
public final class TimelineAccounting {

  private TimelineAccounting() {}

  /** What the timeline leaves unaccounted for; empty if nothing. */
  public static List<String> unaccounted(Timeline timeline) {
    List<String> found = new ArrayList<>();
    for (Timeline.ExecutionEntry execution : timeline.executions()) {
      if (execution.status() == ExecutionStatus.RUNNING) {
        found.add("execution still running: " + execution);
      }
    }
    for (Timeline.StepEntry step : timeline.steps()) {
      if (step.status() == StepStatus.PENDING || step.status() == StepStatus.RUNNING) {
        found.add("step " + step.name() + " not over: " + step.status());
      }
      if (step.parent() != null || step.windowSize() != null) {
        continue;
      }
      Set<String> ran = new HashSet<>();
      for (Timeline.ExecutionEntry execution : timeline.executions()) {
        if (execution.stepIndex() == step.index()) {
          ran.add(String.valueOf(execution.target()));
        }
      }
      int expected = step.status() == StepStatus.SKIPPED ? 0 : step.targets();
      if (ran.size() + step.targetsNotStarted() != expected) {
        found.add(
            "step "
                + step.name()
                + ": "
                + ran.size()
                + " targets ran + "
                + step.targetsNotStarted()
                + " not started != "
                + expected);
      }
    }
    return found;
  }
}
