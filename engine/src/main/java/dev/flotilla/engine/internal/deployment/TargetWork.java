package dev.flotilla.engine.internal.deployment;

import java.util.List;

/**
 * What one per-target actor does: run {@code steps} in order on {@code target}, from {@code
 * startIndex}. One step for a plain step; a rolling step's children for a rolling one. This
 * description is what throttles queue; the actor exists only while the work runs.
 *
 * @param target null for a step that runs on the engine
 * @param steps layout indices, in order
 * @param startIndex where in {@code steps} to begin (after a restart, past what already finished)
 * @param firstAttempt the attempt number of the first execution (after a restart, past those
 *     recorded)
 * @param failedHere whether an earlier child already failed on this target (decides the next
 *     children's conditions)
 * @param waiting after a restart, the intervention the execution at {@code startIndex} waits for
 *     (its attempt is {@code firstAttempt}); null otherwise
 */
record TargetWork(
    String target,
    List<Integer> steps,
    int startIndex,
    int firstAttempt,
    boolean failedHere,
    DeploymentState.Intervention waiting) {

  TargetWork(
      String target, List<Integer> steps, int startIndex, int firstAttempt, boolean failedHere) {
    this(target, steps, startIndex, firstAttempt, failedHere, null);
  }

  static TargetWork fresh(String target, List<Integer> steps) {
    return new TargetWork(target, steps, 0, 1, false);
  }
}
