package dev.flotilla.engine.internal.guard;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The guard of one machine, shared by every deployment of the engine: a fair reader/writer lease
 * held for one action execution. Exclusive leases exclude everyone; shared leases exclude only
 * exclusive ones. Requests are served strictly first come, first served: a waiting exclusive
 * request holds back shared requests that arrive after it, so nobody starves ({@link LeaseBook}
 * holds the rules).
 *
 * <p>A lease is identified by its {@link Holder} (deployment, step, target, attempt), never by the
 * actor that asked: asking again is answered with where the lease stands, and the replies go to
 * whoever asked last. Every requester is watched all the same: a holder or waiter that stops, for
 * whatever reason, gives its place up, so on one engine a lease never outlives the execution that
 * took it.
 */
public final class TargetGuard {

  /** Messages a target guard understands. */
  public sealed interface Command {}

  /**
   * Asks for a lease; answered with {@link Granted}, preceded by {@link Queued} if it must wait.
   * Asking again for a lease held or queued moves nothing: it is answered with {@link Granted} or
   * {@link Queued} again, to this requester from now on.
   */
  public record Acquire(Mode mode, Holder holder, Requester<?> requester) implements Command {
    /** A request answered with the guard's own replies. */
    public Acquire(Mode mode, Holder holder, ActorRef<Reply> replyTo) {
      this(mode, holder, new Requester<>(replyTo, reply -> reply));
    }
  }

  /**
   * Who asks for a lease, and how a reply reaches it in its own protocol: an actor passes itself
   * and a wrapping function instead of a message adapter, which an actor that lives for one
   * execution would otherwise create (and register with its parent) for every execution.
   */
  public record Requester<T>(ActorRef<T> ref, Function<Reply, T> wrap) {
    public void tell(Reply reply) {
      ref.tell(wrap.apply(reply));
    }
  }

  /** Gives a lease back, or withdraws a request still waiting; a lease not there is ignored. */
  public record ReleaseLease(Holder holder) implements Command {}

  /** Gives back every lease {@code requester} holds or waits for. */
  public record Release(ActorRef<?> requester) implements Command {}

  private record RequesterStopped(ActorRef<?> requester) implements Command {}

  /** Replies to a requester. */
  public sealed interface Reply {}

  /** The lease is yours until you release it or stop. */
  public record Granted(String target) implements Reply {}

  /** You wait behind these holders. */
  public record Queued(String target, List<Holder> heldBy) implements Reply {}

  /** How a lease is held. */
  public enum Mode {
    EXCLUSIVE,
    SHARED
  }

  /**
   * Who holds or wants a lease: one attempt of one execution of a deployment. Its identity in every
   * guard, local or cluster-wide; shown to operators as {@code deployment D step "S"}.
   *
   * @param step the step's name (unique in its plan)
   * @param target the machine; null where a caller names no target (tests, benchmarks)
   */
  public record Holder(String deploymentId, String step, String target, int attempt) {

    /** A holder known by deployment and step alone (its first attempt on an unnamed target). */
    public Holder(String deploymentId, String step) {
      this(deploymentId, step, null, 1);
    }

    /** Whether {@code other} is an attempt of the same execution (deployment, step, target). */
    public boolean sameExecution(Holder other) {
      return deploymentId.equals(other.deploymentId)
          && step.equals(other.step)
          && Objects.equals(target, other.target);
    }

    @Override
    public String toString() {
      return "deployment " + deploymentId + " step \"" + step + "\"";
    }
  }

  private final ActorContext<Command> context;
  private final String target;

  /** Whom to tell about each lease: whoever asked for it last. */
  private final Map<Holder, Requester<?>> requesters = new HashMap<>();

  /** The leases each watched requester asked for. */
  private final Map<ActorRef<?>, Set<Holder>> byRequester = new HashMap<>();

  private LeaseBook book = LeaseBook.EMPTY;

  private TargetGuard(ActorContext<Command> context, String target) {
    this.context = context;
    this.target = target;
  }

  public static Behavior<Command> create(String target) {
    return Behaviors.setup(context -> new TargetGuard(context, target).guarding());
  }

  private Behavior<Command> guarding() {
    return Behaviors.receive(Command.class)
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(
            ReleaseLease.class,
            release -> {
              leave(release.holder(), true);
              return Behaviors.same();
            })
        .onMessage(
            Release.class,
            release -> {
              leaveAll(release.requester(), true);
              return Behaviors.same();
            })
        .onMessage(
            RequesterStopped.class,
            stopped -> {
              leaveAll(stopped.requester(), false);
              return Behaviors.same();
            })
        .build();
  }

  private Behavior<Command> onAcquire(Acquire acquire) {
    Holder holder = acquire.holder();
    Requester<?> requester = acquire.requester();
    Requester<?> previous = requesters.put(holder, requester);
    if (previous != null && !previous.ref().equals(requester.ref())) {
      forget(previous.ref(), holder, true);
    }
    byRequester.computeIfAbsent(requester.ref(), this::watch).add(holder);
    if (previous == null) {
      apply(book.request(holder, acquire.mode()), holder);
    }
    switch (book.standingOf(holder)) {
      case HOLDING -> requester.tell(new Granted(target));
      case WAITING -> requester.tell(new Queued(target, book.heldBy()));
      case ABSENT -> {}
    }
    return Behaviors.same();
  }

  private Set<Holder> watch(ActorRef<?> requester) {
    context.watchWith(requester, new RequesterStopped(requester));
    return new HashSet<>();
  }

  /** Applies a change; tells those it granted, except {@code asking}, which is answered anyway. */
  private void apply(LeaseBook.Change change, Holder asking) {
    book = change.book();
    for (LeaseBook.Lease granted : change.granted()) {
      if (granted.holder().equals(asking)) {
        continue;
      }
      Requester<?> requester = requesters.get(granted.holder());
      if (requester != null) {
        requester.tell(new Granted(target));
      }
    }
    // Earlier attempts the request gave up are gone from the book: forget their requesters.
    for (Holder gone : List.copyOf(requesters.keySet())) {
      if (book.standingOf(gone) == LeaseBook.Standing.ABSENT && !gone.equals(asking)) {
        Requester<?> requester = requesters.remove(gone);
        forget(requester.ref(), gone, true);
      }
    }
  }

  private void leave(Holder holder, boolean stillAlive) {
    Requester<?> requester = requesters.remove(holder);
    if (requester != null) {
      forget(requester.ref(), holder, stillAlive);
    }
    apply(book.release(holder), null);
  }

  private void leaveAll(ActorRef<?> requester, boolean stillAlive) {
    Set<Holder> held = byRequester.get(requester);
    if (held == null) {
      return;
    }
    for (Holder holder : List.copyOf(held)) {
      leave(holder, stillAlive);
    }
  }

  /** {@code requester} no longer asks for {@code holder}; unwatched once it asks for nothing. */
  private void forget(ActorRef<?> requester, Holder holder, boolean stillAlive) {
    Set<Holder> held = byRequester.get(requester);
    if (held == null) {
      return;
    }
    held.remove(holder);
    if (held.isEmpty()) {
      byRequester.remove(requester);
      if (stillAlive) {
        context.unwatch(requester);
      }
    }
  }
}
