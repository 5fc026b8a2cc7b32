package dev.flotilla.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.TargetIsolation;
import dev.flotilla.engine.properties.RandomPlans;
import dev.flotilla.engine.properties.TimelineInvariants;
import dev.flotilla.engine.timeline.Timeline;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The engine's random-plan properties (RandomPlanPropertiesTest) on a cluster of three nodes on
 * loopback PostgreSQL: the same plans from the same seeds, submitted all at once round-robin to the
 * three nodes, keep the same invariants (no overlap on a target, caps, block order, run conditions,
 * statuses), guided failure answered by a scripted operator through whichever node submitted it,
 * exclusive deployments never overlap on a shared target across nodes, and the cluster's deployment
 * cap holds. Fewer plans than on one engine, to stay within a minute on a loaded 2-core machine.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterPropertiesTest {

  private static final long BASE_SEED = Long.getLong("flotilla.properties.seed", 20261126L);
  private static final int MAX_DEPLOYMENTS = 5;

  private ClusterNodes cluster;

  @BeforeAll
  void start() {
    cluster =
        ClusterNodes.start(3, Map.of(), settings -> settings.withMaxDeployments(MAX_DEPLOYMENTS));
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static long[] seeds(long base, int count) {
    Random seeds = new Random(base);
    long[] drawn = new long[count];
    for (int i = 0; i < count; i++) {
      drawn[i] = seeds.nextLong();
    }
    return drawn;
  }

  private DeploymentHandle submit(int index, DeploymentPlan plan, DeploymentListener listener)
      throws Exception {
    return cluster.get(index % 3).engine().submit(plan, listener);
  }

  private static DeploymentResult result(DeploymentHandle handle) throws Exception {
    return handle
        .result()
        .toCompletableFuture()
        .get(ClusterNodes.WITHIN.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void randomPlansKeepEveryInvariantAndTheClusterCap() throws Exception {
    List<DeploymentPlan> plans = new ArrayList<>();
    List<DeploymentHandle> handles = new ArrayList<>();
    long[] seeds = seeds(BASE_SEED, 24);
    for (int i = 0; i < seeds.length; i++) {
      DeploymentPlan plan =
          RandomPlans.randomPlan(new Random(seeds[i]), "random-" + Long.toHexString(seeds[i]));
      plans.add(plan);
      handles.add(submit(i, plan, DeploymentListener.NONE));
    }
    List<double[]> runs = new ArrayList<>();
    for (int i = 0; i < handles.size(); i++) {
      Timeline timeline = result(handles.get(i)).timeline();
      assertThat(TimelineInvariants.violations(plans.get(i), timeline))
          .as("plan %s", plans.get(i))
          .isEmpty();
      double zero = Instant.parse(timeline.startedAt()).toEpochMilli();
      runs.add(new double[] {zero + timeline.startMs(), zero + timeline.endMs()});
    }
    for (double[] run : runs) {
      long running = runs.stream().filter(other -> other[0] <= run[0] && run[0] < other[1]).count();
      assertThat(running).as("deployments running at once").isLessThanOrEqualTo(MAX_DEPLOYMENTS);
    }
  }

  @Test
  void guidedFailureAnsweredThroughTheSubmittingNodeKeepsEveryInvariant() throws Exception {
    List<DeploymentPlan> plans = new ArrayList<>();
    List<DeploymentHandle> handles = new ArrayList<>();
    long[] seeds = seeds(BASE_SEED + 2, 9);
    for (int i = 0; i < seeds.length; i++) {
      Random random = new Random(seeds[i]);
      DeploymentPlan plan =
          RandomPlans.guided(
              RandomPlans.randomPlan(random, "guided-" + Long.toHexString(seeds[i])), random);
      long operatorSeed = random.nextLong();
      CompletableFuture<DeploymentHandle> submitted = new CompletableFuture<>();
      DeploymentHandle handle =
          submit(
              i,
              plan,
              new DeploymentListener() {
                @Override
                public void onEvent(DeploymentEvent event) {
                  if (event instanceof DeploymentEvent.InterventionRaised raised) {
                    InterventionDecision decision =
                        RandomPlans.scriptedAnswer(operatorSeed, raised);
                    submitted.thenAcceptAsync(
                        h -> h.answer(raised.number(), decision, "operator", "scripted"));
                  }
                }
              });
      submitted.complete(handle);
      plans.add(plan);
      handles.add(handle);
    }
    for (int i = 0; i < handles.size(); i++) {
      Timeline timeline = result(handles.get(i)).timeline();
      assertThat(TimelineInvariants.violations(plans.get(i), timeline))
          .as("plan %s", plans.get(i))
          .isEmpty();
      assertThat(TimelineInvariants.interventionsSettled(timeline))
          .as("plan %s", plans.get(i))
          .isEmpty();
    }
  }

  @Test
  void exclusiveDeploymentsOnSharedTargetsNeverOverlapAcrossNodes() throws Exception {
    for (long seed : seeds(BASE_SEED + 1, 3)) {
      Random random = new Random(seed);
      List<DeploymentPlan> plans = new ArrayList<>();
      List<DeploymentHandle> handles = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        DeploymentPlan plan =
            RandomPlans.randomPlan(random, "concurrent-" + Long.toHexString(seed) + "-" + i)
                .withTargetIsolation(TargetIsolation.EXCLUSIVE);
        plans.add(plan);
        handles.add(submit(i, plan, DeploymentListener.NONE));
      }
      List<String> violations = new ArrayList<>();
      List<Timeline.ExecutionEntry> all = new ArrayList<>();
      for (int i = 0; i < handles.size(); i++) {
        DeploymentResult result = result(handles.get(i));
        violations.addAll(TimelineInvariants.violations(plans.get(i), result.timeline()));
        all.addAll(RandomPlans.onWallClock(result));
      }
      assertThat(violations).as("fleet from seed %s", seed).isEmpty();
      assertThat(TimelineInvariants.noOverlapPerTarget(all))
          .as("fleet from seed %s", seed)
          .isEmpty();
    }
  }
}
