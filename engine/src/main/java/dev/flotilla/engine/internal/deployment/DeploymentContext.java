package dev.flotilla.engine.internal.deployment;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionRuntime;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.internal.guard.TargetGuard;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.TargetIsolation;
import dev.flotilla.engine.variables.Masking;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What every actor under one deployment shares, fixed once the deployment starts.
 *
 * @param actions the configured action of each step, by layout index; null for a rolling step
 * @param guards the guard of every target the deployment uses
 * @param logTailLines how many output lines an execution keeps in its finished event
 * @param inbox where children report, in the order they send (group commit in front of the
 *     deployment)
 * @param actionTypes configures a step's action again when its parameters read variables
 * @param masking hides the plan's sensitive values in what executions report
 * @param facts what the deployment has recorded last, for the variables a rolling step's child
 *     reads in its condition before its first start (replaced by the deployment, read by any child;
 *     the facts themselves are immutable)
 */
record DeploymentContext(
    String deploymentId,
    PlanLayout layout,
    List<Action> actions,
    Map<String, ActorRef<TargetGuard.Command>> guards,
    ActionRuntime runtime,
    int logTailLines,
    ActorRef<DeploymentInbox.Command> inbox,
    ActionTypes actionTypes,
    Masking masking,
    java.util.concurrent.atomic.AtomicReference<RunFacts> facts) {

  TargetGuard.Mode guardMode() {
    return layout.plan().targetIsolation() == TargetIsolation.SHARED
        ? TargetGuard.Mode.SHARED
        : TargetGuard.Mode.EXCLUSIVE;
  }
}
