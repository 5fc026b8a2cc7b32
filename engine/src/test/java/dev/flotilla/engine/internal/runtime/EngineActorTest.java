package dev.flotilla.engine.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.testing.ControlledActions;
import dev.flotilla.engine.testing.ControlledActions.Execution;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The engine's own word on a deployment id it already knows: a refusal, never a silent drop. */
class EngineActorTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** What a submitter hears, as messages to a probe. */
  private record Heard(String what, Object detail) {}

  private static EngineActor.Submitter submitter(TestProbe<Heard> probe) {
    return new EngineActor.Submitter() {
      @Override
      public void onEvent(DeploymentEvent event) {
        if (event instanceof DeploymentFinished finished) {
          probe.getRef().tell(new Heard("finished", finished.status()));
        }
      }

      @Override
      public void refused(String reason) {
        probe.getRef().tell(new Heard("refused", reason));
      }

      @Override
      public void released() {
        probe.getRef().tell(new Heard("released", null));
      }
    };
  }

  @Test
  void aSecondSubmissionUnderAnIdTheEngineKnowsIsRefusedAndTheFirstRunsOn() throws Exception {
    ControlledActions actions = new ControlledActions();
    ActorRef<EngineActor.Command> engine =
        testKit.spawn(
            EngineActor.create(
                EngineSettings.defaults().withActionTypes(ActionTypes.builtIn().with(actions))));
    DeploymentPlan plan =
        DeploymentPlan.of(
            "twice",
            List.of(new Target("a", List.of("web"))),
            List.of(Step.of("Deploy", new ActionSpec(ControlledActions.NAME, Map.of()), "web")));
    TestProbe<Heard> first = testKit.createTestProbe();
    TestProbe<Heard> second = testKit.createTestProbe();

    engine.tell(new EngineActor.Submit("d-1", plan, submitter(first)));
    Execution execution = actions.next();
    engine.tell(new EngineActor.Submit("d-1", plan, submitter(second)));

    Heard refusal = second.receiveMessage();
    assertThat(refusal.what()).isEqualTo("refused");
    assertThat((String) refusal.detail()).contains("d-1").contains("in use");
    execution.succeed();
    first.expectMessage(new Heard("finished", DeploymentStatus.SUCCEEDED));
    first.expectMessage(new Heard("released", null));
    second.expectNoMessage(java.time.Duration.ofMillis(200));
  }
}
