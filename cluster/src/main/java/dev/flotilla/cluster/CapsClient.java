package dev.flotilla.cluster;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Frees the cap slots of the deployments that finished on this node: tells {@link ClusterCaps}
 * every {@code retry-interval} until it acknowledges. A node-wide actor, so the retries outlive the
 * finished deployment's entity, which passivates at once.
 */
final class CapsClient {

  sealed interface Command {}

  /** The deployment finished: free its slot. */
  record Leave(String deploymentId) implements Command {}

  private record Acknowledged(ClusterCaps.Left left) implements Command {}

  private enum Retry implements Command {
    INSTANCE
  }

  private CapsClient() {}

  static Behavior<Command> create(ClusterSharding sharding, Duration retryInterval) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Retry.INSTANCE, retryInterval);
                  // Looked up when used: the caps' entity type is set up after this actor.
                  java.util.function.Supplier<EntityRef<ClusterCaps.Command>> caps =
                      () -> sharding.entityRefFor(ClusterCaps.TYPE_KEY, ClusterCaps.ENTITY_ID);
                  ActorRef<ClusterCaps.Left> acks =
                      context.messageAdapter(ClusterCaps.Left.class, Acknowledged::new);
                  Set<String> leaving = new HashSet<>();
                  return Behaviors.receive(Command.class)
                      .onMessage(
                          Leave.class,
                          leave -> {
                            leaving.add(leave.deploymentId());
                            caps.get().tell(new ClusterCaps.Leave(leave.deploymentId(), acks));
                            return Behaviors.same();
                          })
                      .onMessage(
                          Acknowledged.class,
                          ack -> {
                            leaving.remove(ack.left().deploymentId());
                            return Behaviors.same();
                          })
                      .onMessage(
                          Retry.class,
                          retry -> {
                            leaving.forEach(id -> caps.get().tell(new ClusterCaps.Leave(id, acks)));
                            return Behaviors.same();
                          })
                      .build();
                }));
  }
}
