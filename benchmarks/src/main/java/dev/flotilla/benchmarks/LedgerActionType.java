package dev.flotilla.benchmarks;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.action.RunningAction;
import dev.flotilla.engine.model.Durations;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code ledger} action: takes {@code duration} (a plan duration, default {@code 0ms}) and
 * appends {@code start end target step} to the benchmark's {@link Ledger}, with its own start and
 * end read from {@code System.nanoTime()} inside the action, so the checker judges what the action
 * saw, not what the engine recorded. A non-zero duration waits on the engine's timer, as the
 * built-in {@code simulate} does; zero completes on the calling thread.
 *
 * <p>{@code step}, optional, is the label to record instead of the execution's step: a rolling
 * step's children record their rolling step, so the checker holds them all to its window.
 */
final class LedgerActionType implements ActionType {

  static final String NAME = "ledger";
  private static final Set<String> KEYS = Set.of("duration", "step");
  private static final RunningAction SUCCEEDED = RunningAction.completed(ActionResult.success());

  private final Ledger ledger;

  LedgerActionType(Ledger ledger) {
    this.ledger = ledger;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Action configure(Map<String, Object> parameters) throws InvalidActionException {
    for (String key : parameters.keySet()) {
      if (!KEYS.contains(key)) {
        throw new InvalidActionException(
            key, "unknown ledger parameter \"" + key + "\" (known: duration, step)");
      }
    }
    long nanos;
    try {
      nanos = Durations.parse(String.valueOf(parameters.getOrDefault("duration", "0ms"))).toNanos();
    } catch (IllegalArgumentException e) {
      throw new InvalidActionException("duration", e.getMessage());
    }
    Object label = parameters.get("step");
    return context -> {
      long start = System.nanoTime();
      String target = context.target() == null ? "engine" : context.target();
      String step = label == null ? context.step() : label.toString();
      if (nanos == 0) {
        ledger.record(start, System.nanoTime(), target, step);
        return SUCCEEDED;
      }
      CompletableFuture<ActionResult> result = new CompletableFuture<>();
      try {
        ScheduledFuture<?> end =
            context
                .runtime()
                .timer()
                .schedule(
                    () -> {
                      ledger.record(start, System.nanoTime(), target, step);
                      result.complete(ActionResult.success());
                    },
                    nanos - (System.nanoTime() - start),
                    TimeUnit.NANOSECONDS);
        return RunningAction.of(
            result,
            () -> {
              end.cancel(false);
              result.complete(ActionResult.failure("cancelled"));
            });
      } catch (RejectedExecutionException e) {
        return RunningAction.completed(ActionResult.failure("the engine's timer is shut down"));
      }
    };
  }
}
