package dev.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.InterventionRaised;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.internal.deployment.DeploymentState;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.testing.RecordingListener;
import dev.flotilla.engine.timeline.Timeline;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Output variables: set by an action, journaled with its end, read by later steps. */
class OutputVariablesTest {

  private static final String TARGETS =
      """
      name: outputs
      targets:
        - { name: web-01, roles: [web] }
        - { name: web-02, roles: [web] }
        - { name: db-01, roles: [db] }
      """;

  private Flotilla engine;
  private RecordingListener listener;

  @BeforeEach
  void startEngine() {
    engine =
        Flotilla.start(
            EngineSettings.fromConfig(ConfigFactory.load()).withGuardIdleTimeout(Duration.ZERO));
    listener = new RecordingListener();
  }

  @AfterEach
  void stopEngine() {
    engine.close();
  }

  private DeploymentHandle submit(String steps) throws Exception {
    DeploymentPlan plan = engine.planLoader().parse(TARGETS + steps, "outputs.yaml", Map.of());
    return engine.submit(plan, listener);
  }

  private static DeploymentResult await(DeploymentHandle handle) throws Exception {
    return handle.result().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private List<ExecutionFinished> finished(String step) {
    return listener.events().stream()
        .filter(ExecutionFinished.class::isInstance)
        .map(ExecutionFinished.class::cast)
        .filter(e -> e.step() == indexOf(step))
        .toList();
  }

  private int indexOf(String step) {
    DeploymentEvent.DeploymentAccepted accepted =
        (DeploymentEvent.DeploymentAccepted) listener.events().get(0);
    return dev.flotilla.engine.model.PlanLayout.of(accepted.plan()).stepNamed(step).index();
  }

  @Test
  void aLaterStepReadsWhatEveryTargetSetAlike() throws Exception {
    // Proves both script forms set outputs, the lines leave the log, and a later step reads them.
    DeploymentResult result =
        await(
            submit(
                """
                steps:
                  - name: Build
                    roles: [web]
                    action:
                      type: script
                      run: |
                        echo building
                        set_octopusvariable BuildNumber 42
                        echo "##octopus[setVariable name='$(printf Tag | base64)' value='$(printf v42 | base64)']"
                  - name: Deploy
                    roles: [db]
                    action: { type: script, run: "echo deploying #{Octopus.Action[Build].Output.BuildNumber} #{Octopus.Action[Build].Output[web-02].Tag}" }
                """));

    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(finished("Build"))
        .allSatisfy(
            e -> {
              assertThat(e.log()).containsExactly("building");
              assertThat(e.outputs())
                  .containsExactly(Map.entry("BuildNumber", "42"), Map.entry("Tag", "v42"));
            });
    assertThat(finished("Deploy"))
        .singleElement()
        .satisfies(e -> assertThat(e.log()).containsExactly("deploying 42 v42"));
    assertThat(result.timeline().executions())
        .filteredOn(e -> e.step().equals("Build"))
        .extracting(Timeline.ExecutionEntry::outputs)
        .containsOnly(Map.of("BuildNumber", "42", "Tag", "v42"));
  }

  @Test
  void targetsThatDisagreeFailTheReadingExecutionNamingThem() throws Exception {
    // Proves an ambiguous read is a run-time failure of the reader, not a silent pick.
    DeploymentResult result =
        await(
            submit(
                """
                steps:
                  - { name: Build, roles: [web], action: { type: script, run: "set_octopusvariable Host $FLOTILLA_TARGET" } }
                  - { name: Deploy, roles: [db], action: { type: script, run: "echo #{Octopus.Action[Build].Output.Host}" } }
                """));

    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(finished("Deploy"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.message())
                    .contains("web-01=web-01, web-02=web-02")
                    .contains("Output[TARGET].Host"));
  }

  @Test
  void aStepOnTheSameTargetReadsItsOwnValueAndAConditionCanTestAnOutput() throws Exception {
    // Proves the same-target rule and a variable condition on an output.
    DeploymentResult result =
        await(
            submit(
                """
                steps:
                  - { name: Build, roles: [web], action: { type: script, run: "set_octopusvariable Host $FLOTILLA_TARGET; set_octopusvariable Ready True" } }
                  - { name: Check, roles: [web], action: { type: script, run: "echo #{Octopus.Action[Build].Output.Host}" } }
                  - name: Smoke
                    roles: [db]
                    condition: { variable: "Octopus.Action[Build].Output.Ready" }
                    action: { type: script, run: "echo smoke" }
                  - name: Never
                    roles: [db]
                    condition: { variable: "#{Octopus.Action[Check].Output.Missing}" }
                    action: { type: script, run: "echo never" }
                """));

    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(finished("Check"))
        .extracting(e -> e.target() + ":" + e.log())
        .containsExactlyInAnyOrder("web-01:[web-01]", "web-02:[web-02]");
    assertThat(finished("Smoke"))
        .singleElement()
        .satisfies(e -> assertThat(e.log()).containsExactly("smoke"));
    assertThat(finished("Never")).isEmpty();
  }

  @Test
  void aSensitiveOutputIsMaskedWhereverItIsShownButReadInClear() throws Exception {
    // Proves a sensitive output is journaled and logged masked, yet reaches a later step.
    DeploymentResult result =
        await(
            submit(
                """
                steps:
                  - { name: Login, roles: [db], action: { type: script, run: "set_octopusvariable Token tok-$((123000+456)) -sensitive" } }
                  - { name: Use, roles: [db], action: { type: script, run: "test '#{Octopus.Action[Login].Output.Token}' = tok-$((123000+456)) && echo 'using #{Octopus.Action[Login].Output.Token}'" } }
                """));

    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(finished("Login"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.outputs()).containsEntry("Token", "********");
              assertThat(e.sensitiveOutputs()).containsExactly("Token");
            });
    assertThat(finished("Use"))
        .singleElement()
        .satisfies(e -> assertThat(e.log()).containsExactly("using ********"));
    assertThat(listener.events().toString()).doesNotContain("tok-123456");
  }

