package dev.flotilla.engine.internal.deployment;

import dev.flotilla.engine.internal.throttle.Throttle;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Runs one block: its steps go through a throttle capped at the deployment's maxParallelism. Steps
 * of a block never cancel each other: a failing sibling lets the others run to the end.
 */
final class StepBlockActor {

  sealed interface Command {}

  private record StepsFinished(Throttle.Finished<Integer> finished) implements Command {}

  private StepBlockActor() {}

  static Behavior<Command> create(
      DeploymentContext deployment, int block, List<Integer> steps, Map<Integer, StepWork> work) {
    return Behaviors.setup(
        context -> {
          context.spawn(
              Throttle.create(
                  steps,
                  deployment.layout().plan().maxParallelism(),
                  (step, throttle) -> StepActor.create(deployment, step, work.get(step), throttle),
                  context.getSelf(),
                  StepsFinished::new),
              "steps");
          return Behaviors.receive(Command.class)
              .onMessage(
                  StepsFinished.class,
                  done -> {
                    deployment.inbox().tell(new DeploymentInbox.BlockEnded(block));
                    return Behaviors.stopped();
                  })
              .build();
        });
  }
}
