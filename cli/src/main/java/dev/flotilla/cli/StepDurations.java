package dev.flotilla.cli;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionWaiting;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntConsumer;

/**
 * The two durations of each step, from the deployment's events; the live {@code finished} line and
 * the summary table show both, with these labels:
 *
 * <ul>
 *   <li><b>elapsed</b>: from the step's start to its end: everything the step took, waits for
 *       target guards (held by other steps or deployments) and for its cap included. The engine
 *       stamps a step's start when it records it, which can be a moment after its first execution
 *       asked for its guard or started (those carry their own times): the earliest of them is the
 *       start, so elapsed is never shorter than active;
 *   <li><b>active</b>: from its first execution's start to its last execution's end (a rolling
 *       step's through all its children): the wait before its first execution could start is left
 *       out. It is what {@code DeploymentResult.StepSummary.durationMs} measures.
 * </ul>
 *
 * <p>Fed one event at a time, in event order, from one thread; read from any thread.
 */
final class StepDurations {

  private static final long NONE = Long.MIN_VALUE;
  private static final double MICROS_PER_MS = 1_000.0;

  private final PlanLayout layout;
  private final AtomicLongArray started;
  private final AtomicLongArray finished;

  /** The first time an execution of the step asked for its guard or started. */
  private final AtomicLongArray firstActivity;

  private final AtomicLongArray firstStart;
  private final AtomicLongArray lastEnd;

  StepDurations(PlanLayout layout) {
    this.layout = layout;
    int steps = layout.steps().size();
    started = filled(steps);
    finished = filled(steps);
    firstActivity = filled(steps);
    firstStart = filled(steps);
    lastEnd = filled(steps);
  }

  /** The durations of a deployment already recorded, such as one read back from its journal. */
  static StepDurations of(PlanLayout layout, List<DeploymentEvent> events) {
    StepDurations durations = new StepDurations(layout);
    events.forEach(durations::onEvent);
    return durations;
  }

  void onEvent(DeploymentEvent event) {
    if (event instanceof StepStarted stepStarted) {
      started.set(stepStarted.step(), stepStarted.atMicros());
      // A rolling step's children start with it: its window opens for all of them at once.
      for (StepInfo child : layout.childrenOf(stepStarted.step())) {
        started.set(child.index(), stepStarted.atMicros());
      }
    } else if (event instanceof StepFinished stepFinished) {
      finished.set(stepFinished.step(), stepFinished.atMicros());
    } else if (event instanceof ExecutionWaiting executionWaiting) {
      forStepAndParent(
          executionWaiting.step(),
          step -> earliest(firstActivity, step, executionWaiting.atMicros()));
    } else if (event instanceof ExecutionStarted executionStarted) {
      forStepAndParent(
          executionStarted.step(),
          step -> {
            earliest(firstActivity, step, executionStarted.atMicros());
            earliest(firstStart, step, executionStarted.atMicros());
          });
    } else if (event instanceof ExecutionFinished executionFinished) {
      // An interrupted execution's end is unknown (as in the timeline): only finished ones end the
      // span.
      forStepAndParent(
          executionFinished.step(),
          step -> lastEnd.accumulateAndGet(step, executionFinished.atMicros(), Math::max));
    }
  }

  /** From the step's start to its end (see the class comment); null until it has ended. */
  Double elapsedMs(int step) {
    long start = started.get(step);
    long end = finished.get(step);
    if (start == NONE || end == NONE) {
      return null;
    }
    long first = firstActivity.get(step);
    long from = first == NONE ? start : Math.min(start, first);
    long to = Math.max(end, lastEnd.get(step));
    return Math.max(0, to - from) / MICROS_PER_MS;
  }

  /** From its first execution's start to its last execution's end; null if no execution started. */
  Double activeMs(int step) {
    long from = firstStart.get(step);
    if (from == NONE) {
      return null;
    }
    long to = lastEnd.get(step);
    return to == NONE ? 0.0 : Math.max(0, to - from) / MICROS_PER_MS;
  }

  private void forStepAndParent(int step, IntConsumer update) {
    update.accept(step);
    StepInfo info = layout.step(step);
    if (info.isChild()) {
      update.accept(info.parent());
    }
  }

  private static void earliest(AtomicLongArray times, int step, long atMicros) {
    times.accumulateAndGet(
        step,
        atMicros,
        (current, candidate) -> current == NONE ? candidate : Math.min(current, candidate));
  }

  private static AtomicLongArray filled(int length) {
    AtomicLongArray array = new AtomicLongArray(length);
    for (int i = 0; i < length; i++) {
      array.set(i, NONE);
    }
    return array;
  }
}
