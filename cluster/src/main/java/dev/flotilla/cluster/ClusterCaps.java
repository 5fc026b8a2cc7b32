package dev.flotilla.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The engine's caps for the whole cluster, as one event-sourced entity (a fixed id, remembered by
 * sharding, so it restarts on a surviving node): at most {@code flotilla.max-deployments}
 * deployments run at once across all nodes, and two deployments of one concurrency tag never run at
 * once. Deployments wait in one FIFO queue; when a slot opens, the first whose tag is free is
 * admitted, exactly as on one engine. The queue is in the journal: nothing queued is dropped by a
 * node's death.
 *
 * <p>Every command is idempotent. A deployment enqueues itself once accepted (and again whenever it
 * recovers); admission is told to the deployment, and told again every {@code check-interval} to
 * every running deployment, which answers whether it has finished: a slot whose deployment finished
 * without freeing it (its node died at that moment) is freed then.
 */
public final class ClusterCaps
    extends EventSourcedBehaviorWithEnforcedReplies<
        ClusterCaps.Command, ClusterCaps.Event, ClusterCaps.State> {

  /** The caps' entity type; its one entity is {@link #ENTITY_ID}. */
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "flotilla-caps");

  public static final String ENTITY_ID = "caps";

  /** Messages the caps understand. */
  public sealed interface Command extends ClusterMessage {}

  /** Queues a deployment (or finds it queued or running): answered with {@link Enqueued}. */
  public record Enqueue(String deploymentId, String tag, ActorRef<Enqueued> replyTo)
      implements Command {}

  /**
   * @param admitted whether the deployment may run now
   */
  public record Enqueued(String deploymentId, boolean admitted) implements ClusterMessage {}

  /** The deployment finished or was cancelled: its place is freed. Answered with {@link Left}. */
  public record Leave(String deploymentId, ActorRef<Left> replyTo) implements Command {}

  public record Left(String deploymentId) implements ClusterMessage {}

  /** A running deployment's answer to being told it is admitted. */
  public record AdmitAnswer(String deploymentId, boolean finished) implements Command {}

  /** Tells every running deployment again that it is admitted (the entity's own timer). */
  enum Remind implements Command {
    INSTANCE
  }

  /** What the caps record. */
  public sealed interface Event extends ClusterMessage {}

  public record DeploymentQueued(String deploymentId, String tag) implements Event {}

  public record DeploymentAdmitted(String deploymentId) implements Event {}

  public record DeploymentLeft(String deploymentId) implements Event {}

  /** One deployment in the queue or running. */
  public record Entry(String deploymentId, String tag) {}

  /**
   * The queue and the running deployments; immutable.
   *
   * @param queued in submission order
   * @param running admitted, in admission order
   */
  public record State(List<Entry> queued, List<Entry> running) implements ClusterMessage {
    static final State EMPTY = new State(List.of(), List.of());

    public State {
      queued = List.copyOf(queued);
      running = List.copyOf(running);
    }

    boolean isRunning(String deploymentId) {
      return indexOf(running, deploymentId) >= 0;
    }

    boolean knows(String deploymentId) {
      return isRunning(deploymentId) || indexOf(queued, deploymentId) >= 0;
    }

    /** Who is admitted next, in order, with {@code max} running at most. */
    List<String> admissible(int max) {
      List<String> admitted = new ArrayList<>();
      List<String> busyTags = new ArrayList<>();
      running.forEach(entry -> busyTags.add(entry.tag()));
      int slots = max - running.size();
      for (Entry entry : queued) {
        if (slots <= 0) {
          break;
        }
        if (!busyTags.contains(entry.tag())) {
          admitted.add(entry.deploymentId());
          busyTags.add(entry.tag());
          slots--;
        }
      }
      return admitted;
    }

    State apply(Event event) {
      if (event instanceof DeploymentQueued queuedEvent) {
        List<Entry> more = new ArrayList<>(queued);
        more.add(new Entry(queuedEvent.deploymentId(), queuedEvent.tag()));
        return new State(more, running);
      }
      if (event instanceof DeploymentAdmitted admitted) {
        int index = indexOf(queued, admitted.deploymentId());
        List<Entry> stillQueued = new ArrayList<>(queued);
        List<Entry> more = new ArrayList<>(running);
        more.add(stillQueued.remove(index));
        return new State(stillQueued, more);
      }
      DeploymentLeft left = (DeploymentLeft) event;
      return new State(without(queued, left.deploymentId()), without(running, left.deploymentId()));
    }

    private static int indexOf(List<Entry> entries, String deploymentId) {
      for (int i = 0; i < entries.size(); i++) {
        if (entries.get(i).deploymentId().equals(deploymentId)) {
          return i;
        }
      }
      return -1;
    }

    private static List<Entry> without(List<Entry> entries, String deploymentId) {
      int index = indexOf(entries, deploymentId);
      if (index < 0) {
        return entries;
      }
      List<Entry> fewer = new ArrayList<>(entries);
      fewer.remove(index);
      return fewer;
    }
  }

  /** How the caps tell a deployment it is admitted (through sharding, in a cluster). */
  @FunctionalInterface
  public interface Deployments {
    void admit(String deploymentId, ActorRef<AdmitAnswer> replyTo);
  }

  private final ActorContext<Command> context;
  private final int maxDeployments;
  private final Deployments deployments;

  private ClusterCaps(ActorContext<Command> context, int maxDeployments, Deployments deployments) {
    super(PersistenceId.ofUniqueId("flotilla-caps"));
    this.context = context;
    this.maxDeployments = maxDeployments;
    this.deployments = deployments;
  }

  /**
   * @param checkInterval how often running deployments are told again they are admitted
   */
  public static Behavior<Command> create(
      int maxDeployments, Deployments deployments, Duration checkInterval) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Remind.INSTANCE, checkInterval);
                  return new ClusterCaps(context, maxDeployments, deployments);
                }));
  }

  /** For tests: reminders are left to the test, which sends {@link Remind} itself. */
  static Behavior<Command> createUntimed(int maxDeployments, Deployments deployments) {
    return Behaviors.setup(context -> new ClusterCaps(context, maxDeployments, deployments));
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(200, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Enqueue.class, this::onEnqueue)
        .onCommand(Leave.class, this::onLeave)
        .onCommand(AdmitAnswer.class, this::onAdmitAnswer)
        .onCommand(Remind.class, this::onRemind)
        .build();
  }

  private ReplyEffect<Event, State> onEnqueue(State state, Enqueue enqueue) {
    String id = enqueue.deploymentId();
    if (state.knows(id)) {
      return Effect().reply(enqueue.replyTo(), new Enqueued(id, state.isRunning(id)));
    }
    State queued = state.apply(new DeploymentQueued(id, enqueue.tag()));
    List<Event> events = new ArrayList<>();
    events.add(new DeploymentQueued(id, enqueue.tag()));
    return admitting(queued, events)
        .thenReply(enqueue.replyTo(), after -> new Enqueued(id, after.isRunning(id)));
  }

  private ReplyEffect<Event, State> onLeave(State state, Leave leave) {
    String id = leave.deploymentId();
    if (!state.knows(id)) {
      return Effect().reply(leave.replyTo(), new Left(id));
    }
    List<Event> events = new ArrayList<>();
    events.add(new DeploymentLeft(id));
    return admitting(state.apply(events.get(0)), events)
        .thenReply(leave.replyTo(), after -> new Left(id));
  }

  private ReplyEffect<Event, State> onAdmitAnswer(State state, AdmitAnswer answer) {
    if (!answer.finished() || !state.knows(answer.deploymentId())) {
      return Effect().noReply();
    }
    context
        .getLog()
        .info("Deployment {} had finished without leaving the caps: its slot is freed", answer);
    List<Event> events = new ArrayList<>();
    events.add(new DeploymentLeft(answer.deploymentId()));
    return admitting(state.apply(events.get(0)), events).thenNoReply();
  }

  private ReplyEffect<Event, State> onRemind(State state, Remind remind) {
    ActorRef<AdmitAnswer> self = context.getSelf().narrow();
    state.running().forEach(entry -> deployments.admit(entry.deploymentId(), self));
    return Effect().noReply();
  }

  /**
   * Persists {@code events} and the admissions they make possible, in one write; then tells the
   * deployments admitted.
   *
   * @param after the state once {@code events} are applied
   */
  private EffectBuilder<Event, State> admitting(State after, List<Event> events) {
    List<String> admitted = after.admissible(maxDeployments);
    admitted.forEach(id -> events.add(new DeploymentAdmitted(id)));
    ActorRef<AdmitAnswer> self = context.getSelf().narrow();
    return Effect()
        .persist(events)
        .thenRun(state -> admitted.forEach(id -> deployments.admit(id, self)));
  }
}
