package dev.flotilla.cli.progress;

import dev.flotilla.cli.progress.ProgressSnapshot.Admission;
import dev.flotilla.cli.progress.ProgressSnapshot.Child;
import dev.flotilla.cli.progress.ProgressSnapshot.Counts;
import dev.flotilla.cli.progress.ProgressSnapshot.StepRow;
import dev.flotilla.cli.progress.ProgressSnapshot.Wait;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionInterrupted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionWaiting;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepSkipped;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.deployment.ExecutionKey;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Counts what a deployment's executions are doing, per step and in total, from its events.
 *
 * <p>{@link #onEvent} is called by the deployment's actor, one event at a time, and never blocks:
 * the bookkeeping that needs collections stays on that thread, and everything a display reads is
 * published in atomics, so {@link #snapshot} may be taken from any thread at any time.
 *
 * <p>A step's bar counts <em>targets</em>, each once: a target is done when its last attempt ended
 * (a retried attempt does not count), and for a rolling step when it has run the last child its
 * conditions let it run, failed, or was cancelled. A step on the engine has one target.
 */
public final class ProgressTracker {

  private static final int PENDING = 0;
  private static final int RUNNING = 1;
  private static final int OVER = 2;

  private final PlanLayout layout;

  // Published, per step of the flattened layout.
  private final AtomicIntegerArray phase;
  private final AtomicLongArray startedAtMicros;
  private final AtomicIntegerArray running;
  private final AtomicIntegerArray waiting;
  private final AtomicIntegerArray retried;

  /** Final attempts that ended each way: for a child, its own executions. */
  private final AtomicIntegerArray succeeded;

  private final AtomicIntegerArray failed;
  private final AtomicIntegerArray cancelled;

  /** Targets through a top-level step, each way. */
  private final AtomicIntegerArray targetsSucceeded;

  private final AtomicIntegerArray targetsFailed;
  private final AtomicIntegerArray targetsCancelled;
  private final AtomicReferenceArray<Wait> waitingFor;

  // Published, whole deployment.
  private final AtomicInteger totalWaiting = new AtomicInteger();
  private final AtomicInteger totalRunning = new AtomicInteger();
  private final AtomicInteger totalSucceeded = new AtomicInteger();
  private final AtomicInteger totalFailed = new AtomicInteger();
  private final AtomicInteger totalCancelled = new AtomicInteger();
  private final AtomicInteger stepsRunning = new AtomicInteger();
  private final AtomicReference<Wait> mostWaitedFor = new AtomicReference<>();
  private volatile String deploymentId = "";

  /** When it was submitted (the tracker's creation, then the engine's acceptance). */
  private volatile long submittedMicros;

  /** When it started; meaningful once {@link #started}. */
  private volatile long startedMicros;

  private volatile boolean started;
  private volatile boolean over;

  // The deployment's actor only.
  private final Map<ExecutionKey, String> waitingOn = new HashMap<>();
  private final Map<String, Set<ExecutionKey>> waitingByTarget = new HashMap<>();
  private final Set<ExecutionKey> runningNow = new HashSet<>();

  /** Per top-level step: holder to the targets waiting for it, longest waiting first. */
  private final Map<Integer, Map<String, LinkedHashSet<String>>> holdersByStep = new HashMap<>();

  private final Map<String, Integer> waitsByHolder = new HashMap<>();

  /** Per rolling step: targets that failed a child and may still run a later one. */
  private final Map<Integer, Set<String>> failedInWindow = new HashMap<>();

  /**
   * @param submittedMicros when the deployment was submitted, until the engine says when it
   *     accepted it
   */
  public ProgressTracker(PlanLayout layout, long submittedMicros) {
    this.layout = layout;
    this.submittedMicros = submittedMicros;
    int steps = layout.steps().size();
    phase = new AtomicIntegerArray(steps);
    startedAtMicros = new AtomicLongArray(steps);
    running = new AtomicIntegerArray(steps);
    waiting = new AtomicIntegerArray(steps);
    retried = new AtomicIntegerArray(steps);
    succeeded = new AtomicIntegerArray(steps);
    failed = new AtomicIntegerArray(steps);
    cancelled = new AtomicIntegerArray(steps);
    targetsSucceeded = new AtomicIntegerArray(steps);
    targetsFailed = new AtomicIntegerArray(steps);
    targetsCancelled = new AtomicIntegerArray(steps);
    waitingFor = new AtomicReferenceArray<>(steps);
  }

  // ---- on the deployment's actor ----

  /** Folds one event in; call in event order, from one thread at a time. */
  public void onEvent(DeploymentEvent event) {
    if (event instanceof DeploymentAccepted accepted) {
      deploymentId = accepted.deploymentId();
      submittedMicros = accepted.atMicros();
    } else if (event instanceof DeploymentStarted deploymentStarted) {
      startedMicros = deploymentStarted.atMicros();
      started = true;
    } else if (event instanceof StepStarted stepStarted) {
      onStepStarted(stepStarted);
    } else if (event instanceof StepSkipped skipped) {
      phase.set(skipped.step(), OVER);
    } else if (event instanceof ExecutionWaiting executionWaiting) {
      addWait(
          new ExecutionKey(executionWaiting.step(), executionWaiting.target()),
          holderText(executionWaiting.heldBy()));
    } else if (event instanceof ExecutionStarted executionStarted) {
      onExecutionStarted(executionStarted);
    } else if (event instanceof ExecutionFinished finished) {
      onExecutionEnded(finished.step(), finished.target(), finished.status(), finished.last());
    } else if (event instanceof ExecutionInterrupted interrupted) {
      // Run again, it is the next attempt; not run again, it failed.
      onExecutionEnded(
          interrupted.step(),
          interrupted.target(),
          ExecutionStatus.INTERRUPTED,
          !interrupted.rerun());
    } else if (event instanceof StepFinished finished) {
      onStepFinished(finished.step());
    } else if (event instanceof DeploymentFinished) {
      over = true;
      new ArrayList<>(waitingOn.keySet()).forEach(this::removeWait);
    }
  }

  private void onStepStarted(StepStarted event) {
    int step = event.step();
    phase.set(step, RUNNING);
    startedAtMicros.set(step, event.atMicros());
    for (StepInfo child : layout.childrenOf(step)) {
      phase.set(child.index(), RUNNING);
      startedAtMicros.set(child.index(), event.atMicros());
    }
    if (!layout.step(step).isChild()) {
      stepsRunning.incrementAndGet();
    }
  }

  private void onExecutionStarted(ExecutionStarted event) {
    ExecutionKey key = new ExecutionKey(event.step(), event.target());
    removeWait(key);
    if (runningNow.add(key)) {
      running.incrementAndGet(event.step());
      totalRunning.incrementAndGet();
    }
    // The guard went to this execution: whoever else of this deployment waits for the target now
    // waits for it, whatever holder they saw when they queued.
    Set<ExecutionKey> others = event.target() == null ? null : waitingByTarget.get(event.target());
    if (others != null) {
      String holder = ownHolder(event.step());
      for (ExecutionKey other : List.copyOf(others)) {
        if (!holder.equals(waitingOn.get(other))) {
          addWait(other, holder);
        }
      }
    }
  }

  private void onExecutionEnded(int step, String target, ExecutionStatus status, boolean last) {
    ExecutionKey key = new ExecutionKey(step, target);
    removeWait(key);
    if (runningNow.remove(key)) {
      running.decrementAndGet(step);
      totalRunning.decrementAndGet();
    }
    if (!last) {
      if (status.isFailure()) {
        retried.incrementAndGet(step);
      }
      return;
    }
    count(status, succeeded, failed, cancelled, step);
    if (status == ExecutionStatus.SUCCEEDED) {
      totalSucceeded.incrementAndGet();
    } else if (status.isFailure()) {
      totalFailed.incrementAndGet();
    } else if (status == ExecutionStatus.CANCELLED) {
      totalCancelled.incrementAndGet();
    }
    StepInfo info = layout.step(step);
    if (!info.isChild()) {
      count(status, targetsSucceeded, targetsFailed, targetsCancelled, step);
      return;
    }
    int parent = info.parent();
    Set<String> failedHere = failedInWindow.computeIfAbsent(parent, p -> new HashSet<>());
    boolean failedOnTarget = status.isFailure() || failedHere.contains(target);
    if (status != ExecutionStatus.CANCELLED && laterChildRuns(info, failedOnTarget)) {
      if (failedOnTarget) {
        failedHere.add(target);
      }
      return;
    }
    failedHere.remove(target);
    ExecutionStatus through = failedOnTarget ? ExecutionStatus.FAILED : status;
    count(through, targetsSucceeded, targetsFailed, targetsCancelled, parent);
  }

  /**
   * Whether a target that just finished {@code child} runs another child: the engine's own rule,
   * per target.
   */
  private boolean laterChildRuns(StepInfo child, boolean failedOnTarget) {
    List<StepInfo> children = layout.childrenOf(child.parent());
    for (int next = child.index() - child.parent(); next < children.size(); next++) {
      if (children.get(next).step().condition().allows(failedOnTarget, layout.plan().variables())) {
        return true;
      }
    }
    return false;
  }

  private static void count(
      ExecutionStatus status,
      AtomicIntegerArray succeeded,
      AtomicIntegerArray failed,
      AtomicIntegerArray cancelled,
      int step) {
    if (status == ExecutionStatus.SUCCEEDED) {
      succeeded.incrementAndGet(step);
    } else if (status.isFailure()) {
      failed.incrementAndGet(step);
    } else if (status == ExecutionStatus.CANCELLED) {
      cancelled.incrementAndGet(step);
    }
  }

  private void onStepFinished(int step) {
    phase.set(step, OVER);
    StepInfo info = layout.step(step);
    if (info.isChild()) {
      return;
    }
    stepsRunning.decrementAndGet();
    // Executions still queued for a guard when their step ended (a cancel) never start.
    for (ExecutionKey key : List.copyOf(waitingOn.keySet())) {
      if (rowOf(key.step()) == step) {
        removeWait(key);
      }
    }
    failedInWindow.remove(step);
  }

  // ---- guard waits ----

  private void addWait(ExecutionKey key, String holder) {
    removeWait(key);
    waitingOn.put(key, holder);
    if (key.target() != null) {
      waitingByTarget.computeIfAbsent(key.target(), target -> new LinkedHashSet<>()).add(key);
    }
    int row = rowOf(key.step());
    holdersByStep
        .computeIfAbsent(row, r -> new HashMap<>())
        .computeIfAbsent(holder, h -> new LinkedHashSet<>())
        .add(String.valueOf(key.target()));
    waitsByHolder.merge(holder, 1, Integer::sum);
    waiting.incrementAndGet(key.step());
    totalWaiting.incrementAndGet();
    publishWaits(row);
  }

  private void removeWait(ExecutionKey key) {
    String holder = waitingOn.remove(key);
    if (holder == null) {
      return;
    }
    if (key.target() != null) {
      Set<ExecutionKey> onTarget = waitingByTarget.get(key.target());
      onTarget.remove(key);
      if (onTarget.isEmpty()) {
        waitingByTarget.remove(key.target());
      }
    }
    int row = rowOf(key.step());
    Map<String, LinkedHashSet<String>> holders = holdersByStep.get(row);
    Set<String> targets = holders.get(holder);
    targets.remove(String.valueOf(key.target()));
    if (targets.isEmpty()) {
      holders.remove(holder);
    }
    waitsByHolder.computeIfPresent(holder, (h, count) -> count == 1 ? null : count - 1);
    waiting.decrementAndGet(key.step());
    totalWaiting.decrementAndGet();
    publishWaits(row);
  }

  /**
   * Publishes the step's most waited-for holder and the deployment's; holders are few (one per step
   * holding).
   */
  private void publishWaits(int row) {
    Wait top = null;
    for (Map.Entry<String, LinkedHashSet<String>> holder : holdersByStep.get(row).entrySet()) {
      if (top == null || holder.getValue().size() > top.count()) {
        top =
            new Wait(
                holder.getValue().iterator().next(), holder.getKey(), holder.getValue().size());
      }
    }
    waitingFor.set(row, top);
    Wait most = null;
    for (Map.Entry<String, Integer> holder : waitsByHolder.entrySet()) {
      if (most == null || holder.getValue() > most.count()) {
        most = new Wait(null, holder.getKey(), holder.getValue());
      }
    }
    mostWaitedFor.set(most);
  }

  private String ownHolder(int step) {
    return "this deployment step \"" + layout.step(step).name() + "\"";
  }

  private int rowOf(int step) {
    StepInfo info = layout.step(step);
    return info.isChild() ? info.parent() : step;
  }

  // ---- from any thread ----

  /** A guard holder as the engine names it, with this deployment called "this deployment". */
  public String holderText(String heldBy) {
    if (heldBy == null || heldBy.isBlank()) {
      return "another holder";
    }
    return deploymentId.isEmpty()
        ? heldBy
        : heldBy.replace("deployment " + deploymentId, "this deployment");
  }

  public String deploymentId() {
    return deploymentId;
  }

  /**
   * When the deployment started, in microseconds since the epoch: the origin of every time since
   * the start. Meaningful once {@link #started()}; a time before the start has no such offset.
   */
  public long startedMicros() {
    return startedMicros;
  }

  /**
   * When the deployment was submitted (accepted by the engine), in microseconds since the epoch.
   */
  public long submittedMicros() {
    return submittedMicros;
  }

  public boolean started() {
    return started;
  }

  public boolean over() {
    return over;
  }

  public int stepsRunning() {
    return stepsRunning.get();
  }

  public long startedAtMicros(int step) {
    return startedAtMicros.get(step);
  }

  /** Executions running now, in the whole deployment. */
  public int running() {
    return totalRunning.get();
  }

  /** The execution counts of the whole deployment. */
  public Counts executions() {
    return new Counts(
        totalWaiting.get(),
        totalRunning.get(),
        totalSucceeded.get(),
        totalFailed.get(),
        totalCancelled.get());
  }

  /**
   * A step's outcome so far: for a top-level step its targets (a rolling step's through all its
   * children), for a child its own executions.
   */
  public Counts outcome(int step) {
    if (layout.step(step).isChild()) {
      return new Counts(
          waiting.get(step),
          running.get(step),
          succeeded.get(step),
          failed.get(step),
          cancelled.get(step));
    }
    int waitingNow = waiting.get(step);
    int runningNow = running.get(step);
    for (StepInfo child : layout.childrenOf(step)) {
      waitingNow += waiting.get(child.index());
      runningNow += running.get(child.index());
    }
    return new Counts(
        waitingNow,
        runningNow,
        targetsSucceeded.get(step),
        targetsFailed.get(step),
        targetsCancelled.get(step));
  }

  /** The progress now, for a deployment alone on its engine: a row per running top-level step. */
  public ProgressSnapshot snapshot(long nowMicros) {
    return snapshot(nowMicros, false);
  }

  /**
   * The progress now: a row per running top-level step.
   *
   * @param othersRunning whether other deployments run on the engine: a deployment not started then
   *     waits for them (the deployment cap or its concurrency tag), else it is only starting
   */
  public ProgressSnapshot snapshot(long nowMicros, boolean othersRunning) {
    List<StepRow> rows = new ArrayList<>();
    for (StepInfo info : layout.steps()) {
      if (info.isChild() || phase.get(info.index()) != RUNNING) {
        continue;
      }
      int step = info.index();
      Counts targets = outcome(step);
      int retries = retried.get(step);
      List<Child> window = new ArrayList<>();
      for (StepInfo child : layout.childrenOf(step)) {
        retries += retried.get(child.index());
        window.add(new Child(child.name(), running.get(child.index())));
      }
      int total = info.step().runOnServer() ? 1 : info.targets().size();
      int done = targets.succeeded() + targets.failed() + targets.cancelled();
      rows.add(
          new StepRow(info.name(), total, done, targets, retries, waitingFor.get(step), window));
    }
    Admission admission =
        started ? Admission.STARTED : othersRunning ? Admission.QUEUED : Admission.STARTING;
    long since = started ? startedMicros : submittedMicros;
    return new ProgressSnapshot(
        admission, Math.max(0, nowMicros - since), rows, executions(), mostWaitedFor.get());
  }
}
