package dev.flotilla.cluster;

import dev.flotilla.engine.internal.guard.TargetGuard;
import dev.flotilla.engine.internal.guard.TargetGuard.Holder;
import dev.flotilla.engine.internal.guard.TargetGuards;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * One node's door to the cluster's target guards: to the deployments running on the node it is both
 * the guard registry ({@link TargetGuards.Resolve}) and every target's guard ({@link
 * TargetGuard.Acquire}, {@link TargetGuard.ReleaseLease}), so the engine's executions run
 * unchanged. It carries each request to the target's {@link ClusterGuard} and asks again every
 * {@code retry-interval} until answered: an acquire until granted, a release until acknowledged.
 * Sharding delivers at most once; this makes a lost message a delay.
 *
 * <p>It accepts messages of several protocols (the engine's two and the guards' replies), hence its
 * type is {@code Object}; it hands out references narrowed to each protocol.
 */
final class GuardClient {

  private record FromGuard(ClusterGuard.Reply reply) {}

  private record RequesterStopped(ActorRef<?> requester) {}

  private enum Retry {
    INSTANCE
  }

  /** A lease asked for on behalf of a local execution. */
  private static final class Asking {
    final TargetGuard.Mode mode;
    final TargetGuard.Requester<?> requester;
    boolean toldQueued;
    boolean granted;

    Asking(TargetGuard.Mode mode, TargetGuard.Requester<?> requester) {
      this.mode = mode;
      this.requester = requester;
    }
  }

  private final ActorContext<Object> context;
  private final ClusterSharding sharding;
  private final ActorRef<ClusterGuard.Reply> replies;
  private final Map<Holder, Asking> asking = new LinkedHashMap<>();
  private final Set<Holder> releasing = new HashSet<>();
  private final Map<ActorRef<?>, Set<Holder>> byRequester = new HashMap<>();

  private GuardClient(ActorContext<Object> context, ClusterSharding sharding) {
    this.context = context;
    this.sharding = sharding;
    this.replies = context.messageAdapter(ClusterGuard.Reply.class, FromGuard::new);
  }

  static Behavior<Object> create(ClusterSharding sharding, Duration retryInterval) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Retry.INSTANCE, retryInterval);
                  return new GuardClient(context, sharding).serving();
                }));
  }

  private Behavior<Object> serving() {
    return Behaviors.receive(Object.class)
        .onMessage(TargetGuards.Resolve.class, this::onResolve)
        .onMessage(
            TargetGuards.CountGuards.class,
            count -> {
              count.replyTo().tell(new TargetGuards.GuardCount(0, 0));
              return Behaviors.same();
            })
        .onMessage(TargetGuard.Acquire.class, this::onAcquire)
        .onMessage(
            TargetGuard.ReleaseLease.class,
            release -> {
              release(release.holder());
              return Behaviors.same();
            })
        .onMessage(
            TargetGuard.Release.class,
            release -> {
              releaseAll(release.requester());
              return Behaviors.same();
            })
        .onMessage(
            RequesterStopped.class,
            stopped -> {
              releaseAll(stopped.requester());
              return Behaviors.same();
            })
        .onMessage(FromGuard.class, from -> onReply(from.reply()))
        .onMessage(Retry.class, retry -> onRetry())
        .build();
  }

  private Behavior<Object> onResolve(TargetGuards.Resolve resolve) {
    ActorRef<TargetGuard.Command> self = context.getSelf().narrow();
    Map<String, ActorRef<TargetGuard.Command>> guards = new HashMap<>();
    resolve.targets().forEach(target -> guards.put(target, self));
    resolve.replyTo().tell(new TargetGuards.Resolved(guards));
    return Behaviors.same();
  }

  private Behavior<Object> onAcquire(TargetGuard.Acquire acquire) {
    Holder holder = acquire.holder();
    releasing.remove(holder);
    Asking previous = asking.put(holder, new Asking(acquire.mode(), acquire.requester()));
    if (previous != null) {
      forget(previous.requester.ref(), holder);
    }
    ActorRef<?> ref = acquire.requester().ref();
    byRequester
        .computeIfAbsent(
            ref,
            watched -> {
              context.watchWith(watched, new RequesterStopped(watched));
              return new HashSet<>();
            })
        .add(holder);
    guardOf(holder).tell(new ClusterGuard.Acquire(holder, acquire.mode(), replies));
    return Behaviors.same();
  }

  private Behavior<Object> onReply(ClusterGuard.Reply reply) {
    Holder holder = reply.holder();
    if (reply instanceof ClusterGuard.Released) {
      releasing.remove(holder);
      return Behaviors.same();
    }
    Asking asked = asking.get(holder);
    if (asked == null || asked.granted) {
      return Behaviors.same();
    }
    if (reply instanceof ClusterGuard.Granted) {
      asked.granted = true;
      asked.requester.tell(new TargetGuard.Granted(holder.target()));
    } else if (reply instanceof ClusterGuard.Queued queued && !asked.toldQueued) {
      asked.toldQueued = true;
      asked.requester.tell(new TargetGuard.Queued(holder.target(), queued.heldBy()));
    }
    return Behaviors.same();
  }

  private Behavior<Object> onRetry() {
    asking.forEach(
        (holder, asked) -> {
          if (!asked.granted) {
            guardOf(holder).tell(new ClusterGuard.Acquire(holder, asked.mode, replies));
          }
        });
    releasing.forEach(holder -> guardOf(holder).tell(new ClusterGuard.Release(holder, replies)));
    return Behaviors.same();
  }

  private void release(Holder holder) {
    Asking asked = asking.remove(holder);
    if (asked != null) {
      forget(asked.requester.ref(), holder);
    }
    releasing.add(holder);
    guardOf(holder).tell(new ClusterGuard.Release(holder, replies));
  }

  private void releaseAll(ActorRef<?> requester) {
    Set<Holder> held = byRequester.get(requester);
    if (held != null) {
      Set.copyOf(held).forEach(this::release);
    }
  }

  private void forget(ActorRef<?> requester, Holder holder) {
    Set<Holder> held = byRequester.get(requester);
    if (held != null && held.remove(holder) && held.isEmpty()) {
      byRequester.remove(requester);
      context.unwatch(requester);
    }
  }

  private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<ClusterGuard.Command> guardOf(
      Holder holder) {
    return sharding.entityRefFor(ClusterGuard.TYPE_KEY, holder.target());
  }
}
