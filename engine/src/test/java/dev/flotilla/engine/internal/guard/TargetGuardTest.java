package dev.flotilla.engine.internal.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.internal.guard.TargetGuard.Acquire;
import dev.flotilla.engine.internal.guard.TargetGuard.Granted;
import dev.flotilla.engine.internal.guard.TargetGuard.Holder;
import dev.flotilla.engine.internal.guard.TargetGuard.Mode;
import dev.flotilla.engine.internal.guard.TargetGuard.Queued;
import dev.flotilla.engine.internal.guard.TargetGuard.Release;
import dev.flotilla.engine.internal.guard.TargetGuard.Reply;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class TargetGuardTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static Holder holder(String step) {
    return new Holder("d1", step);
  }

  private static void acquire(
      ActorRef<TargetGuard.Command> guard, Mode mode, TestProbe<Reply> probe, String step) {
    guard.tell(new Acquire(mode, holder(step), probe.getRef()));
  }

  @Test
  void exclusiveLeaseMakesOthersWaitAndNamesTheHolder() {
    ActorRef<TargetGuard.Command> guard = testKit.spawn(TargetGuard.create("web-01"));
    TestProbe<Reply> a = testKit.createTestProbe();
    TestProbe<Reply> b = testKit.createTestProbe();

    acquire(guard, Mode.EXCLUSIVE, a, "A");
    a.expectMessage(new Granted("web-01"));
    acquire(guard, Mode.EXCLUSIVE, b, "B");
    Queued queued = b.expectMessageClass(Queued.class);
    assertThat(queued.heldBy()).containsExactly(holder("A"));

    guard.tell(new Release(a.getRef()));
    b.expectMessage(new Granted("web-01"));
  }

  /** A requester's own protocol, into which it has the guard's replies wrapped. */
  record FromGuard(Reply reply) {}

  @Test
  void aRequesterGetsItsRepliesWrappedInItsOwnProtocolAndIsReleasedByItsRef() {
    ActorRef<TargetGuard.Command> guard = testKit.spawn(TargetGuard.create("web-07"));
    TestProbe<FromGuard> a = testKit.createTestProbe();
    TestProbe<FromGuard> b = testKit.createTestProbe();

    guard.tell(
        new Acquire(
            Mode.EXCLUSIVE, holder("A"), new TargetGuard.Requester<>(a.getRef(), FromGuard::new)));
    a.expectMessage(new FromGuard(new Granted("web-07")));
    guard.tell(
        new Acquire(
            Mode.EXCLUSIVE, holder("B"), new TargetGuard.Requester<>(b.getRef(), FromGuard::new)));
    assertThat(b.receiveMessage().reply())
        .isEqualTo(new Queued("web-07", java.util.List.of(holder("A"))));

    guard.tell(new Release(a.getRef()));
    b.expectMessage(new FromGuard(new Granted("web-07")));
  }

  @Test
  void sharedLeasesRunTogether() {
    ActorRef<TargetGuard.Command> guard = testKit.spawn(TargetGuard.create("web-02"));
    TestProbe<Reply> a = testKit.createTestProbe();
    TestProbe<Reply> b = testKit.createTestProbe();

    acquire(guard, Mode.SHARED, a, "A");
    acquire(guard, Mode.SHARED, b, "B");
    a.expectMessage(new Granted("web-02"));
    b.expectMessage(new Granted("web-02"));
  }

  @Test
  void waitingExclusiveHoldsBackLaterSharedRequests() {
    ActorRef<TargetGuard.Command> guard = testKit.spawn(TargetGuard.create("web-03"));
    TestProbe<Reply> shared1 = testKit.createTestProbe();
    TestProbe<Reply> exclusive = testKit.createTestProbe();
    TestProbe<Reply> shared2 = testKit.createTestProbe();

    acquire(guard, Mode.SHARED, shared1, "S1");
    shared1.expectMessage(new Granted("web-03"));
    acquire(guard, Mode.EXCLUSIVE, exclusive, "X");
    exclusive.expectMessageClass(Queued.class);
    acquire(guard, Mode.SHARED, shared2, "S2");
    shared2.expectMessageClass(Queued.class);

    guard.tell(new Release(shared1.getRef()));
    exclusive.expectMessage(new Granted("web-03"));
    shared2.expectNoMessage();
    guard.tell(new Release(exclusive.getRef()));
    shared2.expectMessage(new Granted("web-03"));
  }

  @Test
  void grantsInArrivalOrder() {
    ActorRef<TargetGuard.Command> guard = testKit.spawn(TargetGuard.create("web-04"));
    TestProbe<Reply> first = testKit.createTestProbe();
    acquire(guard, Mode.EXCLUSIVE, first, "first");
    first.expectMessage(new Granted("web-04"));
    TestProbe<Reply>[] waiting = new TestProbe[5];
    for (int i = 0; i < waiting.length; i++) {
      waiting[i] = testKit.createTestProbe();
      acquire(guard, Mode.EXCLUSIVE, waiting[i], "w" + i);
      waiting[i].expectMessageClass(Queued.class);
    }
    guard.tell(new Release(first.getRef()));
    for (int i = 0; i < waiting.length; i++) {
      waiting[i].expectMessage(new Granted("web-04"));
      for (int j = i + 1; j < waiting.length; j++) {
        waiting[j].expectNoMessage(java.time.Duration.ofMillis(20));
      }
      guard.tell(new Release(waiting[i].getRef()));
    }
  }

  @Test
  void aWaiterThatWithdrawsIsSkipped() {
    ActorRef<TargetGuard.Command> guard = testKit.spawn(TargetGuard.create("web-05"));
    TestProbe<Reply> a = testKit.createTestProbe();
    TestProbe<Reply> b = testKit.createTestProbe();
    TestProbe<Reply> c = testKit.createTestProbe();
    acquire(guard, Mode.EXCLUSIVE, a, "A");
    a.expectMessage(new Granted("web-05"));
    acquire(guard, Mode.EXCLUSIVE, b, "B");
    acquire(guard, Mode.EXCLUSIVE, c, "C");
    b.expectMessageClass(Queued.class);
    c.expectMessageClass(Queued.class);

    guard.tell(new Release(b.getRef()));
    guard.tell(new Release(a.getRef()));
    c.expectMessage(new Granted("web-05"));
    b.expectNoMessage();
  }

  @Test
  void aHolderThatDiesReleasesItsLease() {
    ActorRef<TargetGuard.Command> guard = testKit.spawn(TargetGuard.create("web-06"));
    TestProbe<Reply> dyingProbe = testKit.createTestProbe();
    ActorRef<Reply> dying =
        testKit.spawn(
            Behaviors.receiveMessage(
                reply -> {
                  dyingProbe.getRef().tell(reply);
                  return Behaviors.same();
                }));
    TestProbe<Reply> next = testKit.createTestProbe();

    guard.tell(new Acquire(Mode.EXCLUSIVE, holder("dies"), dying));
    dyingProbe.expectMessage(new Granted("web-06"));
    acquire(guard, Mode.EXCLUSIVE, next, "next");
    next.expectMessageClass(Queued.class);

    testKit.stop(dying);
    next.expectMessage(new Granted("web-06"));
  }

  @Test
  void aWaiterThatDiesGivesUpItsPlace() {
    ActorRef<TargetGuard.Command> guard = testKit.spawn(TargetGuard.create("web-07"));
    TestProbe<Reply> holder = testKit.createTestProbe();
    ActorRef<Reply> dyingWaiter = testKit.spawn(Behaviors.ignore());
    TestProbe<Reply> last = testKit.createTestProbe();

    acquire(guard, Mode.EXCLUSIVE, holder, "H");
    holder.expectMessage(new Granted("web-07"));
    guard.tell(new Acquire(Mode.EXCLUSIVE, holder("W"), dyingWaiter));
    acquire(guard, Mode.EXCLUSIVE, last, "L");
    last.expectMessageClass(Queued.class);
    testKit.stop(dyingWaiter);
    guard.tell(new Release(holder.getRef()));
    last.expectMessage(new Granted("web-07"));
  }
}
