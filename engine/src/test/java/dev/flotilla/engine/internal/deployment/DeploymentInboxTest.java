package dev.flotilla.engine.internal.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.ActionRunning;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.ExecutionEnded;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.ExecutionLog;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.Recorded;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.Report;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.StartExecution;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.StepBegan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The inbox's group commit: what goes out together, and what never waits. */
class DeploymentInboxTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  /** Long enough that no test below passes because a hold ran out, except the one about it. */
  private static final Duration NEVER = Duration.ofMinutes(5);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** An inbox in front of a probe standing in for the deployment. */
  private record Fixture(
      ActorRef<DeploymentInbox.Command> inbox, TestProbe<DeploymentActor.Command> deployment) {
    static Fixture create(Duration holdLimit) {
      return create(holdLimit, 2000);
    }

    static Fixture create(Duration holdLimit, int maxBatch) {
      TestProbe<DeploymentActor.Command> deployment = testKit.createTestProbe();
      return new Fixture(
          testKit.spawn(DeploymentInbox.create(deployment.getRef(), maxBatch, holdLimit)),
          deployment);
    }

    /** The next batch the deployment is asked to record, acknowledged as recorded. */
    List<Report> recordNext() {
      DeploymentActor.Record record = deployment.expectMessageClass(DeploymentActor.Record.class);
      inbox.tell(Recorded.INSTANCE);
      return record.reports();
    }

    /**
     * Begins step 0 with {@code targets} targets and starts t0 .. t(cap-1), each of whose actions
     * answers its approval by running on (as a real action would).
     */
    void stepRunning(int targets, int cap) {
      inbox.tell(new StepBegan(0, targets));
      assertThat(recordNext()).hasSize(1);
      for (int i = 0; i < cap; i++) {
        inbox.tell(start("t" + i));
      }
      int recorded = 0;
      while (recorded < cap) {
        for (Report report : recordNext()) {
          StartExecution started = (StartExecution) report;
          inbox.tell(new ActionRunning(started.step(), started.target()));
          recorded++;
        }
      }
    }
  }

  private static StartExecution start(String target) {
    return new StartExecution(
        0, target, 1, 0L, testKit.<ExecutionActor.Command>createTestProbe().getRef());
  }

  /** An end that comes after the action ran on (not at its approval). */
  private static ExecutionEnded ended(String target, ExecutionStatus status) {
    return new ExecutionEnded(0, target, 1, status, null, List.of(), true, 0L, false);
  }

  /** An end that answers the approval: the action ended as it started. */
  private static ExecutionEnded endedAtApproval(String target) {
    return new ExecutionEnded(
        0, target, 1, ExecutionStatus.SUCCEEDED, null, List.of(), true, 0L, true);
  }

  private static List<String> describe(List<Report> reports) {
    return reports.stream()
        .map(
            report ->
                report instanceof StartExecution start
                    ? "start " + start.target()
                    : report instanceof ExecutionEnded end
                        ? "end " + end.target()
                        : report.getClass().getSimpleName())
        .toList();
  }

  @Test
  void endOfAnExecutionWaitsForTheStartThatRefillsItsSlot() {
    Fixture fixture = Fixture.create(NEVER);
    fixture.stepRunning(3, 1);

    fixture.inbox().tell(ended("t0", ExecutionStatus.SUCCEEDED));
    fixture.inbox().tell(start("t1"));

    assertThat(describe(fixture.recordNext())).containsExactly("end t0", "start t1");
  }

  @Test
  void everySlotOfAStepMovesInTheSameWrite() {
    Fixture fixture = Fixture.create(NEVER);
    fixture.inbox().tell(new StepBegan(0, 10));
    fixture.recordNext();
    fixture.inbox().tell(start("t0"));
    fixture.inbox().tell(start("t1"));
    assertThat(describe(fixture.recordNext())).containsExactly("start t0");

    // Zero-length actions end as they are approved. t1 waits for t0's slot to move, so the two
    // slots, which began one write apart, move together from then on.
    fixture.inbox().tell(endedAtApproval("t0"));
    fixture.inbox().tell(start("t2"));
    assertThat(describe(fixture.recordNext())).containsExactly("start t1", "end t0", "start t2");

    fixture.inbox().tell(endedAtApproval("t1"));
    fixture.inbox().tell(start("t3"));
    fixture.inbox().tell(endedAtApproval("t2"));
    fixture.inbox().tell(start("t4"));
    assertThat(describe(fixture.recordNext()))
        .containsExactly("end t1", "start t3", "end t2", "start t4");
  }

  @Test
  void aBatchTakesAtMostMaxBatchReportsOldestFirstAndTheRestFollowInOrder() {
    Fixture fixture = Fixture.create(NEVER, 2);
    fixture.inbox().tell(new StepBegan(0, 10));
    for (int i = 0; i < 5; i++) {
      fixture.inbox().tell(start("t" + i));
    }
    assertThat(describe(fixture.recordNext())).containsExactly("StepBegan");

    List<String> recorded = new ArrayList<>();
    while (recorded.size() < 5) {
      List<Report> batch = fixture.recordNext();
      assertThat(batch).hasSizeBetween(1, 2);
      recorded.addAll(describe(batch));
      for (Report report : batch) {
        fixture.inbox().tell(new ActionRunning(0, ((StartExecution) report).target()));
      }
    }
    assertThat(recorded)
        .containsExactly("start t0", "start t1", "start t2", "start t3", "start t4");
  }

  @Test
  void aLongActionDoesNotHoldTheOtherSlots() {
    Fixture fixture = Fixture.create(NEVER);
    fixture.stepRunning(10, 2);

    fixture.inbox().tell(ended("t0", ExecutionStatus.SUCCEEDED));
    fixture.inbox().tell(start("t2"));

    assertThat(describe(fixture.recordNext())).containsExactly("end t0", "start t2");
  }

  @Test
  void aFailureGoesOutAtOnce() {
    Fixture fixture = Fixture.create(NEVER);
    fixture.stepRunning(3, 1);

    fixture.inbox().tell(ended("t0", ExecutionStatus.FAILED));

    assertThat(fixture.recordNext()).singleElement().isInstanceOf(ExecutionEnded.class);
  }

  @Test
  void theEndOfAStepsLastTargetDoesNotWait() {
    Fixture fixture = Fixture.create(NEVER);
    fixture.stepRunning(1, 1);

    fixture.inbox().tell(ended("t0", ExecutionStatus.SUCCEEDED));

    assertThat(fixture.recordNext()).singleElement().isInstanceOf(ExecutionEnded.class);
  }

  @Test
  void aLogLineGoesOutWithoutWaitingForTheReportsDue() {
    Fixture fixture = Fixture.create(NEVER);
    fixture.stepRunning(10, 2);

    fixture.inbox().tell(new ExecutionLog(0, "t1", 1, "hello"));

    assertThat(fixture.recordNext()).singleElement().isInstanceOf(ExecutionLog.class);
  }

  @Test
  void aHeldReportGoesOutAfterTheHoldLimitWhenWhatItWaitsForNeverComes() {
    Fixture fixture = Fixture.create(Duration.ofMillis(50));
    fixture.stepRunning(3, 1);

    // The slot's next start never comes (the deployment was cancelled, say).
    fixture.inbox().tell(ended("t0", ExecutionStatus.SUCCEEDED));

    assertThat(fixture.recordNext()).singleElement().isInstanceOf(ExecutionEnded.class);
  }

  @Test
  void reportsThatArriveDuringAWriteGoOutTogetherInTheNext() {
    Fixture fixture = Fixture.create(NEVER);
    fixture.inbox().tell(new StepBegan(0, 100));
    DeploymentActor.Record first =
        fixture.deployment().expectMessageClass(DeploymentActor.Record.class);
    for (int i = 0; i < 5; i++) {
      fixture.inbox().tell(new ExecutionLog(0, "t0", 1, "line " + i));
    }
    fixture.inbox().tell(Recorded.INSTANCE);

    assertThat(first.reports()).hasSize(1);
    assertThat(fixture.recordNext()).hasSize(5);
  }
}
