package dev.flotilla.engine.internal.deployment;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionRuntime;
import dev.flotilla.engine.internal.guard.TargetGuard;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.TargetIsolation;
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
 */
record DeploymentContext(
    String deploymentId,
    PlanLayout layout,
    List<Action> actions,
    Map<String, ActorRef<TargetGuard.Command>> guards,
    ActionRuntime runtime,
    int logTailLines,
    ActorRef<DeploymentInbox.Command> inbox) {

  TargetGuard.Mode guardMode() {
    return layout.plan().targetIsolation() == TargetIsolation.SHARED
        ? TargetGuard.Mode.SHARED
        : TargetGuard.Mode.EXCLUSIVE;
  }
}
