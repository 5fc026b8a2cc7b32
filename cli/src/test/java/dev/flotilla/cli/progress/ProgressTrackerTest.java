package dev.flotilla.cli.progress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.cli.progress.ProgressSnapshot.StepRow;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionWaiting;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.RunCondition;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A step's bar counts each target once, whatever kind of step it is and however often it was tried.
 */
class ProgressTrackerTest {

  private static final ActionSpec NOTHING = new ActionSpec("simulate", Map.of());
  private static final long T0 = 1_700_000_000_000_000L;
  private static final List<Target> HOSTS =
      List.of(new Target("web-1", List.of("web")), new Target("web-2", List.of("web")));

  private ProgressTracker tracker;

  @Test
  void rollingTargetIsDoneWhenItLeavesTheLastChild() {
    // Proves a target in a rolling step is counted once, after its last child, not per child.
    start(
        Step.rolling(
            "Roll", 1, List.of(Step.of("Drain", NOTHING), Step.of("Deploy", NOTHING)), "web"));
    finish(1, "web-1", ExecutionStatus.SUCCEEDED, true);
    assertThat(row().done()).isZero();
    assertThat(row().targets().running()).isZero();

    tracker.onEvent(new ExecutionStarted(2, "web-1", 1, T0));
    assertThat(row().targets().running()).isEqualTo(1);
    assertThat(row().window()).extracting(ProgressSnapshot.Child::running).containsExactly(0, 1);
    finish(2, "web-1", ExecutionStatus.SUCCEEDED, true);

    assertThat(row().done()).isEqualTo(1);
    assertThat(row().targets().succeeded()).isEqualTo(1);
    assertThat(row().total()).isEqualTo(2);
  }

  @Test
  void rollingTargetThatFailsIsDoneAtOnceWhenNoLaterChildRunsAfterAFailure() {
    // Proves a failed target counts as done and failed when its later children are all `success`
    // ones.
    start(
        Step.rolling(
            "Roll", 1, List.of(Step.of("Drain", NOTHING), Step.of("Deploy", NOTHING)), "web"));

    finish(1, "web-1", ExecutionStatus.FAILED, true);

    assertThat(row().done()).isEqualTo(1);
    assertThat(row().targets().failed()).isEqualTo(1);
  }

  @Test
  void rollingTargetThatFailsRunsItsAlwaysChildAndIsCountedOnce() {
    // Proves a target that failed a child, then ran an `always` child, is one failed target, not
    // two.
    start(
        Step.rolling(
            "Roll",
            1,
            List.of(
                Step.of("Deploy", NOTHING),
                Step.of("Undrain", NOTHING).withCondition(RunCondition.ALWAYS)),
            "web"));

    finish(1, "web-1", ExecutionStatus.FAILED, true);
    assertThat(row().done()).isZero();
    finish(2, "web-1", ExecutionStatus.SUCCEEDED, true);

    assertThat(row().done()).isEqualTo(1);
    assertThat(row().targets().failed()).isEqualTo(1);
    assertThat(row().targets().succeeded()).isZero();
  }

  @Test
  void rollingTargetIsDoneWhenItsRemainingChildrenDoNotRunForIt() {
    // Proves a target that succeeded is done although a trailing `failure` child never runs on it.
    start(
        Step.rolling(
            "Roll",
            1,
            List.of(
                Step.of("Deploy", NOTHING),
                Step.of("Collect logs", NOTHING).withCondition(RunCondition.FAILURE)),
            "web"));

    finish(1, "web-1", ExecutionStatus.SUCCEEDED, true);

    assertThat(row().done()).isEqualTo(1);
  }

