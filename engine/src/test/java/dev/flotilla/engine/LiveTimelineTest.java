package dev.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Readers of a live timeline see whole prefixes of the deployment's events, from any thread. */
class LiveTimelineTest {

  private static final int TARGETS = 2_000;
  private static final long T0 = 1_700_000_000_000_000L;

  private static DeploymentPlan plan() {
    List<Target> targets = new ArrayList<>();
    for (int i = 0; i < TARGETS; i++) {
      targets.add(new Target("t" + i, List.of("web")));
    }
    return DeploymentPlan.of(
        "live", targets, List.of(Step.of("Deploy", new ActionSpec("simulate", Map.of()), "web")));
  }

  private static List<DeploymentEvent> events(DeploymentPlan plan) {
    List<DeploymentEvent> events = new ArrayList<>();
    long at = T0;
    events.add(new DeploymentAccepted("d1", plan, at));
    events.add(new DeploymentStarted(++at));
    events.add(new StepStarted(0, ++at));
    for (int i = 0; i < TARGETS; i++) {
      events.add(new ExecutionStarted(0, "t" + i, 1, ++at));
      events.add(
          new ExecutionFinished(
              0, "t" + i, 1, ExecutionStatus.SUCCEEDED, null, List.of("a line"), true, ++at));
    }
    events.add(new StepFinished(0, StepStatus.SUCCEEDED, 0, ++at));
    events.add(new DeploymentFinished(DeploymentStatus.SUCCEEDED, ++at));
    return events;
  }

  @Test
  void beforeItsFirstEventADeploymentShowsAsSubmittedAndQueued() {
    LiveTimeline live = new LiveTimeline("d1", plan(), T0);

    Timeline timeline = live.timeline();

    assertThat(timeline.deploymentId()).isEqualTo("d1");
    assertThat(timeline.status()).isEqualTo(DeploymentStatus.QUEUED);
    assertThat(timeline.steps()).hasSize(1);
    assertThat(timeline.executions()).isEmpty();
  }

  @Test
  void aReaderOnAnotherThreadOnlyEverSeesWholePrefixesWhileTheWriterAppends() throws Exception {
    DeploymentPlan plan = plan();
    List<DeploymentEvent> events = events(plan);
    LiveTimeline live = new LiveTimeline("d1", plan, T0);
    AtomicBoolean written = new AtomicBoolean();
    CompletableFuture<List<String>> reader =
        CompletableFuture.supplyAsync(
            () -> {
              List<String> problems = new ArrayList<>();
              int lastSeen = 0;
              int snapshots = 0;
              while (!written.get() || snapshots == 0) {
                Timeline timeline = live.timeline();
                snapshots++;
                List<Timeline.ExecutionEntry> executions = timeline.executions();
                long running =
                    executions.stream().filter(e -> e.status() == ExecutionStatus.RUNNING).count();
                // A whole prefix of this stream has every execution but the last one finished.
                if (running > 1 || executions.size() < lastSeen) {
                  problems.add(
                      "not a prefix: "
                          + executions.size()
                          + " executions, "
                          + running
                          + " running, after "
                          + lastSeen);
                }
                lastSeen = executions.size();
              }
              return problems;
            });

    for (DeploymentEvent event : events) {
      live.append(event);
    }
    written.set(true);

    assertThat(reader.get(30, TimeUnit.SECONDS)).isEmpty();
    TimelineRecorder replay = new TimelineRecorder();
    events.forEach(replay::onEvent);
    assertThat(live.folded()).isEqualTo(replay.timeline());
    assertThat(live.timeline()).isEqualTo(replay.timeline());
  }
}