  @Test
  void aManualStepsAnswerIsReadAsItsOutputs() throws Exception {
    // Proves Manual.Approved, Manual.Notes and Manual.ResponsibleUser as Octopus names them.
    DeploymentHandle handle =
        submit(
            """
            steps:
              - { name: Approve, action: { type: manual, instructions: "ship #{Octopus.Deployment.Name}?" } }
              - { name: Ship, roles: [db], action: { type: script, run: "echo '#{Octopus.Action[Approve].Output.Manual.Approved} #{Octopus.Action[Approve].Output.Manual.ResponsibleUser} #{Octopus.Action[Approve].Output.Manual.Notes}'" } }
            """);
    InterventionRaised raised = listener.await(InterventionRaised.class, r -> true);
    assertThat(raised.instructions()).isEqualTo("ship outputs?");
    engine
        .answer(handle.deploymentId(), raised.number(), InterventionDecision.PROCEED, "alice", "go")
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    DeploymentResult result = await(handle);

    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(finished("Ship"))
        .singleElement()
        .satisfies(e -> assertThat(e.log()).containsExactly("True alice go"));
  }

  @Test
  void aReplayOfTheEventsSeesTheSameOutputs() throws Exception {
    // Proves outputs are state the journal holds: folding the events again gives them back.
    await(
        submit(
            """
            steps:
              - { name: Build, roles: [db], action: { type: script, run: "set_octopusvariable BuildNumber 7" } }
            """));
    DeploymentState replayed = DeploymentState.empty();
    for (DeploymentEvent event : listener.events()) {
      replayed = replayed.apply(event);
    }
    assertThat(replayed.reads().outputs().get(0))
        .containsEntry("db-01", Map.of("BuildNumber", "7"));
  }

  @Test
  void aRollingStepsFirstChildTestsAnEarlierOutputInItsCondition() throws Exception {
    // Proves a child's condition, decided per target before its first start, sees earlier outputs.
    DeploymentResult result =
        await(
            submit(
                """
                steps:
                  - { name: Build, roles: [db], action: { type: script, run: "set_octopusvariable Ready True" } }
                  - name: Roll
                    roles: [web]
                    rolling: { windowSize: 1 }
                    children:
                      - name: Check
                        condition: { variable: "Octopus.Action[Build].Output.Ready" }
                        action: { type: script, run: "echo ready on $FLOTILLA_TARGET" }
                """));

    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(finished("Check"))
        .extracting(e -> e.log().get(0))
        .containsExactlyInAnyOrder("ready on web-01", "ready on web-02");
  }
}
