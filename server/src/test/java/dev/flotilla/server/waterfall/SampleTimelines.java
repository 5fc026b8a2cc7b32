package dev.flotilla.server.waterfall;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.TargetIsolation;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.Timeline.ExecutionEntry;
import dev.flotilla.engine.timeline.Timeline.StepEntry;
import dev.flotilla.engine.timeline.TimelineJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Timelines to draw: one from a real run, one built at fleet scale. */
final class SampleTimelines {

  /** A name a hostile plan could carry; it must show as text and never run. */
  static final String HOSTILE =
      "</script><script>document.body.dataset.pwned='script'</script>"
          + "<img src=x onerror=\"document.body.dataset.pwned='img'\">";

  /**
   * Everything a waterfall shows: a failure and its retry, guard waits (two steps of one block on
   * the same targets, under exclusive isolation), a rolling step with children, a step on the
   * engine, and names that are markup.
   */
  private static final String PLAN =
      """
      name: "waterfall <script>alert(1)</script>"
      seed: 11
      targets:
        - { name: "web-{1..4}", roles: [web] }
      steps:
        - name: Deploy
          roles: [web]
          retries: 1
          retryBackoff: 10ms
          action: { type: simulate, duration: 150ms, failOn: [web-3] }
        - name: %s
          roles: [web]
          startTrigger: withPrevious
          action: { type: simulate, duration: 100ms }
        - name: Roll
          roles: [web]
          condition: always
          rolling: { windowSize: 2 }
          children:
            - { name: Drain, action: { type: simulate, duration: 20ms } }
            - { name: Restart, action: { type: simulate, duration: 20ms } }
        - name: Notify
          runOnServer: true
          condition: always
          action: { type: simulate, duration: 5ms }
      """
          .formatted(quoted(HOSTILE));

  private static final ObjectMapper JSON = new ObjectMapper();

  private SampleTimelines() {}

  /** The timeline of {@link #PLAN}, run in memory to its end. */
  static Timeline ranPlan() throws Exception {
    try (Flotilla engine = Flotilla.start(EngineSettings.fromConfig(ConfigFactory.load()))) {
      DeploymentResult result =
          engine
              .submit(engine.planLoader().parse(PLAN, "waterfall.yaml", Map.of()))
              .result()
              .toCompletableFuture()
              .get(60, TimeUnit.SECONDS);
      return result.timeline();
    }
  }

  /**
   * {@code targets} targets through {@code steps} steps, one block each: a bar per (step, target).
   */
  static Timeline fleet(int targets, int steps) {
    List<StepEntry> stepEntries = new ArrayList<>();
    List<ExecutionEntry> executions = new ArrayList<>();
    double stepStart = 0;
    for (int s = 0; s < steps; s++) {
      String step = "Step " + (s + 1);
      stepEntries.add(
          new StepEntry(s, step, s, null, StepStatus.SUCCEEDED, 50, null, false, targets, 0, null));
      for (int t = 0; t < targets; t++) {
        double start = stepStart + (t / 50) * 1000.0 + (t % 50);
        ExecutionStatus status = t % 97 == 0 ? ExecutionStatus.FAILED : ExecutionStatus.SUCCEEDED;
        executions.add(
            new ExecutionEntry(
                step,
                s,
                s,
                "host-%04d".formatted(t),
                1,
                status,
                start,
                start + 900.0,
                null,
                null,
                status == ExecutionStatus.FAILED ? "exit code 1" : null));
      }
      stepStart += (targets / 50 + 1) * 1000.0;
    }
    return new Timeline(
        "20261126T101500-f1ee70",
        "fleet",
        DeploymentStatus.FAILED,
        10,
        TargetIsolation.EXCLUSIVE,
        0,
        stepStart,
        stepEntries,
        executions,
        "2026-11-26T10:15:00.000000Z");
  }

  /**
   * A live timeline document (as {@code GET /deployments/{id}} serves one) with executions still
   * waiting for their target guard: {@code Configure} on web-2 (its start given as its wait's
   * start) and on web-3 (no start at all) wait for {@code Deploy}, which still runs there; on web-1
   * {@code Configure} waited, then ran. Four bars, three waits, two of them still waiting.
   */
  static ObjectNode liveWithWaiting() throws Exception {
    List<StepEntry> steps =
        List.of(
            new StepEntry(0, "Deploy", 0, null, StepStatus.RUNNING, 10, null, false, 3, 0, null),
            new StepEntry(
                1, "Configure", 0, null, StepStatus.RUNNING, 10, null, false, 3, 0, null));
    String heldBy = "this deployment step \"Deploy\"";
    List<ExecutionEntry> executions =
        List.of(
            new ExecutionEntry(
                "Deploy",
                0,
                0,
                "web-1",
                1,
                ExecutionStatus.SUCCEEDED,
                0,
                1_000.0,
                null,
                null,
                null),
            new ExecutionEntry(
                "Deploy", 0, 0, "web-2", 1, ExecutionStatus.RUNNING, 0, null, null, null, null),
            new ExecutionEntry(
                "Deploy", 0, 0, "web-3", 1, ExecutionStatus.RUNNING, 200, null, null, null, null),
            new ExecutionEntry(
                "Configure",
                1,
                0,
                "web-1",
                1,
                ExecutionStatus.SUCCEEDED,
                1_000,
                1_500.0,
                0.0,
                heldBy,
                null));
    Timeline timeline =
        new Timeline(
            "20261126T101500-3f9a1c",
            "live",
            DeploymentStatus.RUNNING,
            10,
            TargetIsolation.EXCLUSIVE,
            0,
            null,
            steps,
            executions,
            "2026-11-26T10:15:00.000000Z");
    ObjectNode document = (ObjectNode) JSON.readTree(TimelineJson.toJson(timeline));
    ArrayNode entries = (ArrayNode) document.path("executions");
    entries.add(waiting("web-2", 0.0, heldBy).put("startMs", 0.0));
    entries.add(waiting("web-3", 300.0, heldBy).putNull("startMs"));
    return document;
  }

  /** An execution waiting for its guard, as a live timeline lists it: status WAITING, no end. */
  private static ObjectNode waiting(String target, double since, String heldBy) {
    ObjectNode entry =
        JSON.createObjectNode()
            .put("step", "Configure")
            .put("stepIndex", 1)
            .put("block", 0)
            .put("target", target)
            .put("attempt", 1)
            .put("status", "WAITING");
    entry.putNull("endMs");
    entry.put("waitingSinceMs", since).put("waitingFor", heldBy);
    entry.putNull("message");
    return entry;
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
