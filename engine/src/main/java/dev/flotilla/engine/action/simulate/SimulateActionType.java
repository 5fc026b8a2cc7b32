package dev.flotilla.engine.action.simulate;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionContext;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.action.RunningAction;
import dev.flotilla.engine.model.Durations;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code simulate} action: waits a while and succeeds or fails, without touching any machine.
 * It lets a plan be rehearsed (what-if runs, benchmarks, tests) with the engine's real timing and
 * failure handling.
 *
 * <p>Parameters:
 *
 * <ul>
 *   <li>{@code duration}: how long one execution takes, as a plan duration ({@code 2s}); default
 *       {@code 0s}.
 *   <li>{@code jitter}: a fraction in [0, 1]; each execution takes {@code duration * (1 + u *
 *       jitter)} with {@code u} uniform in [-1, 1]; default 0.
 *   <li>{@code failureRate}: the probability in [0, 1] that an execution fails; default 0.
 *   <li>{@code failOn}: target names on which every execution fails; default none.
 * </ul>
 *
 * <p>Every random draw comes from a generator seeded by (plan seed, step, target, attempt) alone,
 * so the same plan and seed give the same outcomes whatever order executions are scheduled in,
 * while a retry (a new attempt) draws afresh. A failing execution still takes its full duration, as
 * a failing deployment script would.
 */
public final class SimulateActionType implements ActionType {

  public static final String NAME = "simulate";

  static final String DURATION = "duration";
  static final String JITTER = "jitter";
  static final String FAILURE_RATE = "failureRate";
  static final String FAIL_ON = "failOn";
  private static final Set<String> KEYS = Set.of(DURATION, JITTER, FAILURE_RATE, FAIL_ON);

  private final double timeScale;

  /**
   * @param timeScale multiplies every simulated duration: 1 is real time, 0.1 ten times faster
   * @throws IllegalArgumentException if {@code timeScale} is not a positive number
   */
  public SimulateActionType(double timeScale) {
    if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
      throw new IllegalArgumentException("timeScale must be a positive number, not " + timeScale);
    }
    this.timeScale = timeScale;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Action configure(Map<String, Object> parameters) throws InvalidActionException {
    return new SimulateAction(Parameters.parse(parameters), timeScale);
  }

