package dev.flotilla.engine.deployment;

import dev.flotilla.engine.model.PlanLayout.StepInfo;
import dev.flotilla.engine.throttle.Throttle;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Runs one step: queues one {@link TargetWork} per target in its own throttle, capped at the
 * step's target cap (a rolling step's window), and reports to the deployment when the last
 * execution is over. A failed execution halts the throttle: the step starts no new targets.
 */
final class StepActor {

  sealed interface Command {}

  private record TargetsFinished(Throttle.Finished<TargetWork> finished) implements Command {}

  private StepActor() {}

  static Behavior<Command> create(DeploymentContext deployment, int stepIndex, ActorRef<Throttle.Command> block) {
    return Behaviors.setup(context -> {
      StepInfo step = deployment.layout().step(stepIndex);
      deployment.deployment().tell(new DeploymentActor.StepBegan(stepIndex));
      List<Integer> sequence = step.step().isRolling()
          ? deployment.layout().childrenOf(stepIndex).stream().map(StepInfo::index).toList()
          : List.of(stepIndex);
      List<TargetWork> work = new ArrayList<>();
      if (step.step().runOnServer()) {
        work.add(new TargetWork(null, sequence));
      } else {
        for (String target : step.targets()) {
          work.add(new TargetWork(target, sequence));
        }
      }
      context.spawn(Throttle.create(work, step.targetCap(),
          (item, throttle) -> ExecutionActor.create(deployment, item, throttle),
          context.getSelf(), TargetsFinished::new), "targets");
      return Behaviors.receive(Command.class)
          .onMessage(TargetsFinished.class, done -> {
            deployment.deployment().tell(new DeploymentActor.StepEnded(stepIndex, done.finished().notStarted().size()));
            block.tell(new Throttle.ChildDone(context.getSelf(), false));
            return Behaviors.same();
          })
          .build();
    });
  }
}
