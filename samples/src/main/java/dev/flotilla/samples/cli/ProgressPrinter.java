package dev.flotilla.samples.cli;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.CancelRequested;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionWaiting;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepSkipped;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.ExecutionKey;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.model.Durations;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;

/**
 * Shows a running deployment as lines of text: a line when a step starts, finishes or is skipped,
 * a failed execution (the first few per step), a summary of the executions of a step that wait
 * for a target guard, the output of scripts prefixed with {@code [step/target]}, and a status line
 * with the execution counts every status interval.
 *
 * <p>Events arrive on the deployment's actor, which must never wait: the listener side only
 * updates counters and queues finished lines. One printer thread writes them, and on each tick
 * the waiting summaries and the status line. What scales with the fleet is summarized or capped:
 * one waiting line per step per tick, script output only while few executions run and at most so
 * many lines a second (the rest are counted), failures one by one only up to a cap per step.
 */
final class ProgressPrinter implements DeploymentListener, AutoCloseable {

  private static final long JOIN_TIMEOUT_SECONDS = 5;

  /** A line to print, or the end of the printing. */
  private record Line(String text) {}

  private static final Line END = new Line(null);

  private final PlanLayout layout;
  private final CliSettings settings;
  private final PrintWriter out;
  private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
  private final Thread printer;

  // Touched by the deployment's actor only: callbacks come one at a time, in event order.
  private final int[] succeeded;
  private final int[] failed;
  private final int[] cancelled;
  private final int[] failuresShown;
  private final long[] startedAtMicros;
  private final Set<ExecutionKey> waitingExecutions = new HashSet<>();
  private final Set<ExecutionKey> runningExecutions = new HashSet<>();
  private final Map<Integer, List<String>> finishedChildLines = new HashMap<>();
  private String deploymentId = "";
  private long outputWindowStartNanos = System.nanoTime();
  private int outputLinesInWindow;

  // Shared with the printer thread.
  private volatile long originMicros = nowMicros();
  private volatile boolean started;
  private volatile boolean over;
  private final AtomicInteger stepsRunning = new AtomicInteger();
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger succeededTotal = new AtomicInteger();
  private final AtomicInteger failedTotal = new AtomicInteger();
  private final AtomicInteger cancelledTotal = new AtomicInteger();
  private final AtomicLong outputNotShown = new AtomicLong();
  private final AtomicIntegerArray newWaits;
  private final AtomicReferenceArray<String> latestWait;

  private boolean printerStarted;
  private boolean closed;

  ProgressPrinter(PlanLayout layout, CliSettings settings, PrintWriter out) {
    this.layout = layout;
    this.settings = settings;
    this.out = out;
    int steps = layout.steps().size();
    succeeded = new int[steps];
    failed = new int[steps];
    cancelled = new int[steps];
    failuresShown = new int[steps];
    startedAtMicros = new long[steps];
    newWaits = new AtomicIntegerArray(steps);
    latestWait = new AtomicReferenceArray<>(steps);
    printer = new Thread(this::printLoop, "flotilla-progress");
    printer.setDaemon(true);
  }

  /** Starts the printer thread. Without it, lines wait until {@link #tick} or {@link #close}. */
  synchronized void start() {
    if (!printerStarted && !closed) {
      printerStarted = true;
      printer.start();
    }
  }

