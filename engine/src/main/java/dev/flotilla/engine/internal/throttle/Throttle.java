package dev.flotilla.engine.internal.throttle;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * A generic supervisor that runs a fixed list of work items as child actors, at most {@code cap} at
 * once, in list order. It queues descriptions, not actors: a child exists only while its item runs
 * (or, with a standby, shortly before), so a throttle over 100,000 items holds at most {@code cap}
 * children ({@code 2 x cap} with a standby).
 *
 * <p>A child ends its work by sending {@link ChildDone}; the throttle then stops it and starts the
 * next item. A child that stops without saying so (it crashed) frees its slot too. {@code halt} in
 * {@link ChildDone}, or {@link StopStarting}, stops starting queued items; the ones never started
 * are handed back in {@link Finished}, so nothing queued is ever lost.
 *
 * <p>A working child may {@link Park} while it waits for something outside the throttle (a person's
 * answer): its slot goes to the next item, and the throttle does not finish until it is done. When
 * it has work again it asks back in ({@link Unpark}) and takes the next free slot before any queued
 * item, so the cap holds for working children at all times.
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

  /**
   * A working child waits for something outside the throttle (a person's answer): its slot goes to
   * the next item, and the throttle does not finish while it waits.
   */
  public record Park(ActorRef<?> child) implements Command {}

  /**
   * A parked child has work again: it gets the next free slot, before any queued item (also after a
   * halt: it is no new item), and is told to begin again.
   */
  public record Unpark(ActorRef<?> child) implements Command {}

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

  private Throttle() {}

  /**
   * A throttle over {@code items}.
   *
   * @param items the work, run in this order
   * @param cap the most children running at once, at least 1
   * @param childFactory builds the child for one item; the child must send {@link ChildDone} to the
   *     given throttle when its work is over
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
    return create(
        items, cap, childFactory, Objects.requireNonNull(begin, "begin"), owner, finished);
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
    return Behaviors.setup(
        context ->
            new Supervisor<>(context, queue, cap, childFactory, begin, owner, finished).fill());
  }

  /**
   * The throttle at work. Unlike the engine's other actors it keeps its state in mutable fields,
   * confined to this actor: a step's throttle handles every one of its children one after another,
   * so it is the one actor every execution of the step passes through, and persistent collections
   * for its running set and standby queue were 8% of all samples of a 10,000 x 5 deployment at cap
   * 100 (without them: 8-12% more executions/s). The state is: a cursor into the immutable item
   * list (the next item no child has yet), the working children, and the ones waiting to begin, in
   * item order.
   */
  private static final class Supervisor<T, M> extends AbstractBehavior<Command> {
    private final List<T> items;
    private final int cap;
    private final BiFunction<T, ActorRef<Command>, Behavior<?>> childFactory;

    /**
     * What tells a standby child to begin; null without a standby (children begin when spawned).
     */
    private final Object begin;

    private final ActorRef<M> owner;
    private final Function<Finished<T>, M> finished;

    private int next;

    /**
     * Children told to begin whose {@link ChildDone} has not come: a repeated one frees no slot.
     */
    private final Set<ActorRef<?>> running = new HashSet<>();

    private final ArrayDeque<Standby> standby = new ArrayDeque<>();

    /** Children that hold no slot while they wait; the throttle waits for them. */
    private final Set<ActorRef<?>> parked = new HashSet<>();

    /** Parked children with work again, waiting for a slot, in the order they asked. */
    private final ArrayDeque<ActorRef<?>> unparked = new ArrayDeque<>();

    private boolean halted;

    private Supervisor(
        ActorContext<Command> context,
        List<T> items,
        int cap,
        BiFunction<T, ActorRef<Command>, Behavior<?>> childFactory,
        Object begin,
        ActorRef<M> owner,
        Function<Finished<T>, M> finished) {
      super(context);
      this.items = items;
      this.cap = cap;
      this.childFactory = childFactory;
      this.begin = begin;
      this.owner = owner;
      this.finished = finished;
    }

    @Override
    public Receive<Command> createReceive() {
      return newReceiveBuilder()
          .onMessage(ChildDone.class, this::onChildDone)
          .onMessage(ChildStopped.class, this::onChildStopped)
          .onMessageEquals(StopStarting.INSTANCE, this::onStopStarting)
          .onMessage(Park.class, this::onPark)
          .onMessage(Unpark.class, this::onUnpark)
          .build();
    }

    /**
     * Starts queued items while there is room (standby children first), spawns standby children up
     * to {@code cap}, or ends when nothing runs and nothing will start.
     */
    Behavior<Command> fill() {
      while (running.size() < cap && !unparked.isEmpty()) {
        ActorRef<?> child = unparked.pollFirst();
        tellBegin(child);
        running.add(child);
      }
      while (!halted && running.size() < cap && (!standby.isEmpty() || next < items.size())) {
        ActorRef<?> child = standby.isEmpty() ? spawn(next++) : standby.pollFirst().child();
        tellBegin(child);
        running.add(child);
      }
      while (begin != null && !halted && standby.size() < cap && next < items.size()) {
        standby.addLast(new Standby(spawn(next), next));
        next++;
      }
      boolean nothingMoreToStart = halted || (standby.isEmpty() && next >= items.size());
      if (running.isEmpty() && parked.isEmpty() && unparked.isEmpty() && nothingMoreToStart) {
        for (Standby waiting : standby) {
          getContext().unwatch(waiting.child());
          getContext().stop(waiting.child());
        }
        report();
        return Behaviors.stopped();
      }
      return this;
    }

    /**
     * Tells the owner how many items started and hands back, in queue order, the ones that did not.
     */
    private void report() {
      List<T> notStarted = new ArrayList<>();
      for (Standby waiting : standby) {
        notStarted.add(items.get(waiting.item()));
      }
      notStarted.addAll(items.subList(next, items.size()));
      owner.tell(
          finished.apply(
              new Finished<>(items.size() - notStarted.size(), List.copyOf(notStarted))));
    }

    private ActorRef<?> spawn(int index) {
      ActorRef<?> child =
          getContext().spawnAnonymous(childFactory.apply(items.get(index), getContext().getSelf()));
      getContext().watchWith(child, new ChildStopped(child));
      return child;
    }

    @SuppressWarnings("unchecked")
    private void tellBegin(ActorRef<?> child) {
      if (begin != null) {
        ((ActorRef<Object>) child).tell(begin);
      }
    }

    private Behavior<Command> onChildDone(ChildDone done) {
      if (!running.remove(done.child())
          && !parked.remove(done.child())
          && !unparked.remove(done.child())) {
        return this;
      }
      getContext().unwatch(done.child());
      getContext().stop(done.child());
      halted |= done.halt();
      return fill();
    }

    private Behavior<Command> onChildStopped(ChildStopped stopped) {
      // A child that stopped without saying it was done (it crashed); a standby one counts as
      // started.
      if (running.remove(stopped.child())
          || parked.remove(stopped.child())
          || unparked.remove(stopped.child())
          || standby.removeIf(waiting -> waiting.child().equals(stopped.child()))) {
        return fill();
      }
      return this;
    }

    private Behavior<Command> onPark(Park park) {
      if (!running.remove(park.child())) {
        return this;
      }
      parked.add(park.child());
      return fill();
    }

    private Behavior<Command> onUnpark(Unpark unpark) {
      if (!parked.remove(unpark.child())) {
        return this;
      }
      unparked.addLast(unpark.child());
      return fill();
    }

    private Behavior<Command> onStopStarting() {
      halted = true;
      return fill();
    }
  }
}
