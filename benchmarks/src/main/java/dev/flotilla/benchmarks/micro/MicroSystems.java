package dev.flotilla.benchmarks.micro;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.Flotilla;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The actor system a micro benchmark drives: sized as the engine's own system is (one thread per
 * core), quiet logs, stopped and awaited at tear-down.
 */
final class MicroSystems {

  private MicroSystems() {}

  static <T> ActorSystem<T> start(Behavior<T> driver, String name) {
    return ActorSystem.create(
        driver,
        name,
        Flotilla.ownSystemConfig(
            ConfigFactory.parseString("pekko.loglevel = WARNING")
                .withFallback(ConfigFactory.load())));
  }

  static void stop(ActorSystem<?> system) throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
