package dev.flotilla.engine.internal.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.deployment.DeploymentEvent.InterventionAnswered;
import dev.flotilla.engine.deployment.DeploymentEvent.InterventionRaised;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.plan.InvalidPlanException;
import dev.flotilla.engine.testing.ControlledActions;
import dev.flotilla.engine.testing.ControlledActions.Execution;
import dev.flotilla.engine.testing.RecordingListener;
import dev.flotilla.engine.timeline.Timeline;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Guided failure and manual steps through the embedding API, one rule per test: the step goes on
 * while a person decides, an intervention holds no guard and no slot, and each answer does what
 * docs/semantics.md says.
 */
class GuidedFailureBehaviourTest {

  private static final ActionSpec CONTROLLED = new ActionSpec(ControlledActions.NAME, Map.of());
  private static final Duration QUIET = Duration.ofMillis(150);

  private ControlledActions actions;
  private Flotilla engine;
  private RecordingListener raised;

  @BeforeEach
  void startEngine() {
    actions = new ControlledActions();
    engine =
        Flotilla.start(
            EngineSettings.fromConfig(ConfigFactory.load())
                .withActionTypes(ActionTypes.builtIn().with(actions)));
  }

  @AfterEach
  void stopEngine() {
    engine.close();
  }

  private static List<Target> targets(String role, String... names) {
    return Arrays.stream(names).map(name -> new Target(name, List.of(role))).toList();
  }

  private static Step step(String name, String... roles) {
    return Step.of(name, CONTROLLED, roles);
  }

  private static DeploymentPlan guided(String name, List<Target> targets, Step... steps) {
    return DeploymentPlan.of(name, targets, List.of(steps)).withGuidedFailure(true);
  }

