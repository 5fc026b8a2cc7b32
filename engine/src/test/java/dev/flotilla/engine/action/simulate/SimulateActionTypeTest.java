package dev.flotilla.engine.action.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionContext;
import dev.flotilla.engine.action.ActionLog;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.ActionRuntime;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.action.RunningAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulateActionTypeTest {

  private static final long SEED = 42;
  private static final long TIMEOUT_SECONDS = 10;

  private ScheduledExecutorService timer;
  private ActionRuntime runtime;

  @BeforeEach
  void startTimer() {
    timer = Executors.newSingleThreadScheduledExecutor();
    runtime = new ActionRuntime(timer, Runnable::run);
  }

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void zeroDurationCompletesSynchronouslyWithoutTheTimer() throws Exception {
    // A runtime without a timer: any timer hop would throw.
    ActionContext context =
        new ActionContext(
            "d-1",
            "plan",
            "deploy",
            "web-01",
            1,
            Map.of(),
            SEED,
            ActionLog.NONE,
            new ActionRuntime(null, null));

    RunningAction running = simulate(1.0, Map.of()).start(context);

    assertThat(running.result().toCompletableFuture().isDone()).isTrue();
    assertThat(running.result().toCompletableFuture().get().succeeded()).isTrue();
  }

  @Test
  void durationScaledBelowOneNanosecondCompletesSynchronously() {
    // 1ms at a time scale of 1e-7 is 0.1ns: nothing to wait for.
    RunningAction running = simulate(1e-7, Map.of("duration", "1ms")).start(context("web-01", 1));

    assertThat(running.result().toCompletableFuture().isDone()).isTrue();
  }

  @Test
  void simulationDoesNotCompleteBeforeItsDuration() throws Exception {
    long startedAt = System.nanoTime();
    RunningAction running = simulate(1.0, Map.of("duration", "200ms")).start(context("web-01", 1));

    assertThat(running.result().toCompletableFuture().isDone()).isFalse();
    assertThat(await(running).succeeded()).isTrue();
    assertThat(System.nanoTime() - startedAt)
        .isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
  }

  @Test
  void timeScaleMultipliesTheDuration() throws Exception {
    long startedAt = System.nanoTime();
    RunningAction running = simulate(3.0, Map.of("duration", "100ms")).start(context("web-01", 1));

    assertThat(await(running).succeeded()).isTrue();
    assertThat(System.nanoTime() - startedAt)
        .isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
  }

  @Test
  void jitterNeverShortensAnExecutionBelowItsLowerBound() throws Exception {
    // jitter 0.5 on 200ms: every execution takes at least 100ms, whatever its draw.
    Action action = simulate(1.0, Map.of("duration", "200ms", "jitter", 0.5));
    long startedAt = System.nanoTime();

    List<CompletableFuture<Long>> finishedAt =
        IntStream.range(0, 20)
            .mapToObj(
                i ->
                    action
                        .start(context("web-" + i, 1))
                        .result()
                        .thenApply(result -> System.nanoTime())
                        .toCompletableFuture())
            .toList();

    for (CompletableFuture<Long> finished : finishedAt) {
      assertThat(finished.get(TIMEOUT_SECONDS, TimeUnit.SECONDS) - startedAt)
          .isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());
    }
  }

  @Test
  void failOnTargetAlwaysFails() throws Exception {
    Action action = simulate(1.0, Map.of("failOn", List.of("web-07")));

    for (int attempt = 1; attempt <= 5; attempt++) {
      ActionResult result = await(action.start(context("web-07", attempt)));
      assertThat(result.succeeded()).isFalse();
      assertThat(result.message()).isEqualTo("simulated failure on web-07 (failOn)");
    }
    assertThat(await(action.start(context("web-08", 1))).succeeded()).isTrue();
  }

  @Test
  void failureRateOneAlwaysFailsAndZeroNeverFails() throws Exception {
    Action always = simulate(1.0, Map.of("failureRate", 1.0));
    Action never = simulate(1.0, Map.of("failureRate", 0));

    for (String target : targets(200)) {
      ActionResult failed = await(always.start(context(target, 1)));
      assertThat(failed.succeeded()).isFalse();
      assertThat(failed.message()).isEqualTo("simulated failure (failureRate 1)");
      assertThat(await(never.start(context(target, 1))).succeeded()).isTrue();
    }
  }

  @Test
  void sameSeedStepTargetAndAttemptGiveTheSameOutcomeInAnyOrder() throws Exception {
    Map<String, Object> parameters = Map.of("failureRate", 0.5);
    List<String> targets = targets(200);
    List<String> reversed = new ArrayList<>(targets);
    Collections.reverse(reversed);

    Set<String> first = failing(simulate(1.0, parameters), targets, 1, SEED);
    Set<String> second = failing(simulate(1.0, parameters), reversed, 1, SEED);

    assertThat(first).isEqualTo(second).isNotEmpty().hasSizeLessThan(targets.size());
  }

  @Test
  void retryAndOtherSeedDrawAfresh() throws Exception {
    Action action = simulate(1.0, Map.of("failureRate", 0.5));
    List<String> targets = targets(200);

    Set<String> firstAttempt = failing(action, targets, 1, SEED);

    assertThat(failing(action, targets, 2, SEED)).isNotEqualTo(firstAttempt);
    assertThat(failing(action, targets, 1, SEED + 1)).isNotEqualTo(firstAttempt);
  }

  @Test
  void cancelStopsALongSimulation() throws Exception {
    RunningAction running = simulate(1.0, Map.of("duration", "1h")).start(context("web-01", 1));

    running.cancel();
    running.cancel();

    assertThat(await(running).succeeded()).isFalse();
  }

  @Test
  void unknownParameterIsRejectedByName() {
    assertThatThrownBy(() -> new SimulateActionType(1.0).configure(Map.of("duraton", "2s")))
        .isInstanceOfSatisfying(
            InvalidActionException.class, e -> assertThat(e.key()).isEqualTo("duraton"))
        .hasMessageContaining("duraton");
  }

  @Test
  void badDurationJitterOrFailureRateIsRejectedByName() {
    assertRejected(Map.of("duration", "fast"), "duration");
    assertRejected(Map.of("duration", 2000), "duration");
    assertRejected(Map.of("jitter", 1.5), "jitter");
    assertRejected(Map.of("jitter", "a lot"), "jitter");
    assertRejected(Map.of("failureRate", -0.1), "failureRate");
    assertRejected(Map.of("failureRate", Double.NaN), "failureRate");
    assertRejected(Map.of("failOn", 7), "failOn");
    assertRejected(Map.of("failOn", List.of("web-01", 2)), "failOn");
  }

  @Test
  void nonPositiveTimeScaleIsRejected() {
    assertThatThrownBy(() -> new SimulateActionType(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SimulateActionType(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SimulateActionType(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nominalDurationIgnoresScaleAndJitter() {
    assertThat(SimulateActionType.nominalDuration(Map.of("duration", "1.5s", "jitter", 0.3)))
        .isEqualTo(Duration.ofMillis(1500));
    assertThat(SimulateActionType.nominalDuration(Map.of())).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> SimulateActionType.nominalDuration(Map.of("duration", "soon")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Action simulate(double timeScale, Map<String, Object> parameters) {
    try {
      return new SimulateActionType(timeScale).configure(parameters);
    } catch (InvalidActionException e) {
      throw new AssertionError(e);
    }
  }

  private static void assertRejected(Map<String, Object> parameters, String key) {
    assertThatThrownBy(() -> new SimulateActionType(1.0).configure(parameters))
        .as("%s", parameters)
        .isInstanceOfSatisfying(
            InvalidActionException.class, e -> assertThat(e.key()).isEqualTo(key));
  }

  private Set<String> failing(Action action, List<String> targets, int attempt, long seed)
      throws Exception {
    Set<String> failed = new TreeSet<>();
    for (String target : targets) {
      ActionContext context =
          new ActionContext(
              "d-1", "plan", "deploy", target, attempt, Map.of(), seed, ActionLog.NONE, runtime);
      if (!await(action.start(context)).succeeded()) {
        failed.add(target);
      }
    }
    return failed;
  }

  private ActionContext context(String target, int attempt) {
    return new ActionContext(
        "d-1", "plan", "deploy", target, attempt, Map.of(), SEED, ActionLog.NONE, runtime);
  }

  private static List<String> targets(int count) {
    return IntStream.rangeClosed(1, count).mapToObj(i -> String.format("web-%03d", i)).toList();
  }

  private static ActionResult await(RunningAction running) throws Exception {
    CompletableFuture<ActionResult> result = running.result().toCompletableFuture();
    return result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }
}
