package dev.flotilla.engine.internal.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.internal.guard.LeaseBook.Change;
import dev.flotilla.engine.internal.guard.LeaseBook.Lease;
import dev.flotilla.engine.internal.guard.LeaseBook.Standing;
import dev.flotilla.engine.internal.guard.TargetGuard.Holder;
import dev.flotilla.engine.internal.guard.TargetGuard.Mode;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class LeaseBookTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static Holder attempt(String deployment, int attempt) {
    return new Holder(deployment, "install", "web-01", attempt);
  }

  @Test
  void askingAgainForALeaseHeldOrQueuedMovesNothing() {
    Change first = LeaseBook.EMPTY.request(attempt("d1", 1), Mode.EXCLUSIVE);
    Change second = first.book().request(attempt("d2", 1), Mode.EXCLUSIVE);

    assertThat(second.book().request(attempt("d1", 1), Mode.EXCLUSIVE))
        .isEqualTo(new Change(second.book(), List.of()));
    assertThat(second.book().request(attempt("d2", 1), Mode.EXCLUSIVE))
        .isEqualTo(new Change(second.book(), List.of()));
    assertThat(second.book().standingOf(attempt("d2", 1))).isEqualTo(Standing.WAITING);
  }

  @Test
  void releasingALeaseThatIsNotThereChangesNothing() {
    LeaseBook book = LeaseBook.EMPTY.request(attempt("d1", 1), Mode.EXCLUSIVE).book();
    assertThat(book.release(attempt("d9", 1))).isEqualTo(new Change(book, List.of()));
  }

  @Test
  void aLaterAttemptOfTheSameExecutionGivesUpTheEarlierOne() {
    LeaseBook held = LeaseBook.EMPTY.request(attempt("d1", 1), Mode.EXCLUSIVE).book();
    LeaseBook waiting = held.request(attempt("d2", 1), Mode.EXCLUSIVE).book();

    // The deployment came back elsewhere and re-runs its interrupted attempt as attempt 2.
    Change rerun = waiting.request(attempt("d1", 2), Mode.EXCLUSIVE);

    assertThat(rerun.granted()).containsExactly(new Lease(attempt("d2", 1), Mode.EXCLUSIVE));
    assertThat(rerun.book().standingOf(attempt("d1", 1))).isEqualTo(Standing.ABSENT);
    assertThat(rerun.book().standingOf(attempt("d1", 2))).isEqualTo(Standing.WAITING);
  }

  @Test
  void aWithdrawnExclusiveWaiterLetsTheSharedOnesBehindItIn() {
    LeaseBook book =
        LeaseBook.EMPTY
            .request(attempt("s1", 1), Mode.SHARED)
            .book()
            .request(attempt("x", 1), Mode.EXCLUSIVE)
            .book()
            .request(attempt("s2", 1), Mode.SHARED)
            .book();
    Change withdrawn = book.release(attempt("x", 1));
    assertThat(withdrawn.granted()).containsExactly(new Lease(attempt("s2", 1), Mode.SHARED));
  }

  @Test
  void theGuardAnswersARepeatedAskToWhoeverAskedLast() {
    ActorRef<TargetGuard.Command> guard = testKit.spawn(TargetGuard.create("web-01"));
    TestProbe<TargetGuard.Reply> holder = testKit.createTestProbe();
    TestProbe<TargetGuard.Reply> before = testKit.createTestProbe();
    TestProbe<TargetGuard.Reply> after = testKit.createTestProbe();

    guard.tell(new TargetGuard.Acquire(Mode.EXCLUSIVE, attempt("d1", 1), holder.getRef()));
    holder.expectMessage(new TargetGuard.Granted("web-01"));
    guard.tell(new TargetGuard.Acquire(Mode.EXCLUSIVE, attempt("d2", 1), before.getRef()));
    before.expectMessageClass(TargetGuard.Queued.class);
    // The same lease asked again from elsewhere keeps its place and moves its replies.
    guard.tell(new TargetGuard.Acquire(Mode.EXCLUSIVE, attempt("d2", 1), after.getRef()));
    after.expectMessageClass(TargetGuard.Queued.class);

    guard.tell(new TargetGuard.ReleaseLease(attempt("d1", 1)));
    after.expectMessage(new TargetGuard.Granted("web-01"));
    before.expectNoMessage();
  }
}
