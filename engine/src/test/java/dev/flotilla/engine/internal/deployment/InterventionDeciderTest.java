package dev.flotilla.engine.internal.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionInterrupted;
import dev.flotilla.engine.deployment.DeploymentEvent.InterventionAnswered;
import dev.flotilla.engine.deployment.DeploymentEvent.InterventionRaised;
import dev.flotilla.engine.deployment.DeploymentEvent.StepSkipped;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionKey;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.AwaitAnswer;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.Decision;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.DeliverAnswer;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.RunBlock;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.TargetExcluded;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.BlockEnded;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.ExecutionEnded;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.InterventionTimedOut;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.RaiseIntervention;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.Report;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.StartExecution;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.StepBegan;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.StepEnded;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.RunCondition;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * Guided failure and manual steps in the decider: what raising and answering an intervention
 * records, what each decision does to the execution, the step and the run conditions, and what a
 * resumed deployment does with an intervention its journal holds.
 */
class InterventionDeciderTest {

  private static final ActionSpec SIMULATE = new ActionSpec("simulate", Map.of());
  private static final LongSupplier CLOCK = () -> 1_000L;
  private static final long NOW = 2_000L;

  private static List<Target> targets(String role, String... names) {
    return Arrays.stream(names).map(name -> new Target(name, List.of(role))).toList();
  }

  private static DeploymentPlan guided(Step... steps) {
    return DeploymentPlan.of("p", targets("web", "w1", "w2"), List.of(steps))
        .withGuidedFailure(true);
  }

  private static DeploymentState running(DeploymentPlan plan) {
    DeploymentState accepted =
        DeploymentDecider.accept(DeploymentState.empty(), "d-1", plan, 0L).after();
    return DeploymentDecider.start(accepted, CLOCK).after();
  }

  private static Decision record(DeploymentState state, Report... reports) {
    return DeploymentDecider.record(state, List.of(reports), CLOCK);
  }

  private static StartExecution start(int step, String target, int attempt) {
    return new StartExecution(step, target, attempt, 10L, null);
  }

  private static ExecutionEnded failed(int step, String target, int attempt) {
    return new ExecutionEnded(
        step, target, attempt, ExecutionStatus.FAILED, "boom", List.of(), false, 20L, false);
  }

  private static RaiseIntervention raise(int step, String target, int attempt) {
    return new RaiseIntervention(step, target, attempt, ExecutionStatus.FAILED, "boom", null);
  }

  /** Step 0 ran on w1 and failed under guided failure: intervention 1 waits. */
  private static DeploymentState waitingOnW1(DeploymentPlan plan) {
    return record(
            running(plan),
            new StepBegan(0, 2),
            start(0, "w1", 1),
            failed(0, "w1", 1),
            raise(0, "w1", 1))
        .after();
  }

  private static Decision answer(DeploymentState state, int number, InterventionDecision decision) {
    assertThat(DeploymentDecider.refusal(state, number, decision)).isNull();
    return DeploymentDecider.answer(state, number, decision, "alice", "looked at it", NOW);
  }

