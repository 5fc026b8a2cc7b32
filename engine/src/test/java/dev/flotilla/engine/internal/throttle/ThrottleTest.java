package dev.flotilla.engine.internal.throttle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ThrottleTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** A child announces itself, then waits to be told how its work ended. */
  record Started(int item, ActorRef<Outcome> child) {}

  enum Outcome {
    SUCCESS,
    FAILURE,
    CRASH
  }

  private static Behavior<Outcome> child(
      int item, ActorRef<Throttle.Command> throttle, ActorRef<Started> probe) {
    return Behaviors.setup(
        context -> {
          probe.tell(new Started(item, context.getSelf()));
          return Behaviors.receiveMessage(
              outcome -> {
                if (outcome == Outcome.CRASH) {
                  throw new IllegalStateException("child crashed on purpose");
                }
                throttle.tell(
                    new Throttle.ChildDone(context.getSelf(), outcome == Outcome.FAILURE));
                return Behaviors.same();
              });
        });
  }

  private static List<Integer> items(int count) {
    return IntStream.range(0, count).boxed().toList();
  }

  @Test
  void neverRunsMoreThanCapAndStartsItemsInOrder() {
    TestProbe<Started> started = testKit.createTestProbe();
    TestProbe<Throttle.Finished<Integer>> finished = testKit.createTestProbe();
    testKit.spawn(
        Throttle.create(
            items(10),
            3,
            (item, throttle) -> child(item, throttle, started.getRef()),
            finished.getRef(),
            f -> f));

    List<Started> running = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      running.add(started.receiveMessage());
    }
    started.expectNoMessage();
    List<Integer> order = new ArrayList<>(running.stream().map(Started::item).toList());
    while (!running.isEmpty()) {
      running.remove(0).child().tell(Outcome.SUCCESS);
      if (order.size() < 10) {
        Started next = started.receiveMessage();
        order.add(next.item());
        running.add(next);
        assertThat(running).hasSizeLessThanOrEqualTo(3);
      }
    }
    // The first three start together, so they may announce themselves in any order; after that
    // each finished child makes room for exactly one more, which must be the next in the list.
    assertThat(order.subList(0, 3)).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(order.subList(3, 10)).containsExactly(3, 4, 5, 6, 7, 8, 9);
    Throttle.Finished<Integer> done = finished.receiveMessage();
    assertThat(done.started()).isEqualTo(10);
    assertThat(done.notStarted()).isEmpty();
  }

  @Test
  void haltStopsStartingAndHandsBackEveryItemNeverStarted() {
    TestProbe<Started> started = testKit.createTestProbe();
    TestProbe<Throttle.Finished<Integer>> finished = testKit.createTestProbe();
    testKit.spawn(
        Throttle.create(
            items(6),
            2,
            (item, throttle) -> child(item, throttle, started.getRef()),
            finished.getRef(),
            f -> f));

    Started first = started.receiveMessage();
    Started second = started.receiveMessage();
    first.child().tell(Outcome.FAILURE);
    started.expectNoMessage();
    finished.expectNoMessage();
    second.child().tell(Outcome.SUCCESS);

    Throttle.Finished<Integer> done = finished.receiveMessage();
    assertThat(done.started()).isEqualTo(2);
    assertThat(done.notStarted()).containsExactly(2, 3, 4, 5);
  }

  @Test
  void stopStartingLetsRunningChildrenFinish() {
    TestProbe<Started> started = testKit.createTestProbe();
    TestProbe<Throttle.Finished<Integer>> finished = testKit.createTestProbe();
    ActorRef<Throttle.Command> throttle =
        testKit.spawn(
            Throttle.create(
                items(4),
                1,
                (item, self) -> child(item, self, started.getRef()),
                finished.getRef(),
                f -> f));

    Started first = started.receiveMessage();
    throttle.tell(Throttle.StopStarting.INSTANCE);
    finished.expectNoMessage();
    first.child().tell(Outcome.SUCCESS);

    assertThat(finished.receiveMessage().notStarted()).containsExactly(1, 2, 3);
    started.expectNoMessage();
  }

  @Test
  void aCrashedChildFreesItsSlot() {
    TestProbe<Started> started = testKit.createTestProbe();
    TestProbe<Throttle.Finished<Integer>> finished = testKit.createTestProbe();
    testKit.spawn(
        Throttle.create(
            items(2),
            1,
            (item, throttle) -> child(item, throttle, started.getRef()),
            finished.getRef(),
            f -> f));

    started.receiveMessage().child().tell(Outcome.CRASH);
    Started next = started.receiveMessage();
    assertThat(next.item()).isEqualTo(1);
    next.child().tell(Outcome.SUCCESS);
    assertThat(finished.receiveMessage().started()).isEqualTo(2);
  }

  @Test
  void aChildThatSaysItIsDoneTwiceFreesOneSlot() {
    TestProbe<Started> started = testKit.createTestProbe();
    TestProbe<Throttle.Finished<Integer>> finished = testKit.createTestProbe();
    testKit.spawn(
        Throttle.create(
            items(3),
            1,
            (item, throttle) ->
                Behaviors.<Outcome>setup(
                    context -> {
                      started.getRef().tell(new Started(item, context.getSelf()));
                      return Behaviors.receiveMessage(
                          outcome -> {
                            throttle.tell(new Throttle.ChildDone(context.getSelf(), false));
                            throttle.tell(new Throttle.ChildDone(context.getSelf(), false));
                            return Behaviors.same();
                          });
                    }),
            finished.getRef(),
            f -> f));

    started.receiveMessage().child().tell(Outcome.SUCCESS);
    Started second = started.receiveMessage();
    assertThat(second.item()).isEqualTo(1);
    started.expectNoMessage();
    second.child().tell(Outcome.SUCCESS);
    assertThat(started.receiveMessage().item()).isEqualTo(2);
  }

  @Test
  void anEmptyListFinishesAtOnce() {
    TestProbe<Throttle.Finished<Integer>> finished = testKit.createTestProbe();
    testKit.spawn(
        Throttle.create(
            List.<Integer>of(),
            5,
            (item, throttle) -> Behaviors.empty(),
            finished.getRef(),
            f -> f));
    Throttle.Finished<Integer> done = finished.receiveMessage();
    assertThat(done.started()).isZero();
    assertThat(done.notStarted()).isEmpty();
  }

  /** What a standby child is told when its turn comes. */
  enum Turn {
    BEGIN
  }

  /** A child spawned ahead of its turn: it announces itself only once told to begin. */
  private static Behavior<Object> standbyChild(
      int item, ActorRef<Throttle.Command> throttle, ActorRef<Started> probe) {
    return Behaviors.setup(
        context ->
            Behaviors.receiveMessage(
                message -> {
                  if (message == Turn.BEGIN) {
                    probe.tell(new Started(item, context.getSelf().narrow()));
                  } else if (message instanceof Outcome outcome) {
                    throttle.tell(
                        new Throttle.ChildDone(context.getSelf(), outcome == Outcome.FAILURE));
                  }
                  return Behaviors.same();
                }));
  }

  @Test
  void standbyChildrenBeginOnlyWhenASlotIsFreeAndInOrder() {
    TestProbe<Started> started = testKit.createTestProbe();
    TestProbe<Throttle.Finished<Integer>> finished = testKit.createTestProbe();
    testKit.spawn(
        Throttle.withStandby(
            items(6),
            2,
            (item, throttle) -> standbyChild(item, throttle, started.getRef()),
            Turn.BEGIN,
            finished.getRef(),
            f -> f));

    List<Started> running =
        new ArrayList<>(List.of(started.receiveMessage(), started.receiveMessage()));
    started.expectNoMessage();
    List<Integer> order = new ArrayList<>(running.stream().map(Started::item).toList());
    while (!running.isEmpty()) {
      running.remove(0).child().tell(Outcome.SUCCESS);
      if (order.size() < 6) {
        Started next = started.receiveMessage();
        order.add(next.item());
        running.add(next);
      }
    }
    // Children spawned ahead announce themselves only when told to begin: in list order, one per
    // freed slot.
    assertThat(order.subList(0, 2)).containsExactlyInAnyOrder(0, 1);
    assertThat(order.subList(2, 6)).containsExactly(2, 3, 4, 5);
    assertThat(finished.receiveMessage().started()).isEqualTo(6);
  }

  @Test
  void aHaltHandsBackTheItemsOfStandbyChildrenAsNotStarted() {
    TestProbe<Started> started = testKit.createTestProbe();
    TestProbe<Throttle.Finished<Integer>> finished = testKit.createTestProbe();
    testKit.spawn(
        Throttle.withStandby(
            items(4),
            1,
            (item, throttle) -> standbyChild(item, throttle, started.getRef()),
            Turn.BEGIN,
            finished.getRef(),
            f -> f));

    Started first = started.receiveMessage();
    first.child().tell(Outcome.FAILURE);

    Throttle.Finished<Integer> done = finished.receiveMessage();
    assertThat(done.started()).isEqualTo(1);
    assertThat(done.notStarted()).containsExactly(1, 2, 3);
    started.expectNoMessage();
  }
}
