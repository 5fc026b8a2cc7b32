package dev.flotilla.engine.deployment;

/** How one attempt of one (step, target) execution ended, or that it is still running. */
public enum ExecutionStatus {
  /**
   * Waiting for its target's guard, held by someone else, and not started yet: only in a timeline
   * of a deployment still running, never in an event.
   */
  WAITING,
  /** Started and not finished yet: only in a timeline of a deployment still running. */
  RUNNING,
  SUCCEEDED,
  FAILED,
  TIMED_OUT,
  CANCELLED,
  /** Was running when the engine stopped; its end is unknown. */
  INTERRUPTED,
  /**
   * Waits for a person to answer an intervention: a failed attempt under guided failure, or a
   * manual step. Only in a timeline of a deployment still running, never in an event.
   */
  AWAITING_INTERVENTION,
  /** Failed, and a person chose to ignore it: counts as succeeded for run conditions. */
  IGNORED,
  /** Failed, and a person excluded its target from the rest of the deployment. */
  EXCLUDED;

  /**
   * Failed and timed-out executions make the step, and the deployment, fail; so does an interrupted
   * one that is not run again.
   */
  public boolean isFailure() {
    return this == FAILED || this == TIMED_OUT || this == INTERRUPTED;
  }
}