  private static <E> List<E> eventsOf(Decision decision, Class<E> type) {
    return decision.events().stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void aFailureUnderGuidedFailureRaisesAnInterventionAndFailsNothingYet() {
    // Proves the failed attempt is recorded, an intervention raised with all four decisions,
    // and neither the step nor the deployment counts as failed while it waits.
    Decision decision =
        record(
            running(guided(Step.of("Deploy", SIMULATE, "web"))),
            new StepBegan(0, 2),
            start(0, "w1", 1),
            failed(0, "w1", 1),
            raise(0, "w1", 1));

    assertThat(eventsOf(decision, InterventionRaised.class))
        .singleElement()
        .satisfies(
            raised -> {
              assertThat(raised.number()).isEqualTo(1);
              assertThat(raised.target()).isEqualTo("w1");
              assertThat(raised.reason()).isEqualTo("boom");
              assertThat(raised.allowed())
                  .containsExactly(
                      InterventionDecision.RETRY,
                      InterventionDecision.IGNORE,
                      InterventionDecision.EXCLUDE,
                      InterventionDecision.FAIL);
            });
    assertThat(decision.directives()).last().isInstanceOf(AwaitAnswer.class);
    assertThat(decision.after().failed()).isFalse();
    assertThat(decision.after().step(0).failed()).isZero();
    assertThat(decision.after().pendingInterventions()).hasSize(1);
  }

  @Test
  void aRequiredStepOffersOnlyRetryAndFail() {
    // Proves required: true hides ignore and exclude, and answering with them is refused.
    DeploymentState state =
        waitingOnW1(guided(Step.of("Deploy", SIMULATE, "web").withRequired(true)));

    assertThat(state.interventions().get(1).allowed())
        .containsExactly(InterventionDecision.RETRY, InterventionDecision.FAIL);
    InterventionReply refused = DeploymentDecider.refusal(state, 1, InterventionDecision.IGNORE);
    assertThat(refused.outcome()).isEqualTo(InterventionReply.Outcome.NOT_ALLOWED);
    assertThat(refused.message()).contains("a required step").contains("allowed: retry, fail");
  }

  @Test
  void retryLeavesTheExecutionToItsNextAttempt() {
    // Proves retry records the answer, fails nothing, and the next attempt is numbered on.
    Decision decision =
        answer(
            waitingOnW1(guided(Step.of("Deploy", SIMULATE, "web"))), 1, InterventionDecision.RETRY);

    assertThat(eventsOf(decision, InterventionAnswered.class))
        .singleElement()
        .satisfies(
            answered -> {
              assertThat(answered.by()).isEqualTo("alice");
              assertThat(answered.note()).isEqualTo("looked at it");
              assertThat(answered.outputs()).isEmpty();
            });
    assertThat(decision.directives())
        .singleElement()
        .isInstanceOfSatisfying(
            DeliverAnswer.class,
            deliver -> assertThat(deliver.decision()).isEqualTo(InterventionDecision.RETRY));
    DeploymentState after = decision.after();
    assertThat(after.failed()).isFalse();
    assertThat(after.finished()).doesNotContainKey(new ExecutionKey(0, "w1"));
    assertThat(after.lastAttempt()).containsEntry(new ExecutionKey(0, "w1"), 1);
  }

  @Test
  void ignoreCountsAsSucceededForConditionsAndIsRecordedIgnored() {
    // Proves ignore settles the execution as IGNORED, a success for the step and conditions.
    DeploymentState after =
        answer(
                waitingOnW1(
                    guided(Step.of("Deploy", SIMULATE, "web"), Step.of("Next", SIMULATE, "web"))),
                1,
                InterventionDecision.IGNORE)
            .after();

    assertThat(after.finished()).containsEntry(new ExecutionKey(0, "w1"), ExecutionStatus.IGNORED);
    assertThat(after.failed()).isFalse();
    assertThat(after.step(0).succeeded()).isEqualTo(1);
    Decision next =
        record(
            after,
            start(0, "w2", 1),
            new ExecutionEnded(
                0, "w2", 1, ExecutionStatus.SUCCEEDED, null, List.of(), true, 30L, false),
            new StepEnded(0, 0),
            new BlockEnded(0));
    assertThat(next.after().step(0).status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(next.directives()).last().isInstanceOf(RunBlock.class);
  }

  @Test
  void failFailsTheExecutionForGoodAsWithoutGuidedFailure() {
    // Proves fail settles the attempt's own failure: the deployment has failed, success steps skip.
    DeploymentState after =
        answer(
                waitingOnW1(
                    guided(Step.of("Deploy", SIMULATE, "web"), Step.of("Next", SIMULATE, "web"))),
                1,
                InterventionDecision.FAIL)
            .after();

    assertThat(after.finished()).containsEntry(new ExecutionKey(0, "w1"), ExecutionStatus.FAILED);
    assertThat(after.failed()).isTrue();
    Decision next = record(after, new StepEnded(0, 1), new BlockEnded(0));
    assertThat(eventsOf(next, StepSkipped.class)).extracting(StepSkipped::step).containsExactly(1);
    assertThat(next.after().status()).isEqualTo(DeploymentStatus.FAILED);
  }

  @Test
  void excludeRemovesTheTargetFromEveryLaterStep() {
    // Proves exclude records EXCLUDED, is no failure, and later steps never start the target:
    // a later block leaves it out, and a start already queued for it is turned away.
    DeploymentState after =
        answer(
                waitingOnW1(
                    guided(Step.of("Deploy", SIMULATE, "web"), Step.of("Next", SIMULATE, "web"))),
                1,
                InterventionDecision.EXCLUDE)
            .after();

    assertThat(after.finished()).containsEntry(new ExecutionKey(0, "w1"), ExecutionStatus.EXCLUDED);
    assertThat(after.excluded()).containsExactly("w1");
    assertThat(after.failed()).isFalse();
    Decision next = record(after, new StepEnded(0, 1), new BlockEnded(0));
    assertThat(next.directives())
        .last()
        .isInstanceOfSatisfying(
            RunBlock.class,
            run ->
                assertThat(run.work().get(1).targets())
                    .extracting(TargetWork::target)
                    .containsExactly("w2"));
    Decision turnedAway = record(next.after(), new StepBegan(1, 1), start(1, "w1", 1));
    assertThat(turnedAway.directives()).singleElement().isInstanceOf(TargetExcluded.class);
    assertThat(turnedAway.after().running()).isEmpty();
  }

  @Test
  void anAnsweredInterventionRefusesEveryFurtherAnswer() {
    // Proves answering is idempotent: the second answer, same or not, is refused and changes
    // nothing, and says which answer stands.
    DeploymentState answered =
        answer(
                waitingOnW1(guided(Step.of("Deploy", SIMULATE, "web"))),
                1,
                InterventionDecision.RETRY)
            .after();

    for (InterventionDecision again :
        List.of(InterventionDecision.RETRY, InterventionDecision.FAIL)) {
      InterventionReply refused = DeploymentDecider.refusal(answered, 1, again);
      assertThat(refused.outcome()).isEqualTo(InterventionReply.Outcome.ALREADY_ANSWERED);
      assertThat(refused.message()).contains("retry by alice");
      assertThat(DeploymentDecider.answer(answered, 1, again, "bob", null, NOW).events()).isEmpty();
    }
    assertThat(DeploymentDecider.refusal(answered, 7, InterventionDecision.RETRY).outcome())
        .isEqualTo(InterventionReply.Outcome.UNKNOWN_INTERVENTION);
  }

  @Test
  void aManualStepRaisesProceedOrAbortAndItsAnswerEndsTheExecution() {
    // Proves a manual step's intervention offers proceed and abort, and proceed ends the
    // execution SUCCEEDED in the same write, with Octopus's Manual.* outputs.
    DeploymentPlan plan =
        DeploymentPlan.of(
            "p", targets("web", "w1"), List.of(Step.manual("Approve", "Check staging", "ops")));
    DeploymentState waiting =
        record(
                running(plan),
                new StepBegan(0, 1),
                start(0, null, 1),
                new RaiseIntervention(0, null, 1, ExecutionStatus.RUNNING, null, null))
            .after();
    InterventionRaised raised =
        eventsOf(
                record(
                    record(running(plan), new StepBegan(0, 1), start(0, null, 1)).after(),
                    new RaiseIntervention(0, null, 1, ExecutionStatus.RUNNING, null, null)),
                InterventionRaised.class)
            .get(0);
    assertThat(raised.allowed())
        .containsExactly(InterventionDecision.PROCEED, InterventionDecision.ABORT);
    assertThat(raised.instructions()).isEqualTo("Check staging");
    assertThat(raised.responsible()).isEqualTo("ops");

    Decision proceed = answer(waiting, 1, InterventionDecision.PROCEED);
    assertThat(eventsOf(proceed, InterventionAnswered.class).get(0).outputs())
        .containsEntry("Manual.Approved", "True")
        .containsEntry("Manual.Notes", "looked at it")
        .containsEntry("Manual.ResponsibleUser", "alice");
    assertThat(eventsOf(proceed, ExecutionFinished.class))
        .singleElement()
        .satisfies(end -> assertThat(end.status()).isEqualTo(ExecutionStatus.SUCCEEDED));
    assertThat(proceed.after().failed()).isFalse();
  }

  @Test
  void abortingAManualStepFailsItAndLaterConditionsApply() {
    // Proves abort fails the step (no guided failure on top of it), so a failure step runs
    // and a success step is skipped.
    DeploymentPlan plan =
        DeploymentPlan.of(
                "p",
                targets("web", "w1"),
                List.of(
                    Step.manual("Approve", "Check staging", null),
                    Step.of("Production", SIMULATE, "web"),
                    Step.of("Notify", SIMULATE, "web").withCondition(RunCondition.FAILURE)))
            .withGuidedFailure(true);
    DeploymentState waiting =
        record(
                running(plan),
                new StepBegan(0, 1),
                start(0, null, 1),
                new RaiseIntervention(0, null, 1, ExecutionStatus.RUNNING, null, null))
            .after();

    Decision abort = answer(waiting, 1, InterventionDecision.ABORT);
    assertThat(eventsOf(abort, ExecutionFinished.class))
        .singleElement()
        .satisfies(
            end -> {
              assertThat(end.status()).isEqualTo(ExecutionStatus.FAILED);
              assertThat(end.message()).isEqualTo("aborted by alice: looked at it");
            });
    assertThat(eventsOf(abort, InterventionAnswered.class).get(0).outputs())
        .containsEntry("Manual.Approved", "False");
    Decision next = record(abort.after(), new StepEnded(0, 0), new BlockEnded(0));
    assertThat(eventsOf(next, StepSkipped.class)).extracting(StepSkipped::step).containsExactly(1);
    assertThat(next.directives())
        .last()
        .isInstanceOfSatisfying(RunBlock.class, run -> assertThat(run.steps()).containsExactly(2));
  }

  @Test
  void aManualStepsTimeoutAbortsItUnlessSomeoneAnsweredFirst() {
    // Proves the timeout records abort by the engine and TIMED_OUT; after an answer it does
    // nothing.
    DeploymentPlan plan =
        DeploymentPlan.of(
            "p", targets("web", "w1"), List.of(Step.manual("Approve", "Check", null)));
    DeploymentState waiting =
        record(
                running(plan),
                new StepBegan(0, 1),
                start(0, null, 1),
                new RaiseIntervention(0, null, 1, ExecutionStatus.RUNNING, null, null))
            .after();

    Decision timedOut = record(waiting, new InterventionTimedOut(0, null, 1, "5m"));
    assertThat(eventsOf(timedOut, InterventionAnswered.class))
        .singleElement()
        .satisfies(
            answered -> {
              assertThat(answered.decision()).isEqualTo(InterventionDecision.ABORT);
              assertThat(answered.by()).isNull();
              assertThat(answered.note()).isEqualTo("no answer within 5m: aborted");
            });
    assertThat(eventsOf(timedOut, ExecutionFinished.class).get(0).status())
        .isEqualTo(ExecutionStatus.TIMED_OUT);

    DeploymentState proceeded = answer(waiting, 1, InterventionDecision.PROCEED).after();
    assertThat(record(proceeded, new InterventionTimedOut(0, null, 1, "5m")).events()).isEmpty();
  }

  @Test
  void aResumedDeploymentWaitsForTheSameInterventionInsteadOfRunningAgain() {
    // Proves an intervention pending at a crash survives: the manual execution is not
    // interrupted, the failed target is queued first to wait again, nothing is raised twice,
    // and an answer given meanwhile is handed over at once.
    DeploymentPlan plan =
        DeploymentPlan.of(
                "p",
                targets("web", "w1", "w2"),
                List.of(
                    Step.manual("Approve", "Check", null),
                    Step.of("Deploy", SIMULATE, "web")
                        .withStartTrigger(dev.flotilla.engine.model.StartTrigger.WITH_PREVIOUS)))
            .withGuidedFailure(true);
    DeploymentState crashed =
        record(
                running(plan),
                new StepBegan(0, 1),
                new StepBegan(1, 2),
                start(0, null, 1),
                new RaiseIntervention(0, null, 1, ExecutionStatus.RUNNING, null, null),
                start(1, "w2", 1),
                failed(1, "w2", 1),
                raise(1, "w2", 1))
            .after();

    Decision resumed = DeploymentDecider.start(crashed, CLOCK);

    assertThat(eventsOf(resumed, ExecutionInterrupted.class)).isEmpty();
    RunBlock block = (RunBlock) resumed.directives().get(0);
    assertThat(block.work().get(0).targets())
        .singleElement()
        .satisfies(work -> assertThat(work.waiting().number()).isEqualTo(1));
    assertThat(block.work().get(1).targets())
        .extracting(TargetWork::target)
        .containsExactly("w2", "w1");
    assertThat(block.work().get(1).targets().get(0).waiting().number()).isEqualTo(2);
    assertThat(block.work().get(1).targets().get(0).firstAttempt()).isEqualTo(1);

    Decision askedAgain = record(resumed.after(), raise(1, "w2", 1));
    assertThat(askedAgain.events()).isEmpty();
    assertThat(askedAgain.directives()).singleElement().isInstanceOf(AwaitAnswer.class);

    DeploymentState answered = answer(resumed.after(), 2, InterventionDecision.IGNORE).after();
    Decision lateAsk = record(answered, raise(1, "w2", 1));
    assertThat(lateAsk.events()).isEmpty();
    assertThat(lateAsk.directives())
        .singleElement()
        .isInstanceOfSatisfying(
            DeliverAnswer.class,
            deliver -> assertThat(deliver.decision()).isEqualTo(InterventionDecision.IGNORE));
  }

  @Test
  void aFinishedDeploymentRefusesAnswers() {
    // Proves interventions close with the deployment: an answer after the end is refused.
    DeploymentState waiting = waitingOnW1(guided(Step.of("Deploy", SIMULATE, "web")));
    DeploymentState cancelled = DeploymentDecider.cancel(waiting, "stop", NOW).after();

    assertThat(cancelled.status()).isEqualTo(DeploymentStatus.CANCELLED);
    assertThat(DeploymentDecider.refusal(cancelled, 1, InterventionDecision.RETRY).outcome())
        .isEqualTo(InterventionReply.Outcome.DEPLOYMENT_FINISHED);
  }

  @Test
  void aStepThatEndsWithAnInterventionStillPendingFailsIt() {
    // Proves an intervention whose per-target actor is gone cannot hang the deployment: the
    // step's end settles it as a failure.
    DeploymentState waiting = waitingOnW1(guided(Step.of("Deploy", SIMULATE, "web")));

    Decision ended = record(waiting, new StepEnded(0, 1));

    assertThat(eventsOf(ended, InterventionAnswered.class))
        .singleElement()
        .satisfies(
            answered -> assertThat(answered.decision()).isEqualTo(InterventionDecision.FAIL));
    assertThat(ended.after().step(0).status()).isEqualTo(StepStatus.FAILED);
  }
}
