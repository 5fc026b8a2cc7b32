package dev.flotilla.engine.throttle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.pcollections.HashTreePSet;
import org.pcollections.PSet;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * A generic supervisor that runs a fixed list of work items as child actors, at most {@code cap}
 * at once, in list order. It queues descriptions, not actors: a child exists only while its item
 * runs (or, with a standby, shortly before), so a throttle over 100,000 items holds at most
 * {@code cap} children ({@code 2 x cap} with a standby).
 *
 * <p>A child ends its work by sending {@link ChildDone}; the throttle then stops it and starts the
 * next item. A child that stops without saying so (it crashed) frees its slot too. {@code halt}
 * in {@link ChildDone}, or {@link StopStarting}, stops starting queued items; the ones never
 * started are handed back in {@link Finished}, so nothing queued is ever lost.
 *
 * <p>With a standby ({@link #withStandby}), the throttle also spawns the children of the next
 * {@code cap} items ahead of time, idle until it tells them to begin: when a whole round of
 * children ends at once, the next round begins at once, instead of waiting for the throttle to
 * spawn its children one after another. At most {@code cap} children work at any time either way.
 */
public final class Throttle {

  /** Messages a throttle understands. */
  public sealed interface Command {}

  /**
   * A child's last message: its work is over.
   *
   * @param child the child itself
   * @param halt true to start no further queued items (the work failed)
   */
  public record ChildDone(ActorRef<?> child, boolean halt) implements Command {}

  /** Start no further queued items; running ones carry on. */
  public enum StopStarting implements Command {
    INSTANCE
  }

  private record ChildStopped(ActorRef<?> child) implements Command {}

  /**
   * Sent to the owner once no child runs and nothing more will start; the throttle then stops.
   *
   * @param started how many items were started
   * @param notStarted the items never started, in queue order (empty unless halted)
   */
  public record Finished<T>(int started, List<T> notStarted) {}

  /** A child spawned ahead of its turn, and the index of its item. */
  private record Standby(ActorRef<?> child, int item) {}

  /**
   * The throttle's whole state: a cursor into the immutable item list (the next item no child has
   * yet), the working children, and the ones waiting to begin, in item order.
   */
  private record State(int next, PSet<ActorRef<?>> running, PVector<Standby> standby, boolean halted) {
    State start(ActorRef<?> child) {
      return new State(next + 1, running.plus(child), standby, halted);
    }

    State spawnedAhead(ActorRef<?> child) {
      return new State(next + 1, running, standby.plus(new Standby(child, next)), halted);
    }

    State beginFirstStandby() {
      return new State(next, running.plus(standby.get(0).child()), standby.minus(0), halted);
    }

    State free(ActorRef<?> child) {
      return new State(next, running.minus(child), standby, halted);
    }

    /** A standby child that stopped before its turn (it crashed): its item counts as started. */
    State dropStandby(ActorRef<?> child) {
      PVector<Standby> kept = standby;
      for (int i = 0; i < standby.size(); i++) {
        if (standby.get(i).child().equals(child)) {
          kept = standby.minus(i);
          break;
        }
      }
      return new State(next, running, kept, halted);
    }

    boolean isStandby(ActorRef<?> child) {
      return standby.stream().anyMatch(waiting -> waiting.child().equals(child));
    }

    State halt() {
      return new State(next, running, standby, true);
    }
  }

  private final ActorContext<Command> context;
  private final List<?> items;
  private final int cap;
  private final Function<Integer, Behavior<?>> spawnItem;
  /** What tells a standby child to begin; null without a standby (children begin when spawned). */
  private final Object begin;

  private Throttle(ActorContext<Command> context, List<?> items, int cap,
      Function<Integer, Behavior<?>> spawnItem, Object begin) {
    this.context = context;
    this.items = items;
    this.cap = cap;
    this.spawnItem = spawnItem;
    this.begin = begin;
  }

  /**
   * A throttle over {@code items}.
   *
   * @param items the work, run in this order
   * @param cap the most children running at once, at least 1
   * @param childFactory builds the child for one item; the child must send {@link ChildDone} to
   *     the given throttle when its work is over
   * @param owner receives {@link Finished}, wrapped by {@code finished}
   */
  public static <T, M> Behavior<Command> create(
      List<T> items,
      int cap,
      BiFunction<T, ActorRef<Command>, Behavior<?>> childFactory,
      ActorRef<M> owner,
      Function<Finished<T>, M> finished) {
    return create(items, cap, childFactory, null, owner, finished);
  }

  /**
   * A throttle over {@code items} that keeps the children of the next {@code cap} items spawned
   * ahead of their turn. Its children must do nothing until they receive {@code begin}.
   *
   * @param begin the message that tells a child its turn has come
   */
  public static <T, M> Behavior<Command> withStandby(
      List<T> items,
      int cap,
      BiFunction<T, ActorRef<Command>, Behavior<?>> childFactory,
      Object begin,
      ActorRef<M> owner,
      Function<Finished<T>, M> finished) {
    return create(items, cap, childFactory, Objects.requireNonNull(begin, "begin"), owner, finished);
  }

  private static <T, M> Behavior<Command> create(
      List<T> items,
      int cap,
      BiFunction<T, ActorRef<Command>, Behavior<?>> childFactory,
      Object begin,
      ActorRef<M> owner,
      Function<Finished<T>, M> finished) {
    if (cap < 1) {
      throw new IllegalArgumentException("cap must be at least 1, was " + cap);
    }
    List<T> queue = List.copyOf(items);
    return Behaviors.setup(context -> {
      Throttle throttle = new Throttle(context, queue, cap,
          index -> childFactory.apply(queue.get(index), context.getSelf()), begin);
      Reporter<T, M> reporter = new Reporter<>(owner, finished, queue);
      return throttle.fill(new State(0, HashTreePSet.empty(), TreePVector.empty(), false), reporter);
    });
  }

  /** Reports the end of the work to the owner; knows the item type the rest of the class erases. */
  private record Reporter<T, M>(ActorRef<M> owner, Function<Finished<T>, M> finished, List<T> items) {
    void report(State state) {
      List<T> notStarted = new ArrayList<>();
      for (Standby waiting : state.standby()) {
        notStarted.add(items.get(waiting.item()));
      }
      notStarted.addAll(items.subList(state.next(), items.size()));
      owner.tell(finished.apply(new Finished<>(items.size() - notStarted.size(), List.copyOf(notStarted))));
    }
  }

  /**
   * Starts queued items while there is room (standby children first), spawns standby children up
   * to {@code cap}, or ends when nothing runs and nothing will start.
   */
  private Behavior<Command> fill(State state, Reporter<?, ?> reporter) {
    State current = state;
    while (!current.halted() && current.running().size() < cap
        && (!current.standby().isEmpty() || current.next() < items.size())) {
      if (!current.standby().isEmpty()) {
        tellBegin(current.standby().get(0).child());
        current = current.beginFirstStandby();
      } else {
        ActorRef<?> child = spawn(current.next());
        tellBegin(child);
        current = current.start(child);
      }
    }
    while (begin != null && !current.halted() && current.standby().size() < cap && current.next() < items.size()) {
      current = current.spawnedAhead(spawn(current.next()));
    }
    boolean nothingMoreToStart = current.halted() || (current.standby().isEmpty() && current.next() >= items.size());
    if (current.running().isEmpty() && nothingMoreToStart) {
      for (Standby waiting : current.standby()) {
        context.unwatch(waiting.child());
        context.stop(waiting.child());
      }
      reporter.report(current);
      return Behaviors.stopped();
    }
    return running(current, reporter);
  }

  private ActorRef<?> spawn(int index) {
    ActorRef<?> child = context.spawnAnonymous(spawnItem.apply(index));
    context.watchWith(child, new ChildStopped(child));
    return child;
  }

  @SuppressWarnings("unchecked")
  private void tellBegin(ActorRef<?> child) {
    if (begin != null) {
      ((ActorRef<Object>) child).tell(begin);
    }
  }

  private Behavior<Command> running(State state, Reporter<?, ?> reporter) {
    return Behaviors.receive(Command.class)
        .onMessage(ChildDone.class, done -> onChildDone(state, reporter, done))
        .onMessage(ChildStopped.class, stopped -> onChildStopped(state, reporter, stopped))
        .onMessageEquals(StopStarting.INSTANCE, () -> fill(state.halt(), reporter))
        .build();
  }

  private Behavior<Command> onChildDone(State state, Reporter<?, ?> reporter, ChildDone done) {
    if (!state.running().contains(done.child())) {
      return Behaviors.same();
    }
    context.unwatch(done.child());
    context.stop(done.child());
    State freed = state.free(done.child());
    return fill(done.halt() ? freed.halt() : freed, reporter);
  }

  private Behavior<Command> onChildStopped(State state, Reporter<?, ?> reporter, ChildStopped stopped) {
    if (state.running().contains(stopped.child())) {
      return fill(state.free(stopped.child()), reporter);
    }
    if (state.isStandby(stopped.child())) {
      return fill(state.dropStandby(stopped.child()), reporter);
    }
    return Behaviors.same();
  }
}
