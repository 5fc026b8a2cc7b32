package dev.flotilla.engine.guard;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The engine-wide registry of target guards: one {@link TargetGuard} per machine name, created on
 * first use and shared by every deployment. A deployment resolves its guards once when it starts,
 * so no execution pays for a lookup.
 */
public final class TargetGuards {

  /** Messages the registry understands. */
  public sealed interface Command {}

  /** Asks for the guards of these targets. */
  public record Resolve(Collection<String> targets, ActorRef<Resolved> replyTo) implements Command {}

  /** The guard of every target asked for. */
  public record Resolved(Map<String, ActorRef<TargetGuard.Command>> guards) {}

  private TargetGuards() {}

  public static Behavior<Command> create() {
    return Behaviors.setup(context -> registry(context, Map.of()));
  }

  /**
   * The registry's state is an immutable map, replaced only when a deployment brings targets the
   * engine has not seen: lookups, which every deployment makes for its whole fleet, stay O(1).
   */
  private static Behavior<Command> registry(
      ActorContext<Command> context, Map<String, ActorRef<TargetGuard.Command>> guards) {
    return Behaviors.receive(Command.class)
        .onMessage(Resolve.class, resolve -> {
          Map<String, ActorRef<TargetGuard.Command>> answer = new HashMap<>();
          Map<String, ActorRef<TargetGuard.Command>> added = new HashMap<>();
          for (String target : resolve.targets()) {
            ActorRef<TargetGuard.Command> guard = guards.get(target);
            if (guard == null) {
              guard = added.computeIfAbsent(target, name -> context.spawn(TargetGuard.create(name), actorName(name)));
            }
            answer.put(target, guard);
          }
          resolve.replyTo().tell(new Resolved(answer));
          if (added.isEmpty()) {
            return Behaviors.same();
          }
          Map<String, ActorRef<TargetGuard.Command>> known = new HashMap<>(guards);
          known.putAll(added);
          return registry(context, Map.copyOf(known));
        })
        .build();
  }

  private static String actorName(String target) {
    return "guard-" + URLEncoder.encode(target, StandardCharsets.UTF_8);
  }
}
