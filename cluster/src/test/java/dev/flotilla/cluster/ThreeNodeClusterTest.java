package dev.flotilla.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineJson;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three nodes of one cluster in this JVM, on loopback ports and one loopback PostgreSQL: what holds
 * on one engine holds for the cluster. Needs PostgreSQL 15 (skipped without it, failed under CI).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThreeNodeClusterTest {

  private static final int MAX_DEPLOYMENTS = 2;
  private static final Duration WITHIN = ClusterNodes.WITHIN;

  private ClusterNodes cluster;
  private List<FlotillaCluster> nodes;

  @BeforeAll
  void startThreeNodes() {
    cluster =
        ClusterNodes.start(3, Map.of(), settings -> settings.withMaxDeployments(MAX_DEPLOYMENTS));
    nodes = cluster.nodes;
  }

  @AfterAll
  void stopNodes() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private DeploymentPlan plan(String name, String project, String duration, String targets)
      throws Exception {
    String yaml =
        "name: "
            + name
            + "\nproject: "
            + project
            + "\nenvironment: test\nmaxParallelism: 10\ntargets:\n  - { name: \""
            + targets
            + "\", roles: [web] }\nsteps:\n  - name: install\n    roles: [web]\n"
            + "    action: { type: simulate, duration: "
            + duration
            + " }\n";
    return new PlanLoader(EngineSettings.defaults().actionTypes())
        .parse(yaml, name + ".yaml", Map.of());
  }

  private static DeploymentResult resultOf(DeploymentHandle handle) throws Exception {
    return handle.result().toCompletableFuture().get(WITHIN.toSeconds(), TimeUnit.SECONDS);
  }

  /** Where an execution ran, in wall-clock milliseconds. */
  private record Span(String deployment, String target, double start, double end) {}

  private static List<Span> spans(Timeline timeline) {
    double zero = Instant.parse(timeline.startedAt()).toEpochMilli();
    List<Span> spans = new ArrayList<>();
    for (Timeline.ExecutionEntry execution : timeline.executions()) {
      spans.add(
          new Span(
              timeline.deploymentId(),
              execution.target(),
              zero + execution.startMs(),
              zero + execution.endMs()));
    }
    return spans;
  }

  @Test
  void aDeploymentSubmittedOnOneNodeIsAnsweredForByEveryNode() throws Exception {
    DeploymentHandle submitted =
        nodes.get(1).submit(plan("answered", "answered", "50ms", "web-{1..4}"));
    DeploymentResult result = resultOf(submitted);
    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);

    for (FlotillaCluster node : List.of(nodes.get(0), nodes.get(2))) {
      assertThat(node.deploymentIds()).contains(submitted.deploymentId());
      DeploymentResult elsewhere = resultOf(node.handle(submitted.deploymentId()));
      // The same journal, the same timeline JSON, whichever node reads it.
      assertThat(TimelineJson.toJson(elsewhere.timeline()))
          .isEqualTo(TimelineJson.toJson(result.timeline()));
    }
  }

  @Test
  void neverTwoExclusiveHoldersOfOneTargetAcrossNodes() throws Exception {
    List<DeploymentHandle> handles = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      // Different projects, so the caps let two run at once: only the guards keep them apart.
      handles.add(
          nodes.get(i % 3).submit(plan("guarded-" + i, "guarded-" + i, "100ms", "db-{1..2}")));
    }
    List<Span> spans = new ArrayList<>();
    for (DeploymentHandle handle : handles) {
      DeploymentResult result = resultOf(handle);
      assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      spans.addAll(spans(result.timeline()));
    }
    assertThat(spans).hasSize(8);
    for (String target : List.of("db-1", "db-2")) {
      List<Span> onTarget =
          spans.stream()
              .filter(span -> span.target().equals(target))
              .sorted(Comparator.comparingDouble(Span::start))
              .toList();
      for (int i = 1; i < onTarget.size(); i++) {
        assertThat(onTarget.get(i).start())
            .as("%s: %s starts after %s ended", target, onTarget.get(i), onTarget.get(i - 1))
            .isGreaterThanOrEqualTo(onTarget.get(i - 1).end());
      }
    }
  }

  @Test
  void theDeploymentCapAndConcurrencyTagsHoldForTheWholeCluster() throws Exception {
    List<DeploymentHandle> handles = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      // Two projects: at most two deployments at once, and never two of one project.
      String project = i % 2 == 0 ? "even" : "odd";
      handles.add(
          nodes.get(i % 3).submit(plan("capped-" + i, project, "100ms", "app-" + i + "-{1..2}")));
    }
    List<double[]> runs = new ArrayList<>();
    List<String> projects = new ArrayList<>();
    for (int i = 0; i < handles.size(); i++) {
      Timeline timeline = resultOf(handles.get(i)).timeline();
      assertThat(timeline.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      double zero = Instant.parse(timeline.startedAt()).toEpochMilli();
      runs.add(new double[] {zero + timeline.startMs(), zero + timeline.endMs()});
      projects.add(i % 2 == 0 ? "even" : "odd");
    }
    for (int i = 0; i < runs.size(); i++) {
      double at = runs.get(i)[0];
      int running = 0;
      for (int j = 0; j < runs.size(); j++) {
        if (runs.get(j)[0] <= at && at < runs.get(j)[1]) {
          running++;
          if (j != i) {
            assertThat(projects.get(j)).as("same tag at once").isNotEqualTo(projects.get(i));
          }
        }
      }
      assertThat(running).as("deployments running at once").isLessThanOrEqualTo(MAX_DEPLOYMENTS);
    }
  }
}
