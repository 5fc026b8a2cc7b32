package dev.flotilla.engine.timeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionWaiting;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.timeline.Timeline.ExecutionEntry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the recorder shows executions that wait for their target's guard. */
class TimelineRecorderTest {

  private static final long T0 = 1_700_000_000_000_000L;
  private static final DeploymentPlan PLAN =
      DeploymentPlan.of(
          "waits",
          List.of(
              new Target("a", List.of("web")),
              new Target("b", List.of("web")),
              new Target("c", List.of("web"))),
          List.of(Step.of("Deploy", new ActionSpec("simulate", Map.of()), "web")));

  private static TimelineRecorder recorder(DeploymentEvent... events) {
    TimelineRecorder recorder = new TimelineRecorder();
    recorder.onEvent(new DeploymentAccepted("d1", PLAN, T0));
    recorder.onEvent(new DeploymentStarted(T0));
    recorder.onEvent(new StepStarted(0, T0));
    for (DeploymentEvent event : events) {
      recorder.onEvent(event);
    }
    return recorder;
  }

  private static ExecutionWaiting waits(String target, long atMicros) {
    return new ExecutionWaiting(0, target, 1, "deployment d0 step \"Deploy\"", atMicros);
  }

  private static ExecutionFinished succeeded(String target, long atMicros) {
    return new ExecutionFinished(
        0, target, 1, ExecutionStatus.SUCCEEDED, null, List.of(), true, atMicros);
  }

  @Test
  void anExecutionWaitingForItsGuardAppearsAsWaitingAfterTheStartedOnes() throws IOException {
    Timeline timeline =
        recorder(waits("b", T0 + 1_000), new ExecutionStarted(0, "a", 1, T0 + 2_000)).timeline();

    assertThat(timeline.executions())
        .extracting(ExecutionEntry::target, ExecutionEntry::status)
        .containsExactly(tuple("a", ExecutionStatus.RUNNING), tuple("b", ExecutionStatus.WAITING));
    ExecutionEntry waiting = timeline.executions().get(1);
    assertThat(waiting.waitingSinceMs()).isEqualTo(1.0);
    assertThat(waiting.startMs()).isEqualTo(1.0);
    assertThat(waiting.endMs()).isNull();
    assertThat(waiting.waitingFor()).isEqualTo("deployment d0 step \"Deploy\"");
    assertThat(TimelineJson.toJson(timeline)).contains("\"status\" : \"WAITING\"");
    assertThat(TimelineJson.parse(TimelineJson.toJson(timeline))).isEqualTo(timeline);
  }

  @Test
  void aWaitingExecutionThatStartsBecomesOneRunningEntryThatRemembersItsWait() {
    Timeline timeline =
        recorder(waits("b", T0 + 1_000), new ExecutionStarted(0, "b", 1, T0 + 5_000)).timeline();

    assertThat(timeline.executions())
        .singleElement()
        .satisfies(
            entry -> {
              assertThat(entry.status()).isEqualTo(ExecutionStatus.RUNNING);
              assertThat(entry.startMs()).isEqualTo(5.0);
              assertThat(entry.waitingSinceMs()).isEqualTo(1.0);
            });
  }

  @Test
  void executionsStillWaitingWhenTheirStepEndsLeaveTheTimeline() {
    TimelineRecorder recorder =
        recorder(
            new ExecutionStarted(0, "a", 1, T0 + 1_000),
            waits("b", T0 + 2_000),
            waits("c", T0 + 2_500),
            new ExecutionFinished(
                0, "a", 1, ExecutionStatus.FAILED, "boom", List.of(), true, T0 + 3_000));
    assertThat(recorder.timeline().executions()).hasSize(3);

    recorder.onEvent(new StepFinished(0, StepStatus.FAILED, 2, T0 + 4_000));

    assertThat(recorder.timeline().executions())
        .singleElement()
        .satisfies(entry -> assertThat(entry.status()).isEqualTo(ExecutionStatus.FAILED));
  }

  @Test
  void aFinishedDeploymentsTimelineHasNoWaitingEntry() {
    Timeline timeline =
        recorder(
                new ExecutionStarted(0, "a", 1, T0 + 1_000),
                succeeded("a", T0 + 2_000),
                waits("b", T0 + 2_500),
                new DeploymentFinished(DeploymentStatus.CANCELLED, T0 + 3_000))
            .timeline();

    assertThat(timeline.executions())
        .extracting(ExecutionEntry::status)
        .containsExactly(ExecutionStatus.SUCCEEDED);
  }
}
