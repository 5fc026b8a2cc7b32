package dev.flotilla.engine.internal.guard;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The engine-wide registry of target guards: one {@link TargetGuard} per machine name, created on
 * first use and shared by every deployment. A deployment resolves its guards once when it starts,
 * so no execution pays for a lookup.
 *
 * <p>A guard is in use while a deployment that resolved it runs: the registry watches each such
 * user and counts, per guard, the users holding its reference. A guard no user holds has no lease
 * and no waiter (every lease belongs to an execution of a user), and nobody can ask it for one;
 * once it has been idle for between one and two {@code idleTimeout}s it is stopped (passivated), so
 * an engine that runs for years keeps guards only for the targets of recent deployments. A
 * deployment that names the target again gets a fresh guard.
 */
public final class TargetGuards {

  /** Messages the registry understands. */
  public sealed interface Command {}

  /**
   * Asks for the guards of these targets on behalf of {@code user}, which holds them until it stops
   * (resolving again replaces what it held).
   */
  public record Resolve(Collection<String> targets, ActorRef<?> user, ActorRef<Resolved> replyTo)
      implements Command {}

  /** The guard of every target asked for. */
  public record Resolved(Map<String, ActorRef<TargetGuard.Command>> guards) {}

  /** Asks how many guards are alive: in use, or idle and not yet stopped. */
  public record CountGuards(ActorRef<GuardCount> replyTo) implements Command {}

  /** How many guards are alive, and how many of them no running deployment uses. */
  public record GuardCount(int live, int idle) {}

  private record UserStopped(ActorRef<?> user) implements Command {}

  private enum PassivateIdle implements Command {
    INSTANCE
  }

  private record GuardStopped(String name) implements Command {}

  /** One live guard and how many users hold it. */
  private static final class Guard {
    final ActorRef<TargetGuard.Command> ref;
    int users;

    Guard(ActorRef<TargetGuard.Command> ref) {
      this.ref = ref;
    }
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Duration idleTimeout;
  /*
   * Mutable, and confined to this actor: a deployment over a fleet of 10,000 targets counts 10,000
   * guards in when it starts and out when it stops; copying persistent maps for each would cost
   * more than the lookups themselves.
   */
  private final Map<String, Guard> guards = new HashMap<>();
  private final Map<ActorRef<?>, List<String>> users = new HashMap<>();

  /**
   * Guards no user holds, by target, oldest first, with the sweep during which they became idle.
   * Sweeps are counted rather than clocks read, so the scheduler (manual time in tests) alone
   * decides when an idle guard goes.
   */
  private final LinkedHashMap<String, Long> idleSince = new LinkedHashMap<>();

  private long sweeps;

  /** Names of guards told to stop that have not stopped yet: a new guard cannot take them. */
  private final Set<String> stopping = new HashSet<>();

  private long incarnations;

  private TargetGuards(
      ActorContext<Command> context, TimerScheduler<Command> timers, Duration idleTimeout) {
    this.context = context;
    this.timers = timers;
    this.idleTimeout = idleTimeout;
  }

  /**
   * @param idleTimeout how long a guard no running deployment uses is kept (zero: stopped at once)
   */
  public static Behavior<Command> create(Duration idleTimeout) {
    if (idleTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "a guard's idle timeout cannot be negative, was " + idleTimeout);
    }
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> new TargetGuards(context, timers, idleTimeout).registry()));
  }

  private Behavior<Command> registry() {
    return Behaviors.receive(Command.class)
        .onMessage(Resolve.class, this::onResolve)
        .onMessage(
            UserStopped.class,
            stopped -> {
              release(stopped.user());
              return Behaviors.same();
            })
        .onMessage(
            PassivateIdle.class,
            tick -> {
              passivateIdle();
              return Behaviors.same();
            })
        .onMessage(
            GuardStopped.class,
            stopped -> {
              stopping.remove(stopped.name());
              return Behaviors.same();
            })
        .onMessage(
            CountGuards.class,
            count -> {
              count.replyTo().tell(new GuardCount(guards.size(), idleSince.size()));
              return Behaviors.same();
            })
        .build();
  }

  private Behavior<Command> onResolve(Resolve resolve) {
    ActorRef<?> user = resolve.user();
    // A deployment passes a set; anything else is made one, so a target is counted once per user.
    Collection<String> asked = resolve.targets();
    List<String> targets =
        List.copyOf(asked instanceof Set<?> ? asked : new LinkedHashSet<>(asked));
    Map<String, ActorRef<TargetGuard.Command>> answer = new HashMap<>(targets.size() * 2);
    // Count the new holdings before releasing the old ones: a guard resolved again stays alive.
    for (String target : targets) {
      Guard guard = guards.get(target);
      if (guard == null) {
        guard = new Guard(context.spawn(TargetGuard.create(target), freshName(target)));
        guards.put(target, guard);
      }
      if (guard.users++ == 0) {
        idleSince.remove(target);
      }
      answer.put(target, guard.ref);
    }
    release(user);
    users.put(user, targets);
    context.watchWith(user, new UserStopped(user));
    resolve.replyTo().tell(new Resolved(answer));
    return Behaviors.same();
  }

  /** Gives up what {@code user} held; guards nobody holds any more become idle. */
  private void release(ActorRef<?> user) {
    List<String> held = users.remove(user);
    if (held == null) {
      return;
    }
    for (String target : held) {
      Guard guard = guards.get(target);
      if (--guard.users == 0) {
        idleSince.put(target, sweeps);
      }
    }
    if (idleTimeout.isZero()) {
      stopIdleSince(sweeps);
    } else if (!idleSince.isEmpty() && !timers.isTimerActive(PassivateIdle.INSTANCE)) {
      timers.startSingleTimer(PassivateIdle.INSTANCE, idleTimeout);
    }
  }

  /**
   * A sweep, one idle timeout after the last: stops the guards that were already idle before the
   * last sweep (idle for one timeout at least, two at most), and comes back while any are idle.
   */
  private void passivateIdle() {
    sweeps++;
    stopIdleSince(sweeps - 2);
    if (!idleSince.isEmpty()) {
      timers.startSingleTimer(PassivateIdle.INSTANCE, idleTimeout);
    }
  }

  /** Stops the guards idle since sweep {@code sweep} or before. */
  private void stopIdleSince(long sweep) {
    Iterator<Map.Entry<String, Long>> oldestFirst = idleSince.entrySet().iterator();
    while (oldestFirst.hasNext()) {
      Map.Entry<String, Long> idle = oldestFirst.next();
      if (idle.getValue() > sweep) {
        return;
      }
      oldestFirst.remove();
      ActorRef<TargetGuard.Command> ref = guards.remove(idle.getKey()).ref;
      String name = ref.path().name();
      stopping.add(name);
      context.watchWith(ref, new GuardStopped(name));
      context.stop(ref);
    }
  }

  /** The guard's actor name, unless a guard of the same name is still stopping. */
  private String freshName(String target) {
    String name = "guard-" + URLEncoder.encode(target, StandardCharsets.UTF_8);
    return stopping.contains(name) ? name + "~" + ++incarnations : name;
  }
}
