package dev.flotilla.engine.internal.deployment;

import dev.flotilla.engine.deployment.ExecutionKey;
import dev.flotilla.engine.internal.guard.TargetGuard;
import dev.flotilla.engine.model.PlanLayout.StepInfo;

/**
 * Whether a guard lease can still be in use by a deployment, judged from what the deployment
 * recorded: how a cluster-wide guard learns that a lease outlived the execution that took it (its
 * node died, or its release was lost). Never says "over" while the attempt may still run: that
 * would let a second exclusive holder in.
 */
final class LeaseCheck {

  private LeaseCheck() {}

  /**
   * False once the attempt can no longer run: the deployment is unknown or finished, the execution
   * finished for good, the attempt is recorded as ended (a retry or re-run follows as a later
   * attempt, interrupted attempts included), or its step is over. True otherwise, including an
   * attempt not yet recorded (it waits for the guard, or was granted and its start is not recorded
   * yet): the deployment may ask for it again after a restart, under the same identity.
   */
  static boolean inUse(DeploymentState state, TargetGuard.Holder lease) {
    if (state.deploymentId() == null || state.status().isFinal()) {
      return false;
    }
    StepInfo step = state.layout().stepNamed(lease.step());
    if (step == null) {
      return false;
    }
    ExecutionKey key = new ExecutionKey(step.index(), lease.target());
    DeploymentState.InFlight running = state.running().get(key);
    if (running != null) {
      return lease.attempt() >= running.attempt();
    }
    if (state.finished().containsKey(key)) {
      return false;
    }
    Integer last = state.lastAttempt().get(key);
    if (last != null && lease.attempt() <= last) {
      return false;
    }
    return !state.step(step.index()).status().isFinal();
  }
}
