package dev.flotilla.engine.timeline;

import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.TargetIsolation;
import java.util.List;

/**
 * What happened in a deployment, in the shape of the timeline JSON that other tools read ({@code
 * --timeline-json}): a public contract, extended but never renamed. Times are milliseconds since
 * the deployment started, at microsecond precision.
 *
 * @param status RUNNING or QUEUED only in a snapshot of a deployment still going
 * @param endMs null while the deployment runs
 * @param startedAt the wall-clock instant that {@code startMs = 0} stands for (ISO-8601, UTC)
 */
public record Timeline(
    String deploymentId,
    String name,
    DeploymentStatus status,
    int maxParallelism,
    TargetIsolation targetIsolation,
    double startMs,
    Double endMs,
    List<StepEntry> steps,
    List<ExecutionEntry> executions,
    String startedAt) {

  /**
   * One step; the children of a rolling step follow it with {@code parent} set to its name.
   *
   * @param maxParallelism the effective target cap (a rolling step's window for it and its
   *     children)
   * @param windowSize the rolling window, on the rolling step only
   * @param targets how many targets the step runs on (1 for a step on the engine)
   * @param targetsNotStarted targets never started because the step failed or was cancelled
   * @param skipReason why a skipped step did not run
   */
  public record StepEntry(
      int index,
      String name,
      int block,
      String parent,
      StepStatus status,
      int maxParallelism,
      Integer windowSize,
      boolean runOnServer,
      int targets,
      int targetsNotStarted,
      String skipReason) {}

  /**
   * One attempt of one (step, target) execution; a retry is its own entry. In a snapshot of a
   * deployment still running, an execution waiting for its target's guard has status {@code
   * WAITING}: it has not started, so its {@code startMs} is its {@code waitingSinceMs} (the entries
   * of started executions come first, those waiting after them).
   *
   * @param target null for a step that runs on the engine
   * @param startMs when the action started (inside the target's guard lease); for a WAITING entry,
   *     when it began to wait
   * @param endMs when it ended; null while it runs or waits
   * @param waitingSinceMs when it started waiting for a guard held by someone else; null if it
   *     never waited
   * @param waitingFor who held the guard when it started waiting
   * @param message why it failed, if it did
   */
  public record ExecutionEntry(
      String step,
      int stepIndex,
      int block,
      String target,
      int attempt,
      ExecutionStatus status,
      double startMs,
      Double endMs,
      Double waitingSinceMs,
      String waitingFor,
      String message) {}

  /** The time from start to end, in milliseconds; null while running. */
  public Double makespanMs() {
    return endMs == null ? null : endMs - startMs;
  }
}