  /** Prints what is left and stops the printer thread; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (printerStarted) {
      lines.add(END);
      try {
        printer.join(TimeUnit.SECONDS.toMillis(JOIN_TIMEOUT_SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else {
      printQueued();
    }
    out.flush();
  }

  // ---- listener side: on the deployment's actor, never blocks ----

  @Override
  public void onEvent(DeploymentEvent event) {
    if (event instanceof DeploymentAccepted accepted) {
      deploymentId = accepted.deploymentId();
      originMicros = accepted.atMicros();
    } else if (event instanceof DeploymentStarted deploymentStarted) {
      originMicros = deploymentStarted.atMicros();
      started = true;
    } else if (event instanceof StepStarted stepStarted) {
      onStepStarted(stepStarted);
    } else if (event instanceof StepSkipped skipped) {
      if (!layout.step(skipped.step()).isChild()) {
        emit(skipped.atMicros(), "skipped", layout.step(skipped.step()).name() + ": " + skipped.reason());
      }
    } else if (event instanceof ExecutionWaiting executionWaiting) {
      onExecutionWaiting(executionWaiting);
    } else if (event instanceof ExecutionStarted executionStarted) {
      ExecutionKey key = new ExecutionKey(executionStarted.step(), executionStarted.target());
      if (waitingExecutions.remove(key)) {
        waiting.decrementAndGet();
      }
      if (runningExecutions.add(key)) {
        running.incrementAndGet();
      }
    } else if (event instanceof ExecutionFinished finished) {
      onExecutionFinished(finished);
    } else if (event instanceof StepFinished finished) {
      onStepFinished(finished);
    } else if (event instanceof CancelRequested cancel) {
      emit(cancel.atMicros(), "cancelling", "the deployment: " + cancel.reason());
    } else if (event instanceof DeploymentFinished) {
      over = true;
    }
  }

  @Override
  public void onLogLine(ExecutionLogLine line) {
    if (running.get() > settings.outputMaxRunning()) {
      outputNotShown.incrementAndGet();
      return;
    }
    long now = System.nanoTime();
    if (now - outputWindowStartNanos >= TimeUnit.SECONDS.toNanos(1)) {
      outputWindowStartNanos = now;
      outputLinesInWindow = 0;
    }
    if (outputLinesInWindow >= settings.outputLinesPerSecond()) {
      outputNotShown.incrementAndGet();
      return;
    }
    outputLinesInWindow++;
    String where = line.stepName() + "/" + (line.target() == null ? "engine" : line.target())
        + (line.attempt() > 1 ? " attempt " + line.attempt() : "");
    lines.add(new Line(elapsed(nowMicros()) + "  [" + where + "] " + line.text()));
  }

  private void onStepStarted(StepStarted event) {
    StepInfo step = layout.step(event.step());
    startedAtMicros[event.step()] = event.atMicros();
    for (StepInfo child : layout.childrenOf(event.step())) {
      startedAtMicros[child.index()] = event.atMicros();
    }
    stepsRunning.incrementAndGet();
    String what;
    if (step.step().runOnServer()) {
      what = "on the engine";
    } else if (step.targets().isEmpty()) {
      what = "no targets with roles " + step.step().roles();
    } else if (step.step().isRolling()) {
      what = count(step.targets().size(), "target") + ", window " + step.targetCap() + " ("
          + layout.childrenOf(step.index()).stream().map(StepInfo::name).collect(Collectors.joining(", ")) + ")";
    } else {
      what = count(step.targets().size(), "target")
          + (step.targets().size() > step.targetCap() ? ", " + step.targetCap() + " at once" : "");
    }
    emit(event.atMicros(), "started", step.name() + ": " + what);
  }

  private void onExecutionWaiting(ExecutionWaiting event) {
    if (waitingExecutions.add(new ExecutionKey(event.step(), event.target()))) {
      waiting.incrementAndGet();
    }
    String heldBy = event.heldBy() == null ? "another holder"
        : event.heldBy().replace("deployment " + deploymentId, "this deployment");
    latestWait.set(event.step(), event.target() + ", held by " + heldBy);
    newWaits.incrementAndGet(event.step());
  }

  private void onExecutionFinished(ExecutionFinished event) {
    int step = event.step();
    ExecutionKey key = new ExecutionKey(step, event.target());
    if (runningExecutions.remove(key)) {
      running.decrementAndGet();
    }
    if (waitingExecutions.remove(key)) {
      waiting.decrementAndGet();
    }
    if (!event.last()) {
      if (event.status().isFailure()) {
        reportFailure(event, "retrying", "attempt " + event.attempt() + " failed: " + reason(event));
      }
      return;
    }
    switch (event.status()) {
      case SUCCEEDED -> {
        succeeded[step]++;
        succeededTotal.incrementAndGet();
      }
      case FAILED, TIMED_OUT -> {
        failed[step]++;
        failedTotal.incrementAndGet();
        reportFailure(event, event.status() == ExecutionStatus.TIMED_OUT ? "timed out" : "failed",
            (event.attempt() > 1 ? "attempt " + event.attempt() + ": " : "") + reason(event));
      }
      case CANCELLED -> {
        cancelled[step]++;
        cancelledTotal.incrementAndGet();
      }
      default -> { }
    }
  }

  /** One line per failed attempt, up to the cap per step; then one line saying the rest are counted. */
  private void reportFailure(ExecutionFinished event, String label, String text) {
    int step = event.step();
    int shown = failuresShown[step]++;
    String name = layout.step(step).name();
    if (shown < settings.failuresShownPerStep()) {
      String where = event.target() == null ? "on the engine" : "on " + event.target();
      emit(event.atMicros(), label, name + " " + where + ": " + text);
    } else if (shown == settings.failuresShownPerStep()) {
      emit(event.atMicros(), label, name + ": more failed attempts are counted, not shown");
    }
  }

  private static String reason(ExecutionFinished event) {
    return event.message() == null || event.message().isBlank()
        ? event.status().name().toLowerCase(Locale.ROOT) : event.message();
  }

