package dev.flotilla.engine.internal.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent.InterventionAnswered;
import dev.flotilla.engine.deployment.DeploymentEvent.InterventionRaised;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.testing.RecordingListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A manual step's timeout, on manual time: it aborts the step when nobody answered in time. */
class ManualStepTimeoutTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.load()));
  private static final ManualTime time = ManualTime.get(testKit.system());

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static DeploymentPlan approval(String name) {
    return DeploymentPlan.of(
        name,
        List.of(),
        List.of(
            Step.manual("Approve", "Check staging", "ops").withTimeout(Duration.ofMinutes(30))));
  }

  @Test
  void anUnansweredManualStepIsAbortedByTheEngineWhenItsTimeoutElapses() throws Exception {
    // Proves the timeout answers abort (by nobody), ends the execution TIMED_OUT and fails the
    // deployment, with Manual.Approved False.
    try (Flotilla engine =
        Flotilla.embed(testKit.system(), EngineSettings.fromConfig(ConfigFactory.load()))) {
      RecordingListener events = new RecordingListener();
      DeploymentHandle handle = engine.submit(approval("timeout"), events);
      events.await(InterventionRaised.class, raised -> true);

      time.timePasses(Duration.ofMinutes(30));

      InterventionAnswered answered = events.await(InterventionAnswered.class, a -> true);
      assertThat(answered.decision()).isEqualTo(InterventionDecision.ABORT);
      assertThat(answered.by()).isNull();
      assertThat(answered.note()).isEqualTo("no answer within 30m00s: aborted");
      assertThat(answered.outputs()).containsEntry("Manual.Approved", "False");
      DeploymentResult result = handle.result().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
      assertThat(result.timeline().executions())
          .singleElement()
          .satisfies(entry -> assertThat(entry.status()).isEqualTo(ExecutionStatus.TIMED_OUT));
    }
  }

  @Test
  void anAnswerBeforeTheTimeoutStandsWhenItElapses() throws Exception {
    // Proves proceed given in time wins: the timer elapsing later records nothing more.
    try (Flotilla engine =
        Flotilla.embed(testKit.system(), EngineSettings.fromConfig(ConfigFactory.load()))) {
      RecordingListener events = new RecordingListener();
      DeploymentHandle handle = engine.submit(approval("in-time"), events);
      events.await(InterventionRaised.class, raised -> true);
      time.timePasses(Duration.ofMinutes(29));

      assertThat(
              handle
                  .answer(1, InterventionDecision.PROCEED, "alice", null)
                  .toCompletableFuture()
                  .get(10, TimeUnit.SECONDS)
                  .accepted())
          .isTrue();
      time.timePasses(Duration.ofMinutes(2));

      DeploymentResult result = handle.result().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      assertThat(events.events())
          .filteredOn(InterventionAnswered.class::isInstance)
          .singleElement()
          .satisfies(
              a ->
                  assertThat(((InterventionAnswered) a).decision())
                      .isEqualTo(InterventionDecision.PROCEED));
    }
  }
}