  @Test
  void retriedAttemptsCountTheTargetOnce() {
    // Proves a failed attempt that is retried is not a done target; the final attempt is, once.
    start(Step.of("Deploy", NOTHING, "web"));

    finish(0, "web-1", ExecutionStatus.FAILED, false);
    assertThat(row().done()).isZero();
    assertThat(row().retried()).isEqualTo(1);
    finish(0, "web-1", ExecutionStatus.SUCCEEDED, true);

    assertThat(row().done()).isEqualTo(1);
    assertThat(row().targets().succeeded()).isEqualTo(1);
    assertThat(row().targets().failed()).isZero();
    assertThat(tracker.executions().failed()).isZero();
  }

  @Test
  void stepOnTheEngineHasOneTarget() {
    // Proves a runOnServer step's bar is out of 1, and full when its one execution ends.
    start(Step.onServer("Notify", NOTHING));
    tracker.onEvent(new ExecutionStarted(0, null, 1, T0));
    assertThat(row().total()).isEqualTo(1);
    assertThat(row().targets().running()).isEqualTo(1);

    finish(0, null, ExecutionStatus.SUCCEEDED, true);

    assertThat(row().done()).isEqualTo(1);
  }

  @Test
  void waitingExecutionNamesTheStepThatTookTheGuardSinceItQueued() {
    // Proves a wait shows the current holder: after "Deploy a" ends, the guard went to "Deploy b".
    start(
        Step.of("Deploy a", NOTHING, "web"),
        Step.of("Deploy b", NOTHING, "web"),
        Step.of("Deploy c", NOTHING, "web"));
    tracker.onEvent(new StepStarted(1, T0));
    tracker.onEvent(new StepStarted(2, T0));
    tracker.onEvent(new ExecutionStarted(0, "web-1", 1, T0));
    tracker.onEvent(new ExecutionWaiting(1, "web-1", 1, "deployment d-1 step \"Deploy a\"", T0));
    tracker.onEvent(new ExecutionWaiting(2, "web-1", 1, "deployment d-1 step \"Deploy a\"", T0));
    assertThat(rows().get(2).waitingFor().heldBy()).isEqualTo("this deployment step \"Deploy a\"");
    assertThat(tracker.snapshot(T0).mostWaitedFor().count()).isEqualTo(2);

    finish(0, "web-1", ExecutionStatus.SUCCEEDED, true);
    tracker.onEvent(new ExecutionStarted(1, "web-1", 1, T0));

    assertThat(rows().get(2).waitingFor())
        .isEqualTo(new ProgressSnapshot.Wait("web-1", "this deployment step \"Deploy b\"", 1));
    assertThat(rows().get(1).waitingFor()).isNull();
    assertThat(tracker.executions().waiting()).isEqualTo(1);
  }

  @Test
  void finishedStepLeavesThePanelAndTakesItsWaitsAlong() {
    // Proves a step that ends (a cancel) with executions still queued leaves no waits counted.
    start(Step.of("Deploy", NOTHING, "web"));
    tracker.onEvent(new ExecutionWaiting(0, "web-2", 1, "deployment d-9 step \"Patch\"", T0));

    tracker.onEvent(new StepFinished(0, StepStatus.CANCELLED, 0, T0));

    assertThat(rows()).isEmpty();
    assertThat(tracker.executions().waiting()).isZero();
    assertThat(tracker.snapshot(T0).mostWaitedFor()).isNull();
  }

  private void start(Step... steps) {
    DeploymentPlan plan = DeploymentPlan.of("plan", HOSTS, List.of(steps));
    tracker = new ProgressTracker(PlanLayout.of(plan), T0);
    tracker.onEvent(new DeploymentAccepted("d-1", plan, T0));
    tracker.onEvent(new DeploymentStarted(T0));
    tracker.onEvent(new StepStarted(0, T0));
  }

  private void finish(int step, String target, ExecutionStatus status, boolean last) {
    tracker.onEvent(new ExecutionStarted(step, target, 1, T0));
    tracker.onEvent(new ExecutionFinished(step, target, 1, status, null, List.of(), last, T0));
  }

  private List<StepRow> rows() {
    return tracker.snapshot(T0).steps();
  }

  private StepRow row() {
    return rows().get(0);
  }
}
