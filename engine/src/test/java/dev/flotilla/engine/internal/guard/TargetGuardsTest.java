package dev.flotilla.engine.internal.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.internal.guard.TargetGuard.Acquire;
import dev.flotilla.engine.internal.guard.TargetGuard.Granted;
import dev.flotilla.engine.internal.guard.TargetGuard.Holder;
import dev.flotilla.engine.internal.guard.TargetGuard.Mode;
import dev.flotilla.engine.internal.guard.TargetGuard.Reply;
import dev.flotilla.engine.internal.guard.TargetGuards.CountGuards;
import dev.flotilla.engine.internal.guard.TargetGuards.GuardCount;
import dev.flotilla.engine.internal.guard.TargetGuards.Resolve;
import dev.flotilla.engine.internal.guard.TargetGuards.Resolved;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The registry stops guards that no running deployment uses, so their number falls back. */
class TargetGuardsTest {

  private static final Duration IDLE = Duration.ofMinutes(1);
  private static final ActorTestKit testKit =
      ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.load()));
  private static final ManualTime time = ManualTime.get(testKit.system());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** A deployment, as the registry sees it: a user that resolves guards and stops when it ends. */
  private static TestProbe<Object> user() {
    return testKit.createTestProbe();
  }

  private static Resolved resolve(
      ActorRef<TargetGuards.Command> registry, TestProbe<Object> user, String... targets) {
    TestProbe<Resolved> reply = testKit.createTestProbe();
    registry.tell(new Resolve(List.of(targets), user.getRef(), reply.getRef()));
    return reply.receiveMessage();
  }

  private static GuardCount count(ActorRef<TargetGuards.Command> registry) {
    TestProbe<GuardCount> reply = testKit.createTestProbe();
    registry.tell(new CountGuards(reply.getRef()));
    return reply.receiveMessage();
  }

  private static void awaitCount(ActorRef<TargetGuards.Command> registry, int live, int idle) {
    // The registry hears that a user stopped through death watch: asked until it has.
    testKit
        .createTestProbe()
        .awaitAssert(
            () -> {
              assertThat(count(registry)).isEqualTo(new GuardCount(live, idle));
              return null;
            });
  }

  @Test
  void guardsNoDeploymentUsesAreStoppedAtOnceWithAZeroIdleTimeout() {
    ActorRef<TargetGuards.Command> registry = testKit.spawn(TargetGuards.create(Duration.ZERO));
    TestProbe<Object> first = user();
    TestProbe<Object> second = user();
    resolve(registry, first, "a", "b", "c");
    resolve(registry, second, "c", "d");
    assertThat(count(registry)).isEqualTo(new GuardCount(4, 0));

    first.stop();
    awaitCount(registry, 2, 0);
    second.stop();
    awaitCount(registry, 0, 0);
  }

  @Test
  void anIdleGuardIsKeptForOneIdleTimeoutAtLeastAndStoppedWithinTwo() {
    ActorRef<TargetGuards.Command> registry = testKit.spawn(TargetGuards.create(IDLE));
    TestProbe<Object> deployment = user();
    resolve(registry, deployment, "a", "b");

    deployment.stop();
    awaitCount(registry, 2, 2);
    // Each sweep is a timer message, which the registry handles before it answers a count.
    time.timePasses(IDLE);
    assertThat(count(registry)).isEqualTo(new GuardCount(2, 2));
    time.timePasses(IDLE);
    assertThat(count(registry)).isEqualTo(new GuardCount(0, 0));
  }

  @Test
  void aGuardUsedAgainBeforeItsIdleTimeoutIsKeptAndTheSameGuard() {
    ActorRef<TargetGuards.Command> registry = testKit.spawn(TargetGuards.create(IDLE));
    TestProbe<Object> before = user();
    ActorRef<TargetGuard.Command> guard = resolve(registry, before, "a").guards().get("a");
    before.stop();
    awaitCount(registry, 1, 1);

    TestProbe<Object> after = user();
    assertThat(resolve(registry, after, "a").guards().get("a")).isEqualTo(guard);
    time.timePasses(IDLE.multipliedBy(3));

    assertThat(count(registry)).isEqualTo(new GuardCount(1, 0));
    after.stop();
  }

  @Test
  void aTargetNamedAgainAfterItsGuardStoppedGetsAFreshGuardThatGrantsLeases() {
    ActorRef<TargetGuards.Command> registry = testKit.spawn(TargetGuards.create(Duration.ZERO));
    for (int round = 0; round < 3; round++) {
      TestProbe<Object> deployment = user();
      ActorRef<TargetGuard.Command> guard =
          resolve(registry, deployment, "web-01").guards().get("web-01");
      TestProbe<Reply> execution = testKit.createTestProbe();

      guard.tell(
          new Acquire(Mode.EXCLUSIVE, new Holder("d" + round, "Deploy"), execution.getRef()));

      execution.expectMessage(new Granted("web-01"));
      deployment.stop();
      awaitCount(registry, 0, 0);
    }
  }

  @Test
  void aDeploymentResolvingAgainHoldsOnlyWhatItResolvedLast() {
    ActorRef<TargetGuards.Command> registry = testKit.spawn(TargetGuards.create(Duration.ZERO));
    TestProbe<Object> deployment = user();
    resolve(registry, deployment, "a", "b");

    resolve(registry, deployment, "b", "c");

    assertThat(count(registry)).isEqualTo(new GuardCount(2, 0));
    deployment.stop();
    awaitCount(registry, 0, 0);
  }
}
