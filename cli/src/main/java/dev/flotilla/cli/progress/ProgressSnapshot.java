package dev.flotilla.cli.progress;

import java.util.List;

/**
 * A deployment's progress at one instant, as the panel draws it: a row per running top-level step
 * and the execution counts of the whole deployment.
 *
 * @param admission whether the deployment started, and if not, what it waits for
 * @param elapsedMicros since the deployment started; until then, since it was submitted
 * @param steps the running top-level steps, in plan order
 * @param executions the execution counts of the whole deployment, children included
 * @param mostWaitedFor the holder most waiting executions wait for, or null if none waits
 */
public record ProgressSnapshot(
    Admission admission,
    long elapsedMicros,
    List<StepRow> steps,
    Counts executions,
    Wait mostWaitedFor) {

  public ProgressSnapshot {
    steps = List.copyOf(steps);
  }

  /** Where a deployment stands with the engine before and after it starts. */
  public enum Admission {
    /**
     * Not started, and no other deployment runs on the engine: the engine is about to start it (it
     * records the acceptance, resolves the target guards), nothing holds it back.
     */
    STARTING,
    /**
     * Not started while other deployments run on the engine: it waits for the deployment cap or its
     * concurrency tag.
     */
    QUEUED,
    /** Started: its steps run. */
    STARTED
  }

  /** Whether the deployment has started. */
  public boolean started() {
    return admission == Admission.STARTED;
  }

  /**
   * One running step.
   *
   * @param total its targets (1 for a step on the engine)
   * @param done targets through the step: finished its last execution, failed, or cancelled; a
   *     target whose attempt is retried is not done, and is counted once when it is
   * @param targets what the done targets came to, and what runs and waits now
   * @param retried attempts that failed and were tried again
   * @param waitingFor what its waiting executions wait for, or null if none waits
   * @param window for a rolling step, its children and how many targets run each now; else empty
   */
  public record StepRow(
      String name,
      int total,
      int done,
      Counts targets,
      int retried,
      Wait waitingFor,
      List<Child> window) {
    public StepRow {
      window = List.copyOf(window);
    }
  }

  /** A child of a rolling step and the targets running it now. */
  public record Child(String name, int running) {}

  /** How many wait, run, and ended each way. */
  public record Counts(int waiting, int running, int succeeded, int failed, int cancelled) {}

  /**
   * Executions waiting for target guards held by one holder.
   *
   * @param target one of the targets they wait for (the one waiting longest)
   * @param heldBy who holds it, e.g. {@code this deployment step "Drain"}
   * @param count how many executions wait for this holder
   */
  public record Wait(String target, String heldBy, int count) {}
}