  private void onStepFinished(StepFinished event) {
    StepInfo step = layout.step(event.step());
    if (step.isChild()) {
      // The engine finishes the children just before their rolling step: show them under it.
      finishedChildLines.computeIfAbsent(step.parent(), parent -> new ArrayList<>())
          .add("  " + step.name() + " " + event.status() + ": "
              + counts(succeeded[step.index()], failed[step.index()], cancelled[step.index()], targets(step))
              + " in " + duration(event.atMicros() - startedAtMicros[step.index()]));
      return;
    }
    stepsRunning.decrementAndGet();
    int stepSucceeded = succeeded[step.index()];
    int stepFailed = failed[step.index()];
    int stepCancelled = cancelled[step.index()];
    List<StepInfo> children = layout.childrenOf(step.index());
    if (!children.isEmpty()) {
      // A target made it through a rolling step when it succeeded its last child.
      stepSucceeded = succeeded[children.get(children.size() - 1).index()];
      for (StepInfo child : children) {
        stepFailed += failed[child.index()];
        stepCancelled += cancelled[child.index()];
      }
    }
    emit(event.atMicros(), "finished", step.name() + " " + event.status() + ": "
        + counts(stepSucceeded, stepFailed, stepCancelled, targets(step))
        + " in " + duration(event.atMicros() - startedAtMicros[step.index()]));
    List<String> childLines = finishedChildLines.remove(step.index());
    if (childLines != null) {
      for (String childLine : childLines) {
        emit(event.atMicros(), "finished", childLine);
      }
    }
  }

  private static String counts(int succeeded, int failed, int cancelled, int targets) {
    int skipped = Math.max(0, targets - succeeded - failed - cancelled);
    return succeeded + " succeeded, " + failed + " failed, " + skipped + " skipped"
        + (cancelled > 0 ? ", " + cancelled + " cancelled" : "");
  }

  private static int targets(StepInfo step) {
    return step.step().runOnServer() ? 1 : step.targets().size();
  }

  private void emit(long atMicros, String label, String text) {
    lines.add(new Line(format(atMicros, label, text)));
  }

  // ---- printer side ----

  private void printLoop() {
    long intervalNanos = settings.statusInterval().toNanos();
    long nextTick = System.nanoTime() + intervalNanos;
    try {
      while (true) {
        long wait = nextTick - System.nanoTime();
        Line line = wait > 0 ? lines.poll(wait, TimeUnit.NANOSECONDS) : null;
        if (line != null) {
          if (print(line) || printQueued()) {
            out.flush();
            return;
          }
        }
        if (System.nanoTime() - nextTick >= 0) {
          tick();
          nextTick = System.nanoTime() + intervalNanos;
        }
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Prints the queued lines; returns whether the end was among them. */
  private boolean printQueued() {
    List<Line> batch = new ArrayList<>();
    lines.drainTo(batch);
    for (Line line : batch) {
      if (print(line)) {
        return true;
      }
    }
    return false;
  }

  /** Prints one line; returns whether it was the end instead. */
  private boolean print(Line line) {
    if (line == END) {
      return true;
    }
    out.println(line.text());
    return false;
  }

  /**
   * Prints the queued lines, then one summary line per step whose executions started waiting for
   * a target guard since the last tick, then the status line. The printer thread calls it every
   * status interval.
   */
  void tick() {
    printQueued();
    if (over) {
      return;
    }
    long now = nowMicros();
    for (int step = 0; step < newWaits.length(); step++) {
      int count = newWaits.getAndSet(step, 0);
      if (count == 1) {
        out.println(format(now, "waiting", layout.step(step).name() + " on " + latestWait.get(step)));
      } else if (count > 1) {
        out.println(format(now, "waiting", layout.step(step).name() + ": " + count
            + " executions started waiting for their target guard (latest: " + latestWait.get(step) + ")"));
      }
    }
    out.println(format(now, "status", statusText()));
  }

  private String statusText() {
    if (!started) {
      return "queued: waiting for the engine's deployment cap or concurrency tag";
    }
    StringBuilder text = new StringBuilder()
        .append(count(stepsRunning.get(), "step")).append(" running | executions: ")
        .append(waiting.get()).append(" waiting, ")
        .append(running.get()).append(" running, ")
        .append(succeededTotal.get()).append(" succeeded, ")
        .append(failedTotal.get()).append(" failed");
    int cancelledNow = cancelledTotal.get();
    if (cancelledNow > 0) {
      text.append(", ").append(cancelledNow).append(" cancelled");
    }
    long notShown = outputNotShown.getAndSet(0);
    if (notShown > 0) {
      text.append(" | ").append(notShown).append(notShown == 1 ? " output line" : " output lines")
          .append(" not shown");
    }
    return text.toString();
  }

  // ---- formatting ----

  private String format(long atMicros, String label, String text) {
    return String.format(Locale.ROOT, "%s  %-10s %s", elapsed(atMicros), label, text);
  }

  /** Seconds since the deployment started, right-aligned so the lines form a column. */
  private String elapsed(long atMicros) {
    return String.format(Locale.ROOT, "%7.1fs", Math.max(0, atMicros - originMicros) / 1_000_000.0);
  }

  private static String duration(long micros) {
    return Durations.format(Duration.ofNanos(Math.max(0, micros) * 1_000));
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
