package dev.flotilla.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/** Configurations for tests of single cluster entities, in memory, with the module's bindings. */
final class ClusterTestConfig {

  private ClusterTestConfig() {}

  /** The event-sourced test kit's in-memory journal, with the cluster's serialization bindings. */
  static Config entityTestKit() {
    String bindings = "pekko.actor.serialization-bindings";
    return EventSourcedBehaviorTestKit.config()
        .withFallback(
            ConfigFactory.load()
                .getConfig("flotilla.cluster.own-system." + bindings)
                .atPath(bindings))
        .withFallback(ConfigFactory.load());
  }
}
