package dev.flotilla.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.testing.LoopbackPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * Nodes of one cluster in this JVM, on loopback ports and a fresh database of the loopback
 * PostgreSQL, joined and up: the fixture of the cluster's in-JVM tests.
 */
final class ClusterNodes implements AutoCloseable {

  /** How long a cluster of a loaded machine may take to form or to answer. */
  static final Duration WITHIN = Duration.ofSeconds(90);

  final List<FlotillaCluster> nodes = new ArrayList<>();
  final Config config;
  final DurableJournal.Postgres journal;
  private final ActorTestKit kit;

  private ClusterNodes(
      int count, Map<String, Object> overrides, UnaryOperator<EngineSettings> settings) {
    journal = LoopbackPostgres.get().newJournal();
    Map<String, Object> values = new HashMap<>();
    values.put("flotilla.cluster.own-system.pekko.remote.artery.canonical.port", 0);
    // The nodes share this JVM: none may end it.
    values.put("flotilla.cluster.own-system.pekko.coordinated-shutdown.exit-jvm", "off");
    values.put(
        "flotilla.cluster.own-system.pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
    // Leaving one by one at the end: the last node has nobody to hand over to.
    values.put(
        "flotilla.cluster.own-system.pekko.coordinated-shutdown.phases"
            + ".cluster-sharding-shutdown-region.timeout",
        "3s");
    values.put(
        "flotilla.cluster.own-system.pekko.coordinated-shutdown.phases.cluster-exiting.timeout",
        "2s");
    values.put("flotilla.cluster.retry-interval", "1s");
    values.put("jdbc-read-journal.refresh-interval", "100ms");
    values.putAll(overrides);
    config = ConfigFactory.parseMap(values).withFallback(ConfigFactory.load());
    EngineSettings engineSettings = settings.apply(EngineSettings.fromConfig(config));
    for (int i = 0; i < count; i++) {
      try {
        nodes.add(FlotillaCluster.start(journal, engineSettings, config));
      } catch (Exception e) {
        close();
        throw new IllegalStateException(e);
      }
    }
    Cluster first = Cluster.get(nodes.get(0).system());
    for (FlotillaCluster node : nodes) {
      Cluster.get(node.system()).manager().tell(Join.create(first.selfMember().address()));
    }
    kit = ActorTestKit.create(nodes.get(0).system());
    TestProbe<Object> probe = kit.createTestProbe();
    probe.awaitAssert(
        WITHIN,
        () -> {
          for (FlotillaCluster node : nodes) {
            assertThat(Cluster.get(node.system()).state().getMembers())
                .hasSize(count)
                .allMatch(member -> member.status() == MemberStatus.up());
          }
          return null;
        });
  }

  /** {@code count} nodes with the tests' settings, joined and up. */
  static ClusterNodes start(
      int count, Map<String, Object> overrides, UnaryOperator<EngineSettings> settings) {
    return new ClusterNodes(count, overrides, settings);
  }

  /**
   * Retries {@code assertion} until it passes or {@code within} runs out: the kit's awaitAssert.
   */
  <T> T awaitAssert(Duration within, Supplier<T> assertion) {
    return kit.<T>createTestProbe().awaitAssert(within, assertion::get);
  }

  FlotillaCluster get(int index) {
    return nodes.get(index);
  }

  /** The cluster address of a node, as the service names it. */
  String address(int index) {
    return Cluster.get(nodes.get(index).system()).selfMember().address().toString();
  }

  /** Stops the nodes, last first. */
  @Override
  public void close() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
  }
}
