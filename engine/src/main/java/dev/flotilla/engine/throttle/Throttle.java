package dev.flotilla.engine.throttle;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.pcollections.HashTreePSet;
import org.pcollections.PSet;

/**
 * A generic supervisor that runs a fixed list of work items as child actors, at most {@code cap}
 * at once, in list order. It queues descriptions, not actors: a child exists only while its item
 * runs, so a throttle over 100,000 items holds at most {@code cap} children.
 *
 * <p>A child ends its work by sending {@link ChildDone}; the throttle then stops it and starts the
 * next item. A child that stops without saying so (it crashed) frees its slot too. {@code halt}
 * in {@link ChildDone}, or {@link StopStarting}, stops starting queued items; the ones never
 * started are handed back in {@link Finished}, so nothing queued is ever lost.
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

  /**
   * The throttle's whole state: a cursor into the immutable item list and the running children.
   */
  private record State(int next, PSet<ActorRef<?>> running, boolean halted) {
    State start(ActorRef<?> child) {
      return new State(next + 1, running.plus(child), halted);
    }

    State free(ActorRef<?> child) {
      return new State(next, running.minus(child), halted);
    }

    State halt() {
      return new State(next, running, true);
    }
  }

  private final ActorContext<Command> context;
  private final List<?> items;
  private final int cap;
  private final Function<Integer, Behavior<?>> spawnItem;

  private Throttle(ActorContext<Command> context, List<?> items, int cap,
      Function<Integer, Behavior<?>> spawnItem) {
    this.context = context;
    this.items = items;
    this.cap = cap;
    this.spawnItem = spawnItem;
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
    if (cap < 1) {
      throw new IllegalArgumentException("cap must be at least 1, was " + cap);
    }
    List<T> queue = List.copyOf(items);
    return Behaviors.setup(context -> {
      Throttle throttle = new Throttle(context, queue, cap,
          index -> childFactory.apply(queue.get(index), context.getSelf()));
      Reporter<T, M> reporter = new Reporter<>(owner, finished, queue);
      return throttle.fill(new State(0, HashTreePSet.empty(), false), reporter);
    });
  }

  /** Reports the end of the work to the owner; knows the item type the rest of the class erases. */
  private record Reporter<T, M>(ActorRef<M> owner, Function<Finished<T>, M> finished, List<T> items) {
    void report(State state) {
      List<T> notStarted = items.subList(state.next(), items.size());
      owner.tell(finished.apply(new Finished<>(state.next(), List.copyOf(notStarted))));
    }
  }

  /** Starts queued items while there is room, or ends when nothing runs and nothing will start. */
  private Behavior<Command> fill(State state, Reporter<?, ?> reporter) {
    State current = state;
    while (!current.halted() && current.running().size() < cap && current.next() < items.size()) {
      ActorRef<?> child = context.spawnAnonymous(spawnItem.apply(current.next()));
      context.watchWith(child, new ChildStopped(child));
      current = current.start(child);
    }
    boolean nothingMoreToStart = current.halted() || current.next() >= items.size();
    if (current.running().isEmpty() && nothingMoreToStart) {
      reporter.report(current);
      return Behaviors.stopped();
    }
    return running(current, reporter);
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
    if (!state.running().contains(stopped.child())) {
      return Behaviors.same();
    }
    return fill(state.free(stopped.child()), reporter);
  }
}
