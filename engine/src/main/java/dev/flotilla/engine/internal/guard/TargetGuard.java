package dev.flotilla.engine.internal.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * The guard of one machine, shared by every deployment of the engine: a fair reader/writer lease
 * held for one action execution. Exclusive leases exclude everyone; shared leases exclude only
 * exclusive ones. Requests are served strictly first come, first served: a waiting exclusive
 * request holds back shared requests that arrive after it, so nobody starves.
 *
 * <p>Every requester is watched: a holder or waiter that stops, for whatever reason, gives its
 * place up, so a lease never outlives the execution that took it.
 */
public final class TargetGuard {

  /** Messages a target guard understands. */
  public sealed interface Command {}

  /**
   * Asks for a lease; answered with {@link Granted}, preceded by {@link Queued} if it must wait.
   * One requester holds or waits for at most one lease per guard.
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
    void tell(Reply reply) {
      ref.tell(wrap.apply(reply));
    }
  }

  /** Gives a lease back, or withdraws a request still waiting. */
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

  /** Who holds or wants a lease, in words an operator can act on. */
  public record Holder(String deploymentId, String step) {
    @Override
    public String toString() {
      return "deployment " + deploymentId + " step \"" + step + "\"";
    }
  }

  private record Lease(Mode mode, Holder holder, Requester<?> requester) {
    ActorRef<?> ref() {
      return requester.ref();
    }
  }

  /** Holders and the FIFO queue of waiters; immutable, each transition returns a new state. */
  private record State(PMap<ActorRef<?>, Lease> holders, PVector<Lease> waiting) {
    static final State EMPTY = new State(HashTreePMap.empty(), TreePVector.empty());

    boolean canGrant(Mode mode) {
      if (holders.isEmpty()) {
        return true;
      }
      // Holders are either one exclusive lease or any number of shared ones.
      return mode == Mode.SHARED && holders.values().iterator().next().mode() == Mode.SHARED;
    }

    boolean knows(ActorRef<?> requester) {
      return holders.containsKey(requester) || indexOfWaiter(requester) >= 0;
    }

    int indexOfWaiter(ActorRef<?> requester) {
      for (int i = 0; i < waiting.size(); i++) {
        if (waiting.get(i).ref().equals(requester)) {
          return i;
        }
      }
      return -1;
    }

    State hold(Lease lease) {
      return new State(holders.plus(lease.ref(), lease), waiting);
    }

    State enqueue(Lease lease) {
      return new State(holders, waiting.plus(lease));
    }

    State remove(ActorRef<?> requester) {
      if (holders.containsKey(requester)) {
        return new State(holders.minus(requester), waiting);
      }
      int index = indexOfWaiter(requester);
      return index < 0 ? this : new State(holders, waiting.minus(index));
    }

    List<Holder> holderList() {
      List<Holder> list = new ArrayList<>();
      for (Lease lease : holders.values()) {
        list.add(lease.holder());
      }
      return list;
    }
  }

  private final ActorContext<Command> context;
  private final String target;

  private TargetGuard(ActorContext<Command> context, String target) {
    this.context = context;
    this.target = target;
  }

  public static Behavior<Command> create(String target) {
    return Behaviors.setup(context -> new TargetGuard(context, target).guarding(State.EMPTY));
  }

  private Behavior<Command> guarding(State state) {
    return Behaviors.receive(Command.class)
        .onMessage(Acquire.class, acquire -> onAcquire(state, acquire))
        .onMessage(Release.class, release -> guarding(leave(state, release.requester(), true)))
        .onMessage(
            RequesterStopped.class, stopped -> guarding(leave(state, stopped.requester(), false)))
        .build();
  }

  private Behavior<Command> onAcquire(State state, Acquire acquire) {
    Lease lease = new Lease(acquire.mode(), acquire.holder(), acquire.requester());
    ActorRef<?> requester = lease.ref();
    if (state.knows(requester)) {
      context
          .getLog()
          .warn(
              "Target {}: {} asked twice for a lease; ignoring the second request",
              target,
              acquire.holder());
      return Behaviors.same();
    }
    context.watchWith(requester, new RequesterStopped(requester));
    if (state.waiting().isEmpty() && state.canGrant(lease.mode())) {
      lease.requester().tell(new Granted(target));
      return guarding(state.hold(lease));
    }
    lease.requester().tell(new Queued(target, state.holderList()));
    return guarding(state.enqueue(lease));
  }

  /** Removes a holder or waiter, then grants to the head of the queue while it fits. */
  private State leave(State state, ActorRef<?> requester, boolean stillAlive) {
    if (!state.knows(requester)) {
      return state;
    }
    if (stillAlive) {
      context.unwatch(requester);
    }
    State current = state.remove(requester);
    while (!current.waiting().isEmpty() && current.canGrant(current.waiting().get(0).mode())) {
      Lease next = current.waiting().get(0);
      next.requester().tell(new Granted(target));
      current = new State(current.holders().plus(next.ref(), next), current.waiting().minus(0));
    }
    return current;
  }
}
