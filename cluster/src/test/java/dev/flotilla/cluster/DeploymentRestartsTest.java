package dev.flotilla.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.engine.timeline.TimelineJson;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.persistence.testkit.JournalOperation;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.ProcessingPolicy;
import org.apache.pekko.persistence.testkit.ProcessingResult;
import org.apache.pekko.persistence.testkit.ProcessingSuccess;
import org.apache.pekko.persistence.testkit.StorageFailure;
import org.apache.pekko.persistence.testkit.WriteEvents;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A deployment entity whose journal keeps failing is not restarted by sharding forever: after
 * {@code flotilla.cluster.deployment-restarts} restarts it ends FAILED, the reason journaled with
 * its end, so every handle sees it. A one-node cluster on the persistence test kit's journal, whose
 * writes for the deployment fail once armed (all but the one that ends it).
 */
class DeploymentRestartsTest {

  private static final int RESTARTS = 2;
  private static final Duration WITHIN = Duration.ofSeconds(60);

  private FlotillaCluster node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** Fails every write of a deployment once armed, except one that ends it. */
  private static final class FailingDeploymentWrites implements ProcessingPolicy<JournalOperation> {
    final AtomicBoolean armed = new AtomicBoolean();
    final AtomicInteger failed = new AtomicInteger();

    @Override
    public ProcessingResult tryProcess(String persistenceId, JournalOperation operation) {
      if (armed.get()
          && persistenceId.startsWith("deployment|")
          && operation instanceof WriteEvents write
          && !endsTheDeployment(write.getBatch())) {
        failed.incrementAndGet();
        return StorageFailure.create(new IllegalStateException("injected journal failure"));
      }
      return ProcessingSuccess.getInstance();
    }

    private static boolean endsTheDeployment(List<Object> batch) {
      for (Object written : batch) {
        Object payload = written instanceof Tagged tagged ? tagged.payload() : written;
        if (payload instanceof DeploymentEvent event
            && DeploymentEvent.Batch.unpack(event).stream()
                .anyMatch(DeploymentEvent.DeploymentFinished.class::isInstance)) {
          return true;
        }
      }
      return false;
    }
  }

  @Test
  void aDeploymentWhoseJournalKeepsFailingEndsFailedAfterItsRestarts() throws Exception {
    Config config =
        ConfigFactory.parseString(
                """
                pekko.actor.provider = cluster
                pekko.remote.artery.canonical.hostname = "127.0.0.1"
                pekko.remote.artery.canonical.port = 0
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                pekko.coordinated-shutdown.exit-jvm = off
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                pekko.cluster.sharding.entity-restart-backoff = 100ms
                pekko.persistence.journal.plugin = "pekko.persistence.testkit.journal"
                pekko.persistence.snapshot-store.plugin = "pekko.persistence.no-snapshot-store"
                pekko.persistence.journal.auto-start-journals = []
                pekko.persistence.testkit.events.serialize = off
                flotilla.journal.snapshot-every = 0
                flotilla.cluster.journal-plugin = "pekko.persistence.testkit.journal"
                flotilla.cluster.snapshot-plugin = "pekko.persistence.no-snapshot-store"
                flotilla.cluster.read-journal = "pekko.persistence.testkit.query"
                flotilla.cluster.retry-interval = 1s
                flotilla.cluster.deployment-restarts = %d
                flotilla.deployment-restart {
                  min-backoff = 10ms
                  max-backoff = 50ms
                  random-factor = 0
                  max-restarts = 1
                }
                """
                    .formatted(RESTARTS))
            .withFallback(PersistenceTestKitPlugin.getInstance().config());
    Config base = ConfigFactory.load();
    Config nodeConfig =
        config
            .withFallback(base.getConfig("flotilla.cluster.own-system"))
            .withFallback(Flotilla.ownSystemConfig(config.withFallback(base)))
            .resolve();
    node = FlotillaCluster.startNode(EngineSettings.fromConfig(nodeConfig), nodeConfig);
    Cluster cluster = Cluster.get(node.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    ActorTestKit kit = ActorTestKit.create(node.system());
    kit.createTestProbe()
        .awaitAssert(
            WITHIN,
            () -> {
              assertThat(cluster.selfMember().status()).isEqualTo(MemberStatus.up());
              return null;
            });
    FailingDeploymentWrites policy = new FailingDeploymentWrites();
    PersistenceTestKit.create(node.system()).withPolicy(policy);

    DeploymentPlan plan =
        new PlanLoader(EngineSettings.defaults().actionTypes())
            .parse(
                """
                name: failing-journal
                targets: [{ name: "app-{1..3}", roles: [web] }]
                steps:
                  - { name: install, roles: [web], maxParallelism: 1, action: { type: simulate, duration: 300ms } }
                """,
                "failing-journal.yaml",
                Map.of());
    DeploymentHandle handle = node.submit(plan);
    kit.createTestProbe()
        .awaitAssert(
            WITHIN,
            () -> {
              assertThat(handle.snapshot().status()).isEqualTo(DeploymentStatus.RUNNING);
              return null;
            });
    policy.armed.set(true);

    DeploymentResult result =
        handle.result().toCompletableFuture().get(WITHIN.toSeconds(), TimeUnit.SECONDS);
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(TimelineJson.toJson(result.timeline()))
        .contains("flotilla.cluster.deployment-restarts = " + RESTARTS)
        .contains("times in a row");
    // The actor's own restart and each of the entity's restarts failed a write at least once.
    assertThat(policy.failed.get()).isGreaterThanOrEqualTo(RESTARTS + 1);
    kit.shutdownTestKit();
  }
}
