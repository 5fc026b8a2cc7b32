package dev.flotilla.engine.deployment;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * Group commit in front of a deployment: every report of its children comes here, in the order
 * it was sent. One batch at a time goes to the deployment to be recorded; whatever arrives while
 * a batch is being written goes out together in the next one. So a busy deployment writes fewer,
 * larger batches instead of one journal round-trip per event.
 */
final class DeploymentInbox {

  sealed interface Command {}

  /** A report from a block, step or per-target actor. */
  sealed interface Report extends Command {}

  record StepBegan(int step) implements Report {}

  record StepEnded(int step, int targetsNotStarted) implements Report {}

  record BlockEnded(int block) implements Report {}

  record ExecutionWaiting(int step, String target, int attempt, String heldBy, long atMicros) implements Report {}

  /** Asks to record an execution's start; answered with {@link ExecutionActor.StartApproved} once recorded. */
  record StartExecution(int step, String target, int attempt, long atMicros, ActorRef<ExecutionActor.Command> replyTo)
      implements Report {}

  record ExecutionEnded(int step, String target, int attempt, ExecutionStatus status, String message,
      List<String> log, boolean last, long atMicros) implements Report {}

  record ExecutionLog(int step, String target, int attempt, String text) implements Report {}

  /** The deployment recorded the last batch. */
  enum Recorded implements Command {
    INSTANCE
  }

  private DeploymentInbox() {}

  static Behavior<Command> create(ActorRef<DeploymentActor.Command> deployment, int maxBatch) {
    return Behaviors.setup(context -> idle(deployment, context.getSelf(), maxBatch));
  }

  private static Behavior<Command> idle(ActorRef<DeploymentActor.Command> deployment, ActorRef<Command> self,
      int maxBatch) {
    return Behaviors.receive(Command.class)
        .onMessage(Report.class, report -> send(deployment, self, maxBatch, TreePVector.singleton(report)))
        .build();
  }

  private static Behavior<Command> send(ActorRef<DeploymentActor.Command> deployment, ActorRef<Command> self,
      int maxBatch, PVector<Report> batch) {
    int size = Math.min(batch.size(), maxBatch);
    deployment.tell(new DeploymentActor.Record(List.copyOf(batch.subList(0, size)), self));
    return writing(deployment, self, maxBatch, batch.subList(size, batch.size()));
  }

  private static Behavior<Command> writing(ActorRef<DeploymentActor.Command> deployment, ActorRef<Command> self,
      int maxBatch, PVector<Report> waiting) {
    return Behaviors.receive(Command.class)
        .onMessage(Report.class, report -> writing(deployment, self, maxBatch, waiting.plus(report)))
        .onMessageEquals(Recorded.INSTANCE, () -> waiting.isEmpty()
            ? idle(deployment, self, maxBatch)
            : send(deployment, self, maxBatch, waiting))
        .build();
  }
}
