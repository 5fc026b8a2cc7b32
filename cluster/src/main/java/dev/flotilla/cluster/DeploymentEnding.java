package dev.flotilla.cluster;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.internal.deployment.DeploymentActor;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.Recovery;

/**
 * Writes the end of a deployment whose own actor could not carry on (its entity ran out of
 * restarts): one batch of events, after everything its journal holds, so every node's handle and
 * the read side see it end. Runs only once the deployment's actor has stopped (one writer at a
 * time); answers {@link Written} once the batch is in the journal and stops. If the journal refuses
 * this write too, it stops without answering.
 */
final class DeploymentEnding
    extends EventSourcedBehavior<DeploymentEnding.Write, DeploymentEvent, Long> {

  /** Writes the ending (sent once, right after the start: stashed until recovered). */
  enum Write {
    INSTANCE
  }

  /** The ending is journaled. */
  enum Written {
    INSTANCE
  }

  private final List<DeploymentEvent> ending;
  private final DeploymentActor.Store store;
  private final ActorRef<Written> replyTo;

  private DeploymentEnding(
      String deploymentId,
      List<DeploymentEvent> ending,
      DeploymentActor.Store store,
      ActorRef<Written> replyTo) {
    super(DeploymentActor.persistenceId(deploymentId));
    this.ending = List.copyOf(ending);
    this.store = store;
    this.replyTo = replyTo;
  }

  static Behavior<Write> create(
      String deploymentId,
      List<DeploymentEvent> ending,
      DeploymentActor.Store store,
      ActorRef<Written> replyTo) {
    return new DeploymentEnding(deploymentId, ending, store, replyTo);
  }

  /** The state: how many events the deployment has recorded. */
  @Override
  public Long emptyState() {
    return 0L;
  }

  @Override
  public String journalPluginId() {
    return store.journalPluginId();
  }

  @Override
  public String snapshotPluginId() {
    return store.snapshotPluginId();
  }

  /** Every event, no snapshot: the state counts events, which a deployment's snapshot does not. */
  @Override
  public Recovery recovery() {
    return Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none());
  }

  @Override
  public CommandHandler<Write, DeploymentEvent, Long> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Write.class,
            (recorded, write) ->
                Effect()
                    .persist(new DeploymentEvent.Batch(ending, recorded + ending.size()))
                    .thenRun(after -> replyTo.tell(Written.INSTANCE))
                    .thenStop())
        .build();
  }

  @Override
  public EventHandler<Long, DeploymentEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent((recorded, event) -> recorded + DeploymentEvent.Batch.unpack(event).size());
  }
}
