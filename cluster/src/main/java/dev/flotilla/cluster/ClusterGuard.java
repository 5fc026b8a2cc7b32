package dev.flotilla.cluster;

import dev.flotilla.engine.internal.deployment.DeploymentActor.LeaseInUse;
import dev.flotilla.engine.internal.guard.LeaseBook;
import dev.flotilla.engine.internal.guard.TargetGuard.Holder;
import dev.flotilla.engine.internal.guard.TargetGuard.Mode;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The guard of one target across the whole cluster: a sharded, event-sourced entity per target name
 * holding the same fair reader/writer lease as one engine's guard ({@link LeaseBook}). Its journal
 * records every request and release, so the lease outlives the node it runs on.
 *
 * <p>Leases are identified by their {@link Holder} (deployment, step, target, attempt). Acquire and
 * release are idempotent, and answered to whoever asked last: the {@link GuardClient} of each node
 * asks again until it hears an answer, so a lost message delays, never loses, a lease.
 *
 * <p>How a lease whose execution is gone is given back:
 *
 * <ul>
 *   <li>normally, the execution releases it (its node's client retries until acknowledged);
 *   <li>a deployment that comes back on another node re-runs its interrupted attempts as later
 *       attempts, and asking for attempt N gives up attempts before N ({@link LeaseBook});
 *   <li>an attempt it had asked for but not started it asks for again under the same identity,
 *       keeping its place;
 *   <li>every {@code check-interval}, each lease nobody asked about since the last check is checked
 *       against its deployment ({@link DeploymentEntity.CheckLease}, answered from the deployment's
 *       journal): released once the deployment says it can no longer be in use (finished, the
 *       attempt ended or was interrupted, its step is over). No answer keeps the lease: a node that
 *       cannot be reached may still run the action, so the cost of doubt is a pause, never a second
 *       exclusive holder.
 * </ul>
 */
public final class ClusterGuard
    extends EventSourcedBehaviorWithEnforcedReplies<
        ClusterGuard.Command, ClusterGuard.Event, LeaseBook> {

  /** The guards' entity type: one entity per target name. */
  public static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "flotilla-guard");

  /** Messages a cluster guard understands. */
  public sealed interface Command extends ClusterMessage {}

  /** Asks for a lease: answered with {@link Granted} or {@link Queued}, and later Granted. */
  public record Acquire(Holder holder, Mode mode, ActorRef<Reply> replyTo) implements Command {}

  /** Gives a lease back or withdraws a request: answered with {@link Released}. */
  public record Release(Holder holder, ActorRef<Reply> replyTo) implements Command {}

  /** Checks leases nobody asked about since the last check (the entity's own timer). */
  enum CheckLeases implements Command {
    INSTANCE
  }

  /** A deployment's answer about one of its leases. */
  record Checked(LeaseInUse answer) implements Command {}

  /** Replies of a cluster guard. */
  public sealed interface Reply extends ClusterMessage {
    Holder holder();
  }

  public record Granted(Holder holder) implements Reply {}

  public record Queued(Holder holder, List<Holder> heldBy) implements Reply {}

  public record Released(Holder holder) implements Reply {}

  /** What a guard records. */
  public sealed interface Event extends ClusterMessage {}

  public record LeaseRequested(Holder holder, Mode mode) implements Event {}

  public record LeaseReleased(Holder holder) implements Event {}

  /** How a guard asks a deployment whether a lease can still be in use. */
  @FunctionalInterface
  public interface Deployments {
    void checkLease(Holder lease, ActorRef<LeaseInUse> replyTo);
  }

  private final ActorContext<Command> context;
  private final String target;
  private final Deployments deployments;
  private final Duration checkInterval;
  private final ActorRef<LeaseInUse> checkAnswers;

  /** Whom to tell about each lease: whoever asked last. In memory: clients ask again. */
  private final Map<Holder, ActorRef<Reply>> askers = new HashMap<>();

  /** Leases asked about since the last check: alive, no need to ask their deployment. */
  private final Set<Holder> heardOf = new HashSet<>();

  private ClusterGuard(
      ActorContext<Command> context,
      String target,
      Deployments deployments,
      Duration checkInterval) {
    super(persistenceId(target));
    this.context = context;
    this.target = target;
    this.deployments = deployments;
    this.checkInterval = checkInterval;
    this.checkAnswers = context.messageAdapter(LeaseInUse.class, Checked::new);
  }

  /** The journal's name for the guard of {@code target}. */
  public static PersistenceId persistenceId(String target) {
    return PersistenceId.of("guard", target);
  }

  /**
   * The guard of {@code target}.
   *
   * @param checkInterval how often leases nobody asked about are checked against their deployment
   */
  public static Behavior<Command> create(
      String target, Deployments deployments, Duration checkInterval) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(CheckLeases.INSTANCE, checkInterval);
                  return new ClusterGuard(context, target, deployments, checkInterval);
                }));
  }

  /** For tests: the check timer is left to the test, which sends {@link CheckLeases} itself. */
  static Behavior<Command> createUntimed(String target, Deployments deployments) {
    return Behaviors.setup(
        context -> new ClusterGuard(context, target, deployments, Duration.ofDays(1)));
  }

  @Override
  public LeaseBook emptyState() {
    return LeaseBook.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // A guard's past leases are nobody's history: keep recovery short, drop what a snapshot covers.
    return RetentionCriteria.snapshotEvery(100, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public SignalHandler<LeaseBook> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            book -> {
              if (!book.isEmpty()) {
                context
                    .getLog()
                    .info(
                        "Guard of {} recovered: held by {}, {} waiting; leases not asked for again"
                            + " within {} are checked with their deployments",
                        target,
                        book.heldBy(),
                        book.waiting().size(),
                        checkInterval);
              }
            })
        .build();
  }

  @Override
  public EventHandler<LeaseBook, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forAnyState()
        .onEvent(
            LeaseRequested.class,
            (book, requested) -> book.request(requested.holder(), requested.mode()).book())
        .onEvent(LeaseReleased.class, (book, released) -> book.release(released.holder()).book());
    return builder.build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, LeaseBook> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Acquire.class, this::onAcquire)
        .onCommand(Release.class, this::onRelease)
        .onCommand(CheckLeases.class, this::onCheckLeases)
        .onCommand(Checked.class, this::onChecked)
        .build();
  }

  private ReplyEffect<Event, LeaseBook> onAcquire(LeaseBook book, Acquire acquire) {
    Holder holder = acquire.holder();
    askers.put(holder, acquire.replyTo());
    heardOf.add(holder);
    if (book.standingOf(holder) != LeaseBook.Standing.ABSENT) {
      return Effect().reply(acquire.replyTo(), standing(book, holder));
    }
    LeaseBook.Change change = book.request(holder, acquire.mode());
    return Effect()
        .persist(new LeaseRequested(holder, acquire.mode()))
        .thenRun(after -> tellGranted(change, holder))
        .thenReply(acquire.replyTo(), after -> standing(after, holder));
  }

  private ReplyEffect<Event, LeaseBook> onRelease(LeaseBook book, Release release) {
    Holder holder = release.holder();
    askers.remove(holder);
    heardOf.remove(holder);
    if (book.standingOf(holder) == LeaseBook.Standing.ABSENT) {
      return Effect().reply(release.replyTo(), new Released(holder));
    }
    return releasing(book, holder).thenReply(release.replyTo(), after -> new Released(holder));
  }

  private EffectBuilder<Event, LeaseBook> releasing(LeaseBook book, Holder holder) {
    LeaseBook.Change change = book.release(holder);
    return Effect().persist(new LeaseReleased(holder)).thenRun(after -> tellGranted(change, null));
  }

  private ReplyEffect<Event, LeaseBook> onCheckLeases(LeaseBook book, CheckLeases check) {
    for (Holder holder : book.everyone()) {
      if (!heardOf.contains(holder)) {
        deployments.checkLease(holder, checkAnswers);
      }
    }
    heardOf.clear();
    return Effect().noReply();
  }

  private ReplyEffect<Event, LeaseBook> onChecked(LeaseBook book, Checked checked) {
    Holder holder = checked.answer().lease();
    if (checked.answer().inUse() || book.standingOf(holder) == LeaseBook.Standing.ABSENT) {
      return Effect().noReply();
    }
    context
        .getLog()
        .warn(
            "Guard of {}: {} attempt {} can no longer be in use (its deployment says so);"
                + " its lease is released",
            target,
            holder,
            holder.attempt());
    askers.remove(holder);
    return releasing(book, holder).thenNoReply();
  }

  private Reply standing(LeaseBook book, Holder holder) {
    return book.standingOf(holder) == LeaseBook.Standing.HOLDING
        ? new Granted(holder)
        : new Queued(holder, book.heldBy());
  }

  /** Tells every lease a change granted, except {@code asking}, answered by its reply. */
  private void tellGranted(LeaseBook.Change change, Holder asking) {
    for (LeaseBook.Lease granted : change.granted()) {
      ActorRef<Reply> asker = askers.get(granted.holder());
      if (asker != null && !granted.holder().equals(asking)) {
        asker.tell(new Granted(granted.holder()));
      }
    }
  }
}
