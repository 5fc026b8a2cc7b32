package dev.flotilla.engine;

import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.timeline.Timeline;
import java.util.ArrayList;
import java.util.List;

/**
 * How a deployment ended, with its full timeline.
 *
 * @param status SUCCEEDED, FAILED or CANCELLED
 */
public record DeploymentResult(String deploymentId, DeploymentStatus status, Timeline timeline) {

  /**
   * One step in numbers, over final attempts.
   *
   * @param skipped targets that never ran the step (not started, excluded by a person, or the whole
   *     step skipped); an excluded execution counts here too
   * @param succeeded final attempts that succeeded, or that failed and a person chose to ignore
   * @param durationMs from the step's first start to its last end; 0 if it never ran
   * @param running targets whose last attempt is still running, waiting for its target's guard, or
   *     waiting for an intervention's answer (only in a deployment not finished)
   */
  public record StepSummary(
      String name,
      String parent,
      StepStatus status,
      int succeeded,
      int failed,
      int cancelled,
      int skipped,
      double durationMs,
      int running) {}

  public boolean succeeded() {
    return status == DeploymentStatus.SUCCEEDED;
  }

  /** Per step, in plan order (children after their rolling step). */
  public List<StepSummary> steps() {
    return summarize(timeline);
  }

  /** Summarizes any timeline, live or final. */
  public static List<StepSummary> summarize(Timeline timeline) {
    int count = timeline.steps().size();
    int[] succeeded = new int[count];
    int[] failed = new int[count];
    int[] cancelled = new int[count];
    int[] running = new int[count];
    double[] first = new double[count];
    double[] last = new double[count];
    java.util.Arrays.fill(first, Double.MAX_VALUE);
    record Execution(int step, String target) {}
    java.util.Map<Execution, ExecutionStatus> finalOutcome = new java.util.HashMap<>();
    for (Timeline.ExecutionEntry execution : timeline.executions()) {
      int step = execution.stepIndex();
      // Later attempts of the same (step, target) replace earlier ones.
      finalOutcome.put(new Execution(step, execution.target()), execution.status());
      if (execution.status() == ExecutionStatus.WAITING) {
        // Not started: it counts as in progress, not towards the step's duration.
        continue;
      }
      first[step] = Math.min(first[step], execution.startMs());
      if (execution.endMs() != null) {
        last[step] = Math.max(last[step], execution.endMs());
      }
    }
    for (var entry : finalOutcome.entrySet()) {
      int step = entry.getKey().step();
      switch (entry.getValue()) {
        case SUCCEEDED, IGNORED -> succeeded[step]++;
        case FAILED, TIMED_OUT, INTERRUPTED -> failed[step]++;
        case CANCELLED -> cancelled[step]++;
        case RUNNING, WAITING, AWAITING_INTERVENTION -> running[step]++;
        default -> {}
      }
    }
    List<StepSummary> summaries = new ArrayList<>();
    for (Timeline.StepEntry step : timeline.steps()) {
      int i = step.index();
      boolean rolling = step.windowSize() != null;
      int ran = succeeded[i] + failed[i] + cancelled[i] + running[i];
      int skipped = rolling ? 0 : Math.max(0, step.targets() - ran);
      double duration = first[i] == Double.MAX_VALUE ? 0 : Math.max(0, last[i] - first[i]);
      summaries.add(
          new StepSummary(
              step.name(),
              step.parent(),
              step.status(),
              succeeded[i],
              failed[i],
              cancelled[i],
              skipped,
              duration,
              running[i]));
    }
    return summaries;
  }
}
