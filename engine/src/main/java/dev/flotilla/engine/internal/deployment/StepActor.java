package dev.flotilla.engine.internal.deployment;

import dev.flotilla.engine.internal.throttle.Throttle;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Runs one step: queues its {@link TargetWork} in its own throttle, capped at the step's target cap
 * (a rolling step's window), and reports to the deployment when the last execution is over. A
 * failed execution halts the throttle: the step starts no new targets.
 */
final class StepActor {

  sealed interface Command {}

  private record TargetsFinished(Throttle.Finished<TargetWork> finished) implements Command {}

  private StepActor() {}

  static Behavior<Command> create(
      DeploymentContext deployment,
      int stepIndex,
      StepWork work,
      ActorRef<Throttle.Command> block) {
    return Behaviors.setup(
        context -> {
          StepInfo step = deployment.layout().step(stepIndex);
          deployment.inbox().tell(new DeploymentInbox.StepBegan(stepIndex, work.targets().size()));
          context.spawn(
              Throttle.withStandby(
                  work.targets(),
                  step.targetCap(),
                  (item, throttle) -> ExecutionActor.create(deployment, item, throttle),
                  ExecutionActor.Begin.INSTANCE,
                  context.getSelf(),
                  TargetsFinished::new),
              "targets");
          return Behaviors.receive(Command.class)
              .onMessage(
                  TargetsFinished.class,
                  done -> {
                    int notStarted = work.alreadyNotStarted() + done.finished().notStarted().size();
                    deployment.inbox().tell(new DeploymentInbox.StepEnded(stepIndex, notStarted));
                    block.tell(new Throttle.ChildDone(context.getSelf(), false));
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