  /**
   * The duration a simulate action's parameters ask for, before time scaling and jitter: what a
   * lower-bound estimate of a plan's run time should count for it.
   *
   * @throws IllegalArgumentException if the parameters are not valid simulate parameters
   */
  public static Duration nominalDuration(Map<String, Object> parameters) {
    try {
      return Parameters.parse(parameters).duration();
    } catch (InvalidActionException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * The seed of one execution's random draws. Mixes every input through a 64-bit finalizer so that
   * neighbouring attempts or similar target names give unrelated streams; uses no {@code hashCode}
   * whose value could change between JVMs.
   */
  static long executionSeed(long planSeed, String step, String target, int attempt) {
    long h = mix64(planSeed);
    h = mix64(h ^ fnv1a64(step));
    h = mix64(h ^ (target == null ? NO_TARGET : fnv1a64(target)));
    return mix64(h ^ attempt);
  }

  /** Stands for the engine itself as a target, so it never collides with a target's hash. */
  private static final long NO_TARGET = 0x9E3779B97F4A7C15L;

  private static long fnv1a64(String text) {
    long hash = 0xCBF29CE484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xFF;
      hash *= 0x100000001B3L;
    }
    return hash;
  }

  /** Stafford's variant 13 of the MurmurHash3 finalizer, as used by {@link SplittableRandom}. */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Checked simulate parameters. */
  private record Parameters(
      Duration duration, double jitter, double failureRate, Set<String> failOn) {

    static Parameters parse(Map<String, Object> parameters) throws InvalidActionException {
      Map<String, Object> given = parameters == null ? Map.of() : parameters;
      for (String key : new TreeSet<>(given.keySet())) {
        if (!KEYS.contains(key)) {
          throw new InvalidActionException(
              key,
              "unknown simulate parameter \""
                  + key
                  + "\" (known: duration, jitter, failureRate, failOn)");
        }
      }
      return new Parameters(
          duration(given.get(DURATION)),
          fraction(JITTER, given.get(JITTER)),
          fraction(FAILURE_RATE, given.get(FAILURE_RATE)),
          targets(given.get(FAIL_ON)));
    }

    private static Duration duration(Object value) throws InvalidActionException {
      if (value == null) {
        return Duration.ZERO;
      }
      if (!(value instanceof String text)) {
        throw new InvalidActionException(
            DURATION, "must be a duration such as 250ms or 2s, not " + value);
      }
      try {
        return Durations.parse(text);
      } catch (IllegalArgumentException e) {
        throw new InvalidActionException(DURATION, e.getMessage());
      }
    }

    /** A number in [0, 1]; a quoted number is accepted, as plans may come from templated text. */
    private static double fraction(String key, Object value) throws InvalidActionException {
      if (value == null) {
        return 0;
      }
      double number;
      if (value instanceof Number n) {
        number = n.doubleValue();
      } else if (value instanceof String text) {
        try {
          number = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
          number = Double.NaN;
        }
      } else {
        number = Double.NaN;
      }
      if (!(number >= 0 && number <= 1)) {
        throw new InvalidActionException(key, "must be a number from 0 to 1, not " + value);
      }
      return number;
    }

    private static Set<String> targets(Object value) throws InvalidActionException {
      if (value == null) {
        return Set.of();
      }
      if (value instanceof String single) {
        return Set.of(single);
      }
      if (value instanceof List<?> list) {
        Set<String> names = new TreeSet<>();
        for (Object item : list) {
          if (!(item instanceof String name)) {
            throw new InvalidActionException(
                FAIL_ON, "must list target names, but contains " + item);
          }
          names.add(name);
        }
        return Set.copyOf(names);
      }
      throw new InvalidActionException(FAIL_ON, "must be a list of target names, not " + value);
    }
  }

  private record SimulateAction(Parameters parameters, double timeScale) implements Action {

    /** Shared by every instant success: the cheapest possible execution, for benchmarks. */
    private static final RunningAction INSTANT_SUCCESS = new Finished(ActionResult.success());

    @Override
    public RunningAction start(ActionContext context) {
      SplittableRandom random =
          new SplittableRandom(
              executionSeed(context.seed(), context.step(), context.target(), context.attempt()));
      // Both draws are always made, in this order, so that changing one parameter does not move
      // the outcomes another parameter decides.
      double failureDraw = random.nextDouble();
      double jitterDraw = random.nextDouble(-1.0, 1.0);

      ActionResult outcome = outcome(context.target(), failureDraw);
      double nanos =
          parameters.duration().toNanos() * (1 + jitterDraw * parameters.jitter()) * timeScale;
      long delay = Math.round(nanos);
      if (delay <= 0) {
        // No timer hop: a zero duration completes on the caller's thread.
        return outcome.succeeded() ? INSTANT_SUCCESS : new Finished(outcome);
      }
      return Scheduled.start(outcome, delay, context);
    }

    private ActionResult outcome(String target, double failureDraw) {
      if (target != null && parameters.failOn().contains(target)) {
        return ActionResult.failure("simulated failure on " + target + " (failOn)");
      }
      if (failureDraw < parameters.failureRate()) {
        return ActionResult.failure(
            "simulated failure (failureRate "
                + BigDecimal.valueOf(parameters.failureRate()).stripTrailingZeros().toPlainString()
                + ")");
      }
      return ActionResult.success();
    }
  }

  /** An execution that ended as it started. */
  private record Finished(CompletionStage<ActionResult> result) implements RunningAction {

    Finished(ActionResult outcome) {
      this(CompletableFuture.completedStage(outcome));
    }

    @Override
    public void cancel() {}
  }

  /** An execution whose outcome is delivered by the runtime's timer. */
  private record Scheduled(CompletableFuture<ActionResult> result, ScheduledFuture<?> completion)
      implements RunningAction {

    static RunningAction start(ActionResult outcome, long delayNanos, ActionContext context) {
      CompletableFuture<ActionResult> result = new CompletableFuture<>();
      try {
        ScheduledFuture<?> completion =
            context
                .runtime()
                .timer()
                .schedule(() -> result.complete(outcome), delayNanos, TimeUnit.NANOSECONDS);
        return new Scheduled(result, completion);
      } catch (RejectedExecutionException e) {
        return new Finished(
            ActionResult.failure("cannot schedule the simulation: timer is shut down"));
      }
    }

    @Override
    public void cancel() {
      completion.cancel(false);
      result.complete(ActionResult.failure("cancelled"));
    }
  }
}
