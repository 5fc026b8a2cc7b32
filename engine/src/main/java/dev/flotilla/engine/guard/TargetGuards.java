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
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

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
    return Behaviors.setup(context -> registry(context, HashTreePMap.empty()));
  }

  private static Behavior<Command> registry(
      ActorContext<Command> context, PMap<String, ActorRef<TargetGuard.Command>> guards) {
    return Behaviors.receive(Command.class)
        .onMessage(Resolve.class, resolve -> {
          PMap<String, ActorRef<TargetGuard.Command>> known = guards;
          Map<String, ActorRef<TargetGuard.Command>> answer = new HashMap<>();
          for (String target : resolve.targets()) {
            ActorRef<TargetGuard.Command> guard = known.get(target);
            if (guard == null) {
              guard = context.spawn(TargetGuard.create(target), actorName(target));
              known = known.plus(target, guard);
            }
            answer.put(target, guard);
          }
          resolve.replyTo().tell(new Resolved(answer));
          return registry(context, known);
        })
        .build();
  }

  private static String actorName(String target) {
    return "guard-" + URLEncoder.encode(target, StandardCharsets.UTF_8);
  }
}
