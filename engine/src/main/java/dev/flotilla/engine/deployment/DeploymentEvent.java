package dev.flotilla.engine.deployment;

import dev.flotilla.engine.model.DeploymentPlan;
import java.util.List;

/**
 * Every state change of a deployment, in the order it happened. {@link DeploymentState} is these
 * events folded; a timeline is built from them alone, so a journal of them replays a deployment
 * without running anything. Times are microseconds since the epoch, from the wall clock.
 *
 * <p>Steps are identified by their index in the flattened layout ({@code PlanLayout}); a target
 * is null for a step that runs on the engine.
 */
public sealed interface DeploymentEvent extends Journaled {

  long atMicros();

  /** The engine took the deployment; it carries the whole plan, so a replay needs nothing else. */
  record DeploymentAccepted(String deploymentId, DeploymentPlan plan, long atMicros) implements DeploymentEvent {}

  /** The engine admitted the deployment past its deployment cap and concurrency tag. */
  record DeploymentStarted(long atMicros) implements DeploymentEvent {}

  /** A block's steps whose conditions allowed them were handed to the block's throttle. */
  record BlockStarted(int block, long atMicros) implements DeploymentEvent {}

  /** A step got a slot in its block's throttle; its targets are queued in its own throttle. */
  record StepStarted(int step, long atMicros) implements DeploymentEvent {}

  /** A step will not run: its condition did not allow it, or the deployment was cancelled. */
  record StepSkipped(int step, String reason, long atMicros) implements DeploymentEvent {}

  /** An execution waits for its target's guard, held by someone else. */
  record ExecutionWaiting(int step, String target, int attempt, String heldBy, long atMicros)
      implements DeploymentEvent {}

  /** An execution holds its guard and is about to run its action: recorded before the action runs. */
  record ExecutionStarted(int step, String target, int attempt, long atMicros) implements DeploymentEvent {}

  /**
   * An attempt ended.
   *
   * @param message why it failed, if it did
   * @param log the last lines of its output
   * @param last whether this is the execution's final attempt (no retry follows)
   */
  record ExecutionFinished(
      int step, String target, int attempt, ExecutionStatus status, String message, List<String> log,
      boolean last, long atMicros) implements DeploymentEvent {
    public ExecutionFinished {
      log = log == null ? List.of() : List.copyOf(log);
    }
  }

  /**
   * An execution was running when the engine stopped (a crash): its outcome is unknown.
   *
   * @param rerun true if it runs again as the next attempt; false if it counts as failed
   */
  record ExecutionInterrupted(int step, String target, int attempt, boolean rerun, long atMicros)
      implements DeploymentEvent {}

  /**
   * A step is over.
   *
   * @param targetsNotStarted targets never started because the step failed or was cancelled
   */
  record StepFinished(int step, StepStatus status, int targetsNotStarted, long atMicros) implements DeploymentEvent {}

  /** Someone asked to cancel the deployment. */
  record CancelRequested(String reason, long atMicros) implements DeploymentEvent {}

  /** The deployment is over. */
  record DeploymentFinished(DeploymentStatus status, long atMicros) implements DeploymentEvent {}
}
