package dev.flotilla.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.internal.deployment.DeploymentActor.LeaseInUse;
import dev.flotilla.engine.internal.guard.LeaseBook;
import dev.flotilla.engine.internal.guard.TargetGuard.Holder;
import dev.flotilla.engine.internal.guard.TargetGuard.Mode;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClusterGuardTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create("ClusterGuardTest", ClusterTestConfig.entityTestKit());

  /** What the guard asked deployments about, and where it wants the answers. */
  record LeaseQuestion(Holder lease, ActorRef<LeaseInUse> replyTo) {}

  private final TestProbe<LeaseQuestion> deployments = testKit.createTestProbe();
  private final TestProbe<ClusterGuard.Reply> a = testKit.createTestProbe();
  private final TestProbe<ClusterGuard.Reply> b = testKit.createTestProbe();
  private EventSourcedBehaviorTestKit<ClusterGuard.Command, ClusterGuard.Event, LeaseBook> guard;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void freshGuard() {
    guard =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            ClusterGuard.createUntimed(
                "web-01",
                (lease, replyTo) -> deployments.getRef().tell(new LeaseQuestion(lease, replyTo))));
  }

  private static Holder lease(String deployment, int attempt) {
    return new Holder(deployment, "install", "web-01", attempt);
  }

  private void acquire(Holder holder, TestProbe<ClusterGuard.Reply> probe) {
    guard.runCommand(new ClusterGuard.Acquire(holder, Mode.EXCLUSIVE, probe.getRef()));
  }

  @Test
  void neverGrantsTwoExclusiveLeasesAndGrantsTheNextOnRelease() {
    acquire(lease("d1", 1), a);
    a.expectMessage(new ClusterGuard.Granted(lease("d1", 1)));
    acquire(lease("d2", 1), b);
    b.expectMessage(new ClusterGuard.Queued(lease("d2", 1), List.of(lease("d1", 1))));

    guard.runCommand(new ClusterGuard.Release(lease("d1", 1), a.getRef()));
    a.expectMessage(new ClusterGuard.Released(lease("d1", 1)));
    b.expectMessage(new ClusterGuard.Granted(lease("d2", 1)));
  }

  @Test
  void askingAgainIsAnsweredWithoutRecordingAnything() {
    acquire(lease("d1", 1), a);
    a.expectMessageClass(ClusterGuard.Granted.class);
    EventSourcedBehaviorTestKit.CommandResult<ClusterGuard.Command, ClusterGuard.Event, LeaseBook>
        again =
            guard.runCommand(new ClusterGuard.Acquire(lease("d1", 1), Mode.EXCLUSIVE, b.getRef()));
    assertThat(again.hasNoEvents()).isTrue();
    b.expectMessage(new ClusterGuard.Granted(lease("d1", 1)));
  }

  @Test
  void releasingTwiceIsAcknowledgedTwiceAndRecordedOnce() {
    acquire(lease("d1", 1), a);
    guard.runCommand(new ClusterGuard.Release(lease("d1", 1), a.getRef()));
    var second = guard.runCommand(new ClusterGuard.Release(lease("d1", 1), a.getRef()));
    assertThat(second.hasNoEvents()).isTrue();
    a.expectMessageClass(ClusterGuard.Granted.class);
    a.expectMessage(new ClusterGuard.Released(lease("d1", 1)));
    a.expectMessage(new ClusterGuard.Released(lease("d1", 1)));
  }

  @Test
  void keepsItsHoldersAndFifoOrderAcrossARestart() {
    acquire(lease("d1", 1), a);
    acquire(lease("d2", 1), b);
    acquire(lease("d3", 1), b);
    guard.restart();
    assertThat(guard.getState().heldBy()).containsExactly(lease("d1", 1));
    assertThat(guard.getState().waiting())
        .extracting(LeaseBook.Lease::holder)
        .containsExactly(lease("d2", 1), lease("d3", 1));
  }

  @Test
  void aLeaseItsDeploymentNoLongerUsesIsReleasedAndTheNextWaiterGranted() {
    acquire(lease("dead", 1), a);
    acquire(lease("d2", 1), b);
    b.expectMessageClass(ClusterGuard.Queued.class);
    // Nobody asked about either lease since the last check: both deployments are asked.
    guard.runCommand(ClusterGuard.CheckLeases.INSTANCE);
    guard.runCommand(ClusterGuard.CheckLeases.INSTANCE);
    LeaseQuestion first = deployments.receiveMessage();
    LeaseQuestion second = deployments.receiveMessage();
    LeaseQuestion aboutDead = first.lease().deploymentId().equals("dead") ? first : second;

    guard.runCommand(new ClusterGuard.Checked(new LeaseInUse(aboutDead.lease(), false)));
    b.expectMessage(new ClusterGuard.Granted(lease("d2", 1)));
  }

  @Test
  void aLeaseWhoseDeploymentDoesNotAnswerIsKept() {
    acquire(lease("unreachable", 1), a);
    guard.runCommand(ClusterGuard.CheckLeases.INSTANCE);
    guard.runCommand(ClusterGuard.CheckLeases.INSTANCE);
    deployments.receiveMessage();
    // No answer (the node cannot be reached): the lease stays; a pause, never a second holder.
    acquire(lease("d2", 1), b);
    b.expectMessageClass(ClusterGuard.Queued.class);
    assertThat(guard.getState().heldBy()).containsExactly(lease("unreachable", 1));
  }

  @Test
  void aLeaseStillInUseIsKept() {
    acquire(lease("d1", 1), a);
    guard.runCommand(ClusterGuard.CheckLeases.INSTANCE);
    guard.runCommand(ClusterGuard.CheckLeases.INSTANCE);
    LeaseQuestion question = deployments.receiveMessage();
    guard.runCommand(new ClusterGuard.Checked(new LeaseInUse(question.lease(), true)));
    assertThat(guard.getState().heldBy()).containsExactly(lease("d1", 1));
  }

  @Test
  void aLeaseAskedAboutSinceTheLastCheckIsNotChecked() {
    acquire(lease("d1", 1), a);
    guard.runCommand(ClusterGuard.CheckLeases.INSTANCE);
    deployments.expectNoMessage();
  }

  @Test
  void aRerunAttemptGivesUpTheInterruptedOneAndWaitsItsTurn() {
    acquire(lease("d1", 1), a);
    acquire(lease("d2", 1), b);
    b.expectMessageClass(ClusterGuard.Queued.class);
    // d1 came back on another node and re-runs its interrupted attempt as attempt 2.
    acquire(lease("d1", 2), a);
    b.expectMessage(new ClusterGuard.Granted(lease("d2", 1)));
    assertThat(guard.getState().waiting())
        .extracting(LeaseBook.Lease::holder)
        .containsExactly(lease("d1", 2));
  }
}