  private static DeploymentResult await(DeploymentHandle handle) throws Exception {
    return handle.result().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static InterventionReply answer(
      DeploymentHandle handle, int number, InterventionDecision decision) throws Exception {
    return handle
        .answer(number, decision, "alice", "checked")
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void aWaitingInterventionTakesNoSlotSoTheStepGoesOnWithItsOtherTargets() throws Exception {
    // Proves, at a target cap of 1, that w2 starts while w1 waits for a person, and that retry
    // runs w1 again as attempt 2 once the slot is free.
    RecordingListener events = new RecordingListener();
    DeploymentHandle handle =
        engine.submit(
            guided(
                "slots", targets("web", "w1", "w2"), step("Deploy", "web").withMaxParallelism(1)),
            events);

    actions.next().fail("disk full");
    events.await(InterventionRaised.class, raised -> raised.target().equals("w1"));
    Execution w2 = actions.next();
    assertThat(w2.target).isEqualTo("w2");
    assertThat(handle.interventions())
        .singleElement()
        .satisfies(
            pending -> {
              assertThat(pending.number()).isEqualTo(1);
              assertThat(pending.reason()).isEqualTo("disk full");
              assertThat(pending.allowed()).containsExactly("retry", "ignore", "exclude", "fail");
            });

    assertThat(answer(handle, 1, InterventionDecision.RETRY).accepted()).isTrue();
    actions.expectNoStart(QUIET);
    w2.succeed();
    Execution retried = actions.next();
    assertThat(retried.target).isEqualTo("w1");
    assertThat(retried.attempt).isEqualTo(2);
    retried.succeed();

    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(result.timeline().executions())
        .filteredOn(entry -> "w1".equals(entry.target()))
        .extracting(
            Timeline.ExecutionEntry::attempt,
            Timeline.ExecutionEntry::status,
            Timeline.ExecutionEntry::intervention)
        .containsExactly(
            Tuple.tuple(1, ExecutionStatus.FAILED, 1),
            Tuple.tuple(2, ExecutionStatus.SUCCEEDED, null));
    assertThat(result.timeline().interventions())
        .singleElement()
        .satisfies(
            done -> {
              assertThat(done.decision()).isEqualTo("retry");
              assertThat(done.answeredBy()).isEqualTo("alice");
              assertThat(done.note()).isEqualTo("checked");
              assertThat(done.answeredAtMs()).isGreaterThanOrEqualTo(done.raisedAtMs());
            });
  }

  @Test
  void aWaitingInterventionHoldsNoGuardSoAnotherDeploymentUsesTheMachine() throws Exception {
    // Proves the guard is given back while a person decides, and taken anew for the retry.
    DeploymentHandle first =
        engine.submit(guided("first", targets("web", "host"), step("One", "web")));
    actions.next().fail("boom");
    DeploymentHandle second =
        engine.submit(
            DeploymentPlan.of("second", targets("web", "host"), List.of(step("Two", "web"))));

    Execution two = actions.next();
    assertThat(two.step).isEqualTo("Two");
    assertThat(answer(first, 1, InterventionDecision.RETRY).accepted()).isTrue();
    actions.expectNoStart(QUIET);
    two.succeed();
    actions.next().succeed();

    assertThat(await(second).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(await(first).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
  }

  @Test
  void ignoreLetsLaterSuccessStepsRunAndRecordsIgnored() throws Exception {
    // Proves ignore counts as succeeded for run conditions and the timeline shows IGNORED.
    DeploymentHandle handle =
        submit(guided("ignore", targets("web", "w1"), step("Deploy", "web"), step("Smoke", "web")));
    actions.next().fail("flaky");
    awaitPending(handle);

    answer(handle, 1, InterventionDecision.IGNORE);
    Execution smoke = actions.next();
    assertThat(smoke.step).isEqualTo("Smoke");
    smoke.succeed();

    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(result.timeline().executions())
        .extracting(Timeline.ExecutionEntry::status)
        .containsExactly(ExecutionStatus.IGNORED, ExecutionStatus.SUCCEEDED);
    assertThat(result.steps().get(0).status()).isEqualTo(StepStatus.SUCCEEDED);
  }

  @Test
  void excludeTakesTheTargetOutOfEveryLaterStep() throws Exception {
    // Proves an excluded target runs no later step and the deployment still succeeds.
    DeploymentHandle handle =
        submit(
            guided(
                "exclude",
                targets("web", "w1", "w2"),
                step("Deploy", "web"),
                step("Smoke", "web")));
    List<Execution> deploy = actions.next(2);
    deploy.stream().filter(e -> e.target.equals("w1")).findFirst().orElseThrow().fail("dead");
    deploy.stream().filter(e -> e.target.equals("w2")).findFirst().orElseThrow().succeed();
    awaitPending(handle);

    answer(handle, 1, InterventionDecision.EXCLUDE);
    Execution smoke = actions.next();
    assertThat(smoke.target).isEqualTo("w2");
    smoke.succeed();

    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(result.timeline().executions())
        .extracting(Timeline.ExecutionEntry::step, Timeline.ExecutionEntry::target)
        .doesNotContain(Tuple.tuple("Smoke", "w1"));
    assertThat(result.timeline().executions())
        .filteredOn(entry -> "w1".equals(entry.target()))
        .extracting(Timeline.ExecutionEntry::status)
        .containsExactly(ExecutionStatus.EXCLUDED);
  }

  @Test
  void failEndsTheExecutionAsWithoutGuidedFailure() throws Exception {
    // Proves fail fails the step and the deployment, and success steps after it are skipped.
    DeploymentHandle handle =
        submit(guided("fail", targets("web", "w1"), step("Deploy", "web"), step("Smoke", "web")));
    actions.next().fail("broken");
    awaitPending(handle);

    answer(handle, 1, InterventionDecision.FAIL);

    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(result.steps())
        .extracting(DeploymentResult.StepSummary::status)
        .containsExactly(StepStatus.FAILED, StepStatus.SKIPPED);
  }

  @Test
  void answersAreCheckedAndAnAnsweredInterventionRefusesMore() throws Exception {
    // Proves the engine method by id answers like the handle, a decision the intervention does
    // not allow is refused, and a second answer is refused naming the one that stands.
    DeploymentHandle handle =
        submit(guided("checked", targets("web", "w1"), step("Deploy", "web").withRequired(true)));
    actions.next().fail("boom");
    awaitPending(handle);
    String id = handle.deploymentId();

    InterventionReply notAllowed =
        engine.answer(id, 1, InterventionDecision.IGNORE, "bob", null).toCompletableFuture().join();
    assertThat(notAllowed.outcome()).isEqualTo(InterventionReply.Outcome.NOT_ALLOWED);
    assertThat(engine.interventions(id)).hasValueSatisfying(list -> assertThat(list).hasSize(1));
    assertThat(
            engine
                .answer(id, 1, InterventionDecision.RETRY, "bob", null)
                .toCompletableFuture()
                .join())
        .satisfies(reply -> assertThat(reply.accepted()).isTrue());
    InterventionReply again =
        engine
            .answer(id, 1, InterventionDecision.RETRY, "carol", null)
            .toCompletableFuture()
            .join();
    assertThat(again.outcome()).isEqualTo(InterventionReply.Outcome.ALREADY_ANSWERED);
    assertThat(again.message()).contains("retry by bob");
    assertThat(
            engine
                .answer("no-such-id", 1, InterventionDecision.RETRY, null, null)
                .toCompletableFuture()
                .join()
                .outcome())
        .isEqualTo(InterventionReply.Outcome.UNKNOWN_DEPLOYMENT);

    actions.next().succeed();
    assertThat(await(handle).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(answer(handle, 1, InterventionDecision.FAIL).outcome())
        .isEqualTo(InterventionReply.Outcome.DEPLOYMENT_FINISHED);
  }

  @Test
  void cancellingEndsADeploymentWaitingOnInterventionsAtOnce() throws Exception {
    // Proves a cancel needs no answer to each pending intervention (an Octopus complaint): it
    // ends the deployment, and the timeline closes them unanswered.
    DeploymentHandle handle =
        submit(guided("cancel", targets("web", "w1", "w2"), step("Deploy", "web")));
    actions.next(2).forEach(execution -> execution.fail("boom"));
    awaitPending(handle, 2);
    assertThat(handle.interventions()).hasSize(2);

    handle.cancel("release called off");

    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.CANCELLED);
    assertThat(result.timeline().interventions())
        .hasSize(2)
        .allSatisfy(
            closed -> {
              assertThat(closed.decision()).isNull();
              assertThat(closed.answeredAtMs()).isNotNull();
            });
    assertThat(result.timeline().executions())
        .extracting(Timeline.ExecutionEntry::status)
        .containsOnly(ExecutionStatus.FAILED);
  }

  @Test
  void aManualStepWaitsForProceedAndPublishesOctopusOutputs() throws Exception {
    // Proves a manual step runs no action, waits on the engine, and proceed lets the
    // deployment go on, recording Manual.Approved, Manual.Notes and Manual.ResponsibleUser.
    RecordingListener events = new RecordingListener();
    DeploymentHandle handle =
        engine.submit(
            DeploymentPlan.of(
                "approval",
                targets("web", "w1"),
                List.of(Step.manual("Approve", "Check staging", "ops"), step("Production", "web"))),
            events);
    InterventionRaised raised = events.await(InterventionRaised.class, r -> true);
    assertThat(raised.target()).isNull();
    assertThat(handle.snapshot().executions())
        .singleElement()
        .satisfies(
            waiting ->
                assertThat(waiting.status()).isEqualTo(ExecutionStatus.AWAITING_INTERVENTION));
    actions.expectNoStart(QUIET);

    answer(handle, 1, InterventionDecision.PROCEED);
    actions.next().succeed();

    assertThat(await(handle).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(events.await(InterventionAnswered.class, a -> true).outputs())
        .containsEntry("Manual.Approved", "True")
        .containsEntry("Manual.Notes", "checked")
        .containsEntry("Manual.ResponsibleUser", "alice");
  }

  @Test
  void abortingAManualStepFailsTheDeploymentWithoutAskingAgain() throws Exception {
    // Proves abort fails the step at once even under guided failure (no second intervention).
    DeploymentHandle handle =
        submit(
            guided(
                "abort",
                targets("web", "w1"),
                Step.manual("Approve", "Check staging", null),
                step("Production", "web")));
    awaitPending(handle);

    answer(handle, 1, InterventionDecision.ABORT);

    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(result.timeline().interventions()).hasSize(1);
    assertThat(result.timeline().executions())
        .singleElement()
        .satisfies(
            aborted -> {
              assertThat(aborted.status()).isEqualTo(ExecutionStatus.FAILED);
              assertThat(aborted.message()).isEqualTo("aborted by alice: checked");
            });
  }

  /** Submits a plan, keeping its events for {@link #awaitPending}. */
  private DeploymentHandle submit(DeploymentPlan plan) throws InvalidPlanException {
    raised = new RecordingListener();
    return engine.submit(plan, raised);
  }

  private void awaitPending(DeploymentHandle handle) throws InterruptedException {
    awaitPending(handle, 1);
  }

  /** Waits for {@code count} interventions of the deployment last {@link #submit submitted}. */
  private void awaitPending(DeploymentHandle handle, int count) throws InterruptedException {
    for (int i = 0; i < count; i++) {
      raised.await(InterventionRaised.class, event -> true);
    }
    assertThat(handle.interventions()).hasSizeGreaterThanOrEqualTo(count);
  }
}
