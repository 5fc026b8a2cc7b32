package dev.flotilla.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClusterCapsTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create("ClusterCapsTest", ClusterTestConfig.entityTestKit());

  private final TestProbe<String> admitted = testKit.createTestProbe();
  private final TestProbe<ClusterCaps.Enqueued> enqueued = testKit.createTestProbe();
  private final TestProbe<ClusterCaps.Left> left = testKit.createTestProbe();
  private EventSourcedBehaviorTestKit<ClusterCaps.Command, ClusterCaps.Event, ClusterCaps.State>
      caps;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void twoSlots() {
    caps =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            ClusterCaps.createUntimed(2, (id, replyTo) -> admitted.getRef().tell(id)));
  }

  private void enqueue(String id, String tag) {
    caps.runCommand(new ClusterCaps.Enqueue(id, tag, enqueued.getRef()));
  }

  @Test
  void admitsUpToTheCapAndTheNextInOrderWhenASlotOpens() {
    enqueue("d1", "a");
    enqueue("d2", "b");
    enqueue("d3", "c");
    admitted.expectMessage("d1");
    admitted.expectMessage("d2");
    admitted.expectNoMessage();
    assertThat(enqueued.receiveSeveralMessages(3))
        .extracting(ClusterCaps.Enqueued::admitted)
        .containsExactly(true, true, false);

    caps.runCommand(new ClusterCaps.Leave("d1", left.getRef()));
    admitted.expectMessage("d3");
    left.expectMessage(new ClusterCaps.Left("d1"));
  }

  @Test
  void aBusyTagHoldsBackOnlyItsOwnDeployments() {
    enqueue("d1", "prod");
    enqueue("d2", "prod");
    enqueue("d3", "test");
    admitted.expectMessage("d1");
    admitted.expectMessage("d3");
    caps.runCommand(new ClusterCaps.Leave("d1", left.getRef()));
    admitted.expectMessage("d2");
  }

  @Test
  void enqueueingAgainRecordsNothingAndSaysWhetherItRuns() {
    enqueue("d1", "a");
    enqueue("d2", "a");
    var again = caps.runCommand(new ClusterCaps.Enqueue("d2", "a", enqueued.getRef()));
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(enqueued.receiveSeveralMessages(3))
        .extracting(ClusterCaps.Enqueued::admitted)
        .containsExactly(true, false, false);
  }

  @Test
  void nothingQueuedIsLostInARestart() {
    enqueue("d1", "a");
    enqueue("d2", "a");
    enqueue("d3", "a");
    caps.restart();
    assertThat(caps.getState().running())
        .extracting(ClusterCaps.Entry::deploymentId)
        .containsExactly("d1");
    assertThat(caps.getState().queued())
        .extracting(ClusterCaps.Entry::deploymentId)
        .containsExactly("d2", "d3");
  }

  @Test
  void runningDeploymentsAreRemindedAndAFinishedOneFreesItsSlot() {
    enqueue("d1", "a");
    enqueue("d2", "a");
    admitted.expectMessage("d1");
    caps.runCommand(ClusterCaps.Remind.INSTANCE);
    admitted.expectMessage("d1");
    // d1 finished while its node died, before it could leave: its answer frees the slot.
    caps.runCommand(new ClusterCaps.AdmitAnswer("d1", true));
    admitted.expectMessage("d2");
  }

  @Test
  void leavingTwiceIsAcknowledgedTwice() {
    enqueue("d1", "a");
    caps.runCommand(new ClusterCaps.Leave("d1", left.getRef()));
    var again = caps.runCommand(new ClusterCaps.Leave("d1", left.getRef()));
    assertThat(again.hasNoEvents()).isTrue();
    left.expectMessage(new ClusterCaps.Left("d1"));
    left.expectMessage(new ClusterCaps.Left("d1"));
  }
}
