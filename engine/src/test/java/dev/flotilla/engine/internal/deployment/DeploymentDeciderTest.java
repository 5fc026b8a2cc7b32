package dev.flotilla.engine.internal.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAborted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionInterrupted;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepSkipped;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionKey;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.ApproveStart;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.Decision;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.RunBlock;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.BlockEnded;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.ExecutionEnded;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.Report;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.StartExecution;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.StepBegan;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.StepEnded;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.RunCondition;
import dev.flotilla.engine.model.StartTrigger;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.model.TargetIsolation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The deployment's decisions, without actors: state and what happened in, events and directives
 * out.
 */
class DeploymentDeciderTest {

  private static final ActionSpec SIMULATE = new ActionSpec("simulate", Map.of());
  private static final LongSupplier CLOCK = () -> 1_000L;
  private static final long NOW = 2_000L;

  private static List<Target> targets(String role, String... names) {
    return Arrays.stream(names).map(name -> new Target(name, List.of(role))).toList();
  }

  private static Step step(String name, String... roles) {
    return Step.of(name, SIMULATE, roles);
  }

  private static DeploymentState accepted(DeploymentPlan plan) {
    return DeploymentDecider.accept(DeploymentState.empty(), "d-1", plan, 0L).after();
  }

  private static Decision record(DeploymentState state, Report... reports) {
    return DeploymentDecider.record(state, List.of(reports), CLOCK);
  }

  private static StartExecution start(int step, String target, int attempt) {
    return new StartExecution(step, target, attempt, 10L, null);
  }

  private static ExecutionEnded ended(
      int step, String target, int attempt, ExecutionStatus status, boolean last) {
    return new ExecutionEnded(step, target, attempt, status, null, List.of(), last, 20L, false);
  }

  private static <E> List<E> eventsOf(Decision decision, Class<E> type) {
    return decision.events().stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void acceptingRecordsThePlanOnceOnly() {
    DeploymentPlan plan = DeploymentPlan.of("p", targets("web", "w1"), List.of(step("A", "web")));
    Decision first = DeploymentDecider.accept(DeploymentState.empty(), "d-1", plan, 5L);
    assertThat(first.events())
        .containsExactly(new DeploymentEvent.DeploymentAccepted("d-1", plan, 5L));
    assertThat(DeploymentDecider.accept(first.after(), "d-1", plan, 6L).events()).isEmpty();
  }

  @Test
  void startSkipsStepsWhoseConditionForbidsThemAndRunsTheFirstBlockWithARunnableStep() {
    DeploymentPlan plan =
        DeploymentPlan.of(
            "p",
            targets("web", "w1"),
            List.of(
                step("OnFailure", "web").withCondition(RunCondition.FAILURE),
                step("Deploy", "web")));
    Decision decision = DeploymentDecider.start(accepted(plan), CLOCK);

    assertThat(decision.events())
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("DeploymentStarted", "StepSkipped", "BlockStarted");
    assertThat(eventsOf(decision, StepSkipped.class))
        .singleElement()
        .satisfies(skipped -> assertThat(skipped.reason()).isEqualTo("condition failure not met"));
    assertThat(decision.directives())
        .singleElement()
        .isInstanceOfSatisfying(RunBlock.class, run -> assertThat(run.steps()).containsExactly(1));
    assertThat(decision.after().status()).isEqualTo(DeploymentStatus.RUNNING);
    assertThat(decision.finished()).isFalse();
  }

  @Test
  void aStartIsRecordedBeforeItIsApproved() {
    DeploymentPlan plan = DeploymentPlan.of("p", targets("web", "w1"), List.of(step("A", "web")));
    DeploymentState running = DeploymentDecider.start(accepted(plan), CLOCK).after();
    Decision decision = record(running, new StepBegan(0, 1), start(0, "w1", 1));

    assertThat(decision.events())
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("StepStarted", "ExecutionStarted");
    assertThat(decision.directives()).singleElement().isInstanceOf(ApproveStart.class);
    assertThat(decision.after().running()).containsKey(new ExecutionKey(0, "w1"));
  }

  @Test
  void theLastBlockEndingFinishesTheDeploymentByWhatFailed() {
    DeploymentPlan plan = DeploymentPlan.of("p", targets("web", "w1"), List.of(step("A", "web")));
    DeploymentState running =
        record(
                DeploymentDecider.start(accepted(plan), CLOCK).after(),
                new StepBegan(0, 1),
                start(0, "w1", 1))
            .after();
    Decision decision =
        record(
            running,
            ended(0, "w1", 1, ExecutionStatus.FAILED, true),
            new StepEnded(0, 0),
            new BlockEnded(0));

    assertThat(eventsOf(decision, StepFinished.class))
        .singleElement()
        .satisfies(finished -> assertThat(finished.status()).isEqualTo(StepStatus.FAILED));
    assertThat(eventsOf(decision, DeploymentFinished.class))
        .singleElement()
        .satisfies(finished -> assertThat(finished.status()).isEqualTo(DeploymentStatus.FAILED));
    assertThat(decision.finished()).isTrue();
  }

  @Test
  void aStepThatEndsWithAnExecutionStillRecordedAsRunningEndsItFailed() {
    DeploymentPlan plan =
        DeploymentPlan.of("p", targets("web", "w1", "w2"), List.of(step("A", "web")));
    DeploymentState running =
        record(
                DeploymentDecider.start(accepted(plan), CLOCK).after(),
                new StepBegan(0, 2),
                start(0, "w1", 1),
                start(0, "w2", 1))
            .after();
    Decision decision =
        record(running, ended(0, "w1", 1, ExecutionStatus.SUCCEEDED, true), new StepEnded(0, 0));

    assertThat(eventsOf(decision, ExecutionFinished.class))
        .extracting(
            ExecutionFinished::target, ExecutionFinished::status, ExecutionFinished::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("w1", ExecutionStatus.SUCCEEDED, null),
            org.assertj.core.groups.Tuple.tuple(
                "w2", ExecutionStatus.FAILED, DeploymentDecider.ORPHANED));
    assertThat(decision.after().running()).isEmpty();
    assertThat(decision.after().step(0).status()).isEqualTo(StepStatus.FAILED);
  }

  @Test
  void cancelEndsRunningExecutionsAndStepsCountingUnstartedTargetsAndSkipsPendingSteps() {
    DeploymentPlan plan =
        DeploymentPlan.of(
            "p",
            targets("web", "w1", "w2", "w3"),
            List.of(step("A", "web").withMaxParallelism(1), step("B", "web")));
    DeploymentState running =
        record(
                DeploymentDecider.start(accepted(plan), CLOCK).after(),
                new StepBegan(0, 3),
                start(0, "w1", 1))
            .after();
    Decision decision = DeploymentDecider.cancel(running, "stop", NOW);

    assertThat(decision.events())
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly(
            "CancelRequested",
            "ExecutionFinished",
            "StepFinished",
            "StepSkipped",
            "DeploymentFinished");
    assertThat(eventsOf(decision, ExecutionFinished.class))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.status()).isEqualTo(ExecutionStatus.CANCELLED);
              assertThat(e.message()).isEqualTo("deployment cancelled: stop");
            });
    assertThat(eventsOf(decision, StepFinished.class))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.status()).isEqualTo(StepStatus.CANCELLED);
              assertThat(e.targetsNotStarted()).isEqualTo(2);
            });
    assertThat(decision.after().status()).isEqualTo(DeploymentStatus.CANCELLED);
    assertThat(DeploymentDecider.cancel(decision.after(), "again", NOW).events()).isEmpty();
  }

  @Test
  void aQueuedDeploymentCancelledSkipsEveryStep() {
    DeploymentPlan plan =
        DeploymentPlan.of("p", targets("web", "w1"), List.of(step("A", "web"), step("B", "web")));
    Decision decision = DeploymentDecider.cancel(accepted(plan), "not needed", NOW);
    assertThat(decision.events())
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("CancelRequested", "StepSkipped", "StepSkipped", "DeploymentFinished");
    assertThat(decision.after().status()).isEqualTo(DeploymentStatus.CANCELLED);
  }

  @Test
  void cannotRunInterruptsWhatRanForGoodAndSaysWhy() {
    DeploymentPlan plan =
        DeploymentPlan.of("p", targets("web", "w1"), List.of(step("A", "web"), step("B", "web")));
    DeploymentState running =
        record(
                DeploymentDecider.start(accepted(plan), CLOCK).after(),
                new StepBegan(0, 1),
                start(0, "w1", 1))
            .after();
    Decision decision = DeploymentDecider.cannotRun(running, "no action type \"x\"", NOW);

    assertThat(eventsOf(decision, DeploymentAborted.class))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.reason())
                    .isEqualTo("cannot run on this engine: no action type \"x\""));
    assertThat(eventsOf(decision, ExecutionInterrupted.class))
        .singleElement()
        .satisfies(e -> assertThat(e.rerun()).isFalse());
    assertThat(eventsOf(decision, StepSkipped.class))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.reason())
                    .isEqualTo("cannot run on this engine: no action type \"x\""));
    assertThat(decision.after().status()).isEqualTo(DeploymentStatus.FAILED);
  }

  @Test
  void abortFailsWhatRanWithTheReasonAndLeavesNothingRunning() {
    DeploymentPlan plan =
        DeploymentPlan.of(
            "p", targets("web", "w1", "w2"), List.of(step("A", "web"), step("B", "web")));
    DeploymentState running =
        record(
                DeploymentDecider.start(accepted(plan), CLOCK).after(),
                new StepBegan(0, 2),
                start(0, "w1", 1))
            .after();
    Decision decision = DeploymentDecider.abort(running, "journal write failed", NOW);

    assertThat(decision.events().get(0))
        .isEqualTo(new DeploymentAborted("journal write failed", NOW));
    assertThat(eventsOf(decision, ExecutionFinished.class))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.status()).isEqualTo(ExecutionStatus.FAILED);
              assertThat(e.message()).isEqualTo("journal write failed");
              assertThat(e.last()).isTrue();
            });
    assertThat(eventsOf(decision, StepFinished.class))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.status()).isEqualTo(StepStatus.FAILED);
              assertThat(e.targetsNotStarted()).isEqualTo(1);
            });
    assertThat(decision.after().running()).isEmpty();
    assertThat(decision.after().status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(DeploymentDecider.abort(decision.after(), "again", NOW).events()).isEmpty();
  }

  @Test
  void resumeInterruptsWhatWasInFlightAndRunsOnlyWhatIsLeft() {
    DeploymentPlan plan =
        DeploymentPlan.of("p", targets("web", "w1", "w2", "w3"), List.of(step("A", "web")));
    DeploymentState before =
        record(
                DeploymentDecider.start(accepted(plan), CLOCK).after(),
                new StepBegan(0, 3),
                start(0, "w1", 1),
                start(0, "w2", 1),
                ended(0, "w1", 1, ExecutionStatus.SUCCEEDED, true))
            .after();
    Decision decision = DeploymentDecider.start(before, CLOCK);

    assertThat(eventsOf(decision, ExecutionInterrupted.class))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.target()).isEqualTo("w2");
              assertThat(e.rerun()).isTrue();
            });
    RunBlock block = (RunBlock) decision.directives().get(0);
    assertThat(block.work().get(0).targets())
        .extracting(TargetWork::target, TargetWork::firstAttempt)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("w2", 2),
            org.assertj.core.groups.Tuple.tuple("w3", 1));
  }

  @Test
  void aDecisionFoldsItsEventsAndLeavesItsInputAlone() {
    DeploymentPlan plan = DeploymentPlan.of("p", targets("web", "w1"), List.of(step("A", "web")));
    DeploymentState state = DeploymentDecider.start(accepted(plan), CLOCK).after();
    Decision first = record(state, new StepBegan(0, 1), start(0, "w1", 1));
    Decision second = record(state, new StepBegan(0, 1), start(0, "w1", 1));

    assertThat(second.events()).isEqualTo(first.events());
    assertThat(state.running()).isEmpty();
    DeploymentState folded = state;
    for (DeploymentEvent event : first.events()) {
      folded = folded.apply(event);
    }
    assertThat(folded.running()).isEqualTo(first.after().running());
    assertThat(folded.events()).isEqualTo(first.after().events());
  }

  // ---- the start-offset spread of a block's steps ----

  private static List<String> firstTargets(DeploymentPlan plan) {
    PlanLayout layout = PlanLayout.of(plan);
    List<Integer> steps = layout.blocks().get(0);
    Map<Integer, StepWork> work = DeploymentDecider.freshWork(layout, steps);
    List<String> first = new ArrayList<>();
    for (int step : steps) {
      first.add(work.get(step).targets().get(0).target());
    }
    return first;
  }

  @Test
  void stepsOfABlockThatShareTargetsStartAtDifferentPointsOfTheirTargetLists() {
    DeploymentPlan plan =
        DeploymentPlan.of(
            "p",
            targets("web", "w1", "w2", "w3", "w4"),
            List.of(
                step("A", "web"), step("B", "web").withStartTrigger(StartTrigger.WITH_PREVIOUS)));
    assertThat(firstTargets(plan)).containsExactly("w1", "w3");
  }

  @Test
  void stepsOfABlockWithDisjointTargetsStartAtTheirFirstTarget() {
    List<Target> fleet = new ArrayList<>(targets("web", "w1", "w2", "w3", "w4"));
    fleet.addAll(targets("db", "d1", "d2", "d3", "d4"));
    DeploymentPlan plan =
        DeploymentPlan.of(
            "p",
            fleet,
            List.of(
                step("Web", "web"), step("Db", "db").withStartTrigger(StartTrigger.WITH_PREVIOUS)));
    assertThat(firstTargets(plan)).containsExactly("w1", "d1");
  }

  @Test
  void onlyTheStepsThatShareTargetsAreSpreadAndOnlyAmongThemselves() {
    List<Target> fleet = new ArrayList<>(targets("web", "w1", "w2", "w3", "w4"));
    fleet.addAll(targets("db", "d1", "d2"));
    DeploymentPlan plan =
        DeploymentPlan.of(
            "p",
            fleet,
            List.of(
                step("Db", "db"),
                step("Web", "web").withStartTrigger(StartTrigger.WITH_PREVIOUS),
                step("Cache", "web").withStartTrigger(StartTrigger.WITH_PREVIOUS)));
    assertThat(firstTargets(plan)).containsExactly("d1", "w1", "w3");
  }

  @Test
  void sharedIsolationDoesNotSpreadSteps() {
    DeploymentPlan plan =
        DeploymentPlan.of(
                "p",
                targets("web", "w1", "w2", "w3", "w4"),
                List.of(
                    step("A", "web"),
                    step("B", "web").withStartTrigger(StartTrigger.WITH_PREVIOUS)))
            .withTargetIsolation(TargetIsolation.SHARED);
    assertThat(firstTargets(plan)).containsExactly("w1", "w1");
  }

  @Test
  void aRollingStepKeepsPlanOrderButCountsAmongTheSharingSteps() {
    Step rolling = Step.rolling("Roll", 1, List.of(step("Drain")), "web");
    DeploymentPlan plan =
        DeploymentPlan.of(
            "p",
            targets("web", "w1", "w2", "w3", "w4"),
            List.of(rolling, step("B", "web").withStartTrigger(StartTrigger.WITH_PREVIOUS)));
    assertThat(firstTargets(plan)).containsExactly("w1", "w3");
  }
}
