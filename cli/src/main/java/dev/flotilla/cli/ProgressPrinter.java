package dev.flotilla.cli;

import static dev.flotilla.engine.deployment.WallClock.nowMicros;

import dev.flotilla.cli.progress.LiveScreen;
import dev.flotilla.cli.progress.ProgressMode;
import dev.flotilla.cli.progress.ProgressPanel;
import dev.flotilla.cli.progress.ProgressSnapshot.Counts;
import dev.flotilla.cli.progress.ProgressTracker;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.CancelRequested;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionInterrupted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionWaiting;
import dev.flotilla.engine.deployment.DeploymentEvent.InterventionAnswered;
import dev.flotilla.engine.deployment.DeploymentEvent.InterventionRaised;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepSkipped;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.WallClock;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Shows a running deployment, in one of two {@linkplain ProgressMode modes}.
 *
 * <p>Both print lines that stay, each starting with the wall-clock time and the time since the
 * deployment started: a step starting, finishing or skipped, a failed execution (the first few per
 * step), the output of scripts prefixed with {@code [step/target]}. In <b>lines</b> mode (logs,
 * pipes, CI) a summary of the executions of a step that started waiting for a target guard and a
 * status line with the execution counts follow every status interval. In <b>bars</b> mode (a
 * terminal) the lines scroll above a panel that is redrawn in place instead: a bar of targets done
 * per running step, what its executions wait for, the counts and the elapsed time.
 *
 * <p>Events arrive on the deployment's actor, which must never wait: the listener side only counts
 * (a {@link ProgressTracker}) and queues lines. One other thread prints them: this printer's own in
 * lines mode, the {@link LiveScreen}'s in bars mode. What scales with the fleet is summarized or
 * capped: one waiting line per step per tick, script output only while few executions run and at
 * most so many lines a second (the rest are counted), failures one by one only up to a cap per
 * step.
 *
 * <p>A resumed deployment's printer first {@linkplain #catchUp catches up} on what was recorded
 * before the stop, silently, so its counts and clock carry on from there; with several deployments
 * on one output, each printer tags its lines with its deployment.
 */
final class ProgressPrinter implements DeploymentListener, AutoCloseable, LiveScreen.Source {

  private static final long JOIN_TIMEOUT_SECONDS = 5;
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT);

  /**
   * A line to print, or the end of the printing: what follows its stamp, when it happened, and
   * whether the deployment had started by then (the stamp then shows the time since the start).
   */
  private record Line(long atMicros, boolean sinceStart, String text) {}

  private static final Line END = new Line(0, false, null);

  private final PlanLayout layout;
  private final CliSettings settings;
  private final ProgressMode mode;
  private final PrintWriter out;

  /** Put before every line's label: empty, or the deployment's tag and a space. */
  private final String tag;

  private final String title;
  private final ZoneId zone = ZoneId.systemDefault();
  private final ProgressTracker tracker;
  private final StepDurations durations;
  private final ProgressPanel panel;
  private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
  private final Thread printer;

  // Touched by the deployment's actor only: callbacks come one at a time, in event order.
  private final int[] failuresShown;
  private final Map<Integer, List<String>> finishedChildLines = new HashMap<>();
  private boolean catchingUp;
  private long outputWindowStartNanos = System.nanoTime();
  private int outputLinesInWindow;

  // Shared with the printing thread.
  private final AtomicLong outputNotShown = new AtomicLong();
  private final AtomicIntegerArray newWaits;
  private final AtomicReferenceArray<String> latestWait;

  /**
   * Whether other deployments run on this one's engine: before it starts, it then waits for them.
   */
  private volatile BooleanSupplier othersRunning = () -> false;

  /**
   * The latest time a printed line showed: no line shows an earlier one. On the printing thread.
   */
  private volatile long shownMicros = Long.MIN_VALUE;

  /**
   * The interventions waiting now, by number, as the panel shows them (with how to answer): written
   * by the deployment's actor, read by the screen's thread.
   */
  private final Map<Integer, String> pendingInterventions = new ConcurrentSkipListMap<>();

  /**
   * How a person answers intervention N with decisions D, for the lines and the panel: such as
   * {@code flotilla intervene --server URL ID N retry}. Null: no way is known.
   */
  private volatile BiFunction<Integer, String, String> answerHint;

  private LiveScreen screen;
  private boolean printerStarted;
  private boolean closed;

  /**
   * The CLI's printer: bars when stdout is a terminal, lines otherwise, unless the settings say
   * which.
   */
  ProgressPrinter(PlanLayout layout, CliSettings settings, PrintWriter out) {
    this(layout, settings, out, null);
  }

  /**
   * @param tag names the deployment on every line, when several share the output; null for none
   */
  ProgressPrinter(PlanLayout layout, CliSettings settings, PrintWriter out, String tag) {
    this(layout, settings, settings.progress().mode(ProgressMode.stdoutIsTerminal()), out, tag);
  }

  ProgressPrinter(
      PlanLayout layout, CliSettings settings, ProgressMode mode, PrintWriter out, String tag) {
    this.layout = layout;
    this.settings = settings;
    this.mode = mode;
    this.out = out;
    this.tag = tag == null ? "" : "[" + tag + "] ";
    this.title = tag;
    int steps = layout.steps().size();
    tracker = new ProgressTracker(layout, nowMicros());
    durations = new StepDurations(layout);
    panel = new ProgressPanel(settings.progress());
    failuresShown = new int[steps];
    newWaits = new AtomicIntegerArray(steps);
    latestWait = new AtomicReferenceArray<>(steps);
    printer = new Thread(this::printLoop, "flotilla-progress");
    printer.setDaemon(true);
  }

  /**
   * Tells each printer which others watch deployments of the same engine: a deployment that has not
   * started while another one runs is queued behind it (the deployment cap or a concurrency tag);
   * alone, it is only starting. Call before the deployments are watched.
   */
  static void shareEngine(List<ProgressPrinter> printers) {
    for (ProgressPrinter printer : printers) {
      List<ProgressPrinter> others = printers.stream().filter(other -> other != printer).toList();
      printer.othersRunning = () -> others.stream().anyMatch(ProgressPrinter::running);
    }
  }

  /** The steps' elapsed and active times so far, for the summary. */
  StepDurations durations() {
    return durations;
  }

  /** Whether the deployment runs: started and not over. */
  private boolean running() {
    return tracker.started() && !tracker.over();
  }

  /**
   * Starts printing: the printer thread in lines mode, the terminal's live screen in bars mode.
   * Until then, lines wait for {@link #tick} or {@link #close}.
   */
  synchronized void start() {
    if (!printerStarted && !closed) {
      printerStarted = true;
      if (mode == ProgressMode.BARS) {
        screen = LiveScreen.join(out, settings.progress().redrawInterval(), this);
      } else {
        printer.start();
      }
    }
  }

  /**
   * Shows the progress on {@code screen}, which someone else draws (a test, with {@code drawNow}).
   */
  synchronized void showOn(LiveScreen screen) {
    if (!printerStarted && !closed) {
      printerStarted = true;
      this.screen = screen;
      screen.add(this);
    }
  }

  /** Prints what is left and stops printing; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!printerStarted) {
      printQueued();
    } else if (screen != null) {
      screen.leave(this, Duration.ofSeconds(JOIN_TIMEOUT_SECONDS));
    } else {
      lines.add(END);
      try {
        printer.join(TimeUnit.SECONDS.toMillis(JOIN_TIMEOUT_SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    out.flush();
  }

  /**
   * Takes in what a deployment recorded before it was resumed, without printing it: the counts, the
   * running executions and the clock then carry on where they were. Call before the deployment is
   * resumed, from the thread that resumes it.
   */
  void catchUp(List<DeploymentEvent> history) {
    catchingUp = true;
    try {
      history.forEach(this::onEvent);
    } finally {
      catchingUp = false;
    }
  }

  // ---- listener side: on the deployment's actor, never blocks ----

  @Override
  public void onEvent(DeploymentEvent event) {
    tracker.onEvent(event);
    durations.onEvent(event);
    if (event instanceof StepStarted stepStarted) {
      onStepStarted(stepStarted);
    } else if (event instanceof StepSkipped skipped) {
      if (!layout.step(skipped.step()).isChild()) {
        emit(
            skipped.atMicros(),
            "skipped",
            layout.step(skipped.step()).name() + ": " + skipped.reason());
      }
    } else if (event instanceof ExecutionWaiting executionWaiting) {
      onExecutionWaiting(executionWaiting);
    } else if (event instanceof ExecutionFinished finished) {
      onExecutionFinished(finished);
    } else if (event instanceof ExecutionInterrupted interrupted) {
      reportFailure(
          interrupted.step(),
          interrupted.target(),
          interrupted.atMicros(),
          "interrupted",
          "attempt "
              + interrupted.attempt()
              + " was running when the engine stopped; "
              + (interrupted.rerun() ? "running it again" : "counted as failed"));
    } else if (event instanceof StepFinished finished) {
      onStepFinished(finished);
    } else if (event instanceof CancelRequested cancel) {
      emit(cancel.atMicros(), "cancelling", "the deployment: " + cancel.reason());
    } else if (event instanceof InterventionRaised raised) {
      onInterventionRaised(raised);
    } else if (event instanceof InterventionAnswered answered) {
      if (pendingInterventions.remove(answered.number()) != null) {
        emit(
            answered.atMicros(),
            "decided",
            "intervention "
                + answered.number()
                + ": "
                + answered.decision().wireName()
                + (answered.by() == null ? " (by the engine)" : " by " + answered.by())
                + (answered.note() == null || answered.note().isBlank()
                    ? ""
                    : ": " + answered.note()));
      }
    } else if (event instanceof DeploymentEvent.DeploymentFinished) {
      pendingInterventions.clear();
    }
  }

  /**
   * Sets how a person answers an intervention, shown with every one raised: {@code hint.apply(N,
   * "retry|ignore|exclude|fail")} is the exact command (or prompt input) that answers intervention
   * N.
   */
  void answerWith(BiFunction<Integer, String, String> hint) {
    this.answerHint = hint;
  }

  /** A line of the CLI's own, between the deployment's lines (the interactive prompt's). */
  void say(String label, String text) {
    lines.add(line(nowMicros(), label, text));
  }

  private void onInterventionRaised(InterventionRaised raised) {
    String where =
        layout.step(raised.step()).name()
            + (raised.target() == null ? " on the engine" : " on " + raised.target());
    String choices =
        String.join("|", raised.allowed().stream().map(InterventionDecision::wireName).toList());
    String what =
        raised.instructions() != null
            ? "manual step "
                + where
                + (raised.responsible() == null ? "" : " (for " + raised.responsible() + ")")
                + ": "
                + raised.instructions()
            : where + ", attempt " + raised.attempt() + " failed: " + raised.reason();
    var hint = answerHint;
    String answer = hint == null ? choices : hint.apply(raised.number(), choices);
    String text = "intervention " + raised.number() + " WAITS for a person: " + what;
    pendingInterventions.put(raised.number(), text + " -> answer: " + answer);
    emit(raised.atMicros(), "DECIDE", text);
    emit(raised.atMicros(), "DECIDE", "answer with: " + answer);
  }

  @Override
  public void onLogLine(ExecutionLogLine line) {
    if (tracker.running() > settings.outputMaxRunning()) {
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
    String where =
        line.stepName()
            + "/"
            + (line.target() == null ? "engine" : line.target())
            + (line.attempt() > 1 ? " attempt " + line.attempt() : "");
    lines.add(new Line(nowMicros(), tracker.started(), tag + "[" + where + "] " + line.text()));
  }

  private void onStepStarted(StepStarted event) {
    StepInfo step = layout.step(event.step());
    String what;
    if (step.step().runOnServer()) {
      what = "on the engine";
    } else if (step.targets().isEmpty()) {
      what = "no targets with roles " + step.step().roles();
    } else if (step.step().isRolling()) {
      what =
          count(step.targets().size(), "target")
              + ", window "
              + step.targetCap()
              + " ("
              + layout.childrenOf(step.index()).stream()
                  .map(StepInfo::name)
                  .collect(Collectors.joining(", "))
              + ")";
    } else {
      what =
          count(step.targets().size(), "target")
              + (step.targets().size() > step.targetCap()
                  ? ", " + step.targetCap() + " at once"
                  : "");
    }
    emit(event.atMicros(), "started", step.name() + ": " + what);
  }

  private void onExecutionWaiting(ExecutionWaiting event) {
    if (catchingUp) {
      return;
    }
    latestWait.set(
        event.step(), event.target() + ", held by " + tracker.holderText(event.heldBy()));
    newWaits.incrementAndGet(event.step());
  }

  private void onExecutionFinished(ExecutionFinished event) {
    boolean decides =
        layout.plan().guidedFailure()
            && event.attempt() > layout.step(event.step()).step().retries();
    if (!event.last() && decides && event.status().isFailure()) {
      reportFailure(
          event.step(),
          event.target(),
          event.atMicros(),
          event.status() == ExecutionStatus.TIMED_OUT ? "timed out" : "failed",
          (event.attempt() > 1 ? "attempt " + event.attempt() + ": " : "")
              + reason(event)
              + " (guided failure: a person decides)");
    } else if (!event.last()) {
      if (event.status().isFailure()) {
        reportFailure(
            event.step(),
            event.target(),
            event.atMicros(),
            "retrying",
            "attempt " + event.attempt() + " failed: " + reason(event));
      }
    } else if (event.status().isFailure()) {
      reportFailure(
          event.step(),
          event.target(),
          event.atMicros(),
          event.status() == ExecutionStatus.TIMED_OUT ? "timed out" : "failed",
          (event.attempt() > 1 ? "attempt " + event.attempt() + ": " : "") + reason(event));
    }
  }

  /**
   * One line per failed attempt, up to the cap per step; then one line saying the rest are counted.
   */
  private void reportFailure(int step, String target, long atMicros, String label, String text) {
    int shown = failuresShown[step]++;
    String name = layout.step(step).name();
    if (shown < settings.failuresShownPerStep()) {
      String where = target == null ? "on the engine" : "on " + target;
      emit(atMicros, label, name + " " + where + ": " + text);
    } else if (shown == settings.failuresShownPerStep()) {
      emit(atMicros, label, name + ": more failed attempts are counted, not shown");
    }
  }

  private static String reason(ExecutionFinished event) {
    return event.message() == null || event.message().isBlank()
        ? event.status().name().toLowerCase(Locale.ROOT)
        : event.message();
  }

  private void onStepFinished(StepFinished event) {
    StepInfo step = layout.step(event.step());
    // "in": the step's elapsed time, guard waits included; "active": its first execution's start to
    // its last end.
    Double elapsed = durations.elapsedMs(step.index());
    Double active = durations.activeMs(step.index());
    String line =
        step.name()
            + " "
            + event.status()
            + ": "
            + counts(tracker.outcome(step.index()), targets(step))
            + " in "
            + SummaryTable.duration(elapsed == null ? 0 : elapsed)
            + (active == null ? "" : " (active " + SummaryTable.duration(active) + ")");
    if (step.isChild()) {
      // The engine finishes the children just before their rolling step: show them under it.
      finishedChildLines
          .computeIfAbsent(step.parent(), parent -> new ArrayList<>())
          .add("  " + line);
      return;
    }
    emit(event.atMicros(), "finished", line);
    List<String> childLines = finishedChildLines.remove(step.index());
    if (childLines != null) {
      for (String childLine : childLines) {
        emit(event.atMicros(), "finished", childLine);
      }
    }
  }

  /**
   * Targets of a top-level step (a rolling step's through all its children), executions of a child.
   */
  private static String counts(Counts counts, int targets) {
    int skipped = Math.max(0, targets - counts.succeeded() - counts.failed() - counts.cancelled());
    return counts.succeeded()
        + " succeeded, "
        + counts.failed()
        + " failed, "
        + skipped
        + " skipped"
        + (counts.cancelled() > 0 ? ", " + counts.cancelled() + " cancelled" : "");
  }

  private static int targets(StepInfo step) {
    return step.step().runOnServer() ? 1 : step.targets().size();
  }

  private void emit(long atMicros, String label, String text) {
    if (!catchingUp) {
      lines.add(line(atMicros, label, text));
    }
  }

  // ---- bars mode: on the live screen's thread ----

  @Override
  public void drainLines(List<String> into) {
    for (Line line = lines.poll(); line != null; line = lines.poll()) {
      if (line != END) {
        into.add(render(line));
      }
    }
  }

  @Override
  public List<String> panel(int columns, boolean titled) {
    if (tracker.over()) {
      return List.of();
    }
    String name =
        title != null
            ? title
            : layout.plan().name() + " (deployment " + tracker.deploymentId() + ")";
    List<String> rendered =
        panel.render(
            tracker.snapshot(nowMicros(), othersRunning.getAsBoolean()),
            titled ? name : null,
            columns);
    if (pendingInterventions.isEmpty()) {
      return rendered;
    }
    // Pending interventions first: the deployment waits for them.
    List<String> withInterventions = new ArrayList<>();
    for (String pending : pendingInterventions.values()) {
      withInterventions.add(
          pending.length() > columns && columns > 1
              ? pending.substring(0, columns - 1) + "…"
              : pending);
    }
    withInterventions.addAll(rendered);
    return withInterventions;
  }

  // ---- lines mode: on the printer thread ----

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
    out.println(render(line));
    return false;
  }

  /**
   * Prints the queued lines, then one summary line per step whose executions started waiting for a
   * target guard since the last tick, then the status line. The printer thread calls it every
   * status interval.
   */
  void tick() {
    printQueued();
    if (tracker.over()) {
      return;
    }
    long now = nowMicros();
    for (int step = 0; step < newWaits.length(); step++) {
      int count = newWaits.getAndSet(step, 0);
      if (count == 1) {
        print(line(now, "waiting", layout.step(step).name() + " on " + latestWait.get(step)));
      } else if (count > 1) {
        print(
            line(
                now,
                "waiting",
                layout.step(step).name()
                    + ": "
                    + count
                    + " executions started waiting for their target guard (latest: "
                    + latestWait.get(step)
                    + ")"));
      }
    }
    print(line(now, "status", statusText()));
  }

  private String statusText() {
    if (!tracker.started()) {
      return othersRunning.getAsBoolean()
          ? "queued: waiting for the engine's deployment cap or concurrency tag"
          : "starting: " + ProgressPanel.STARTING;
    }
    Counts executions = tracker.executions();
    StringBuilder text =
        new StringBuilder()
            .append(count(tracker.stepsRunning(), "step"))
            .append(" running | executions: ")
            .append(executions.waiting())
            .append(" waiting, ")
            .append(executions.running())
            .append(" running, ")
            .append(executions.succeeded())
            .append(" succeeded, ")
            .append(executions.failed())
            .append(" failed");
    if (executions.cancelled() > 0) {
      text.append(", ").append(executions.cancelled()).append(" cancelled");
    }
    long notShown = outputNotShown.getAndSet(0);
    if (notShown > 0) {
      text.append(" | ")
          .append(notShown)
          .append(notShown == 1 ? " output line" : " output lines")
          .append(" not shown");
    }
    return text.toString();
  }

  // ---- formatting ----

  private Line line(long atMicros, String label, String text) {
    return new Line(
        atMicros, tracker.started(), String.format(Locale.ROOT, "%s%-10s %s", tag, label, text));
  }

  /**
   * The line as printed, after its stamp. An event reaches the printer once it is journaled, a
   * little after it happened, and may follow a status line printed in between: its stamp then shows
   * the status line's time, so that the times of the printed lines never go back.
   */
  private String render(Line line) {
    long shown = Math.max(line.atMicros(), shownMicros);
    shownMicros = shown;
    return stamp(shown, line.sinceStart()) + "  " + line.text();
  }

  /**
   * When a line happened: the wall-clock time (as in the logs), then the time since the deployment
   * started, right-aligned so that the lines form columns. A line before the start has no time
   * since it (blank): measuring from the submission instead would make the clock jump back to +0.0s
   * at the start.
   */
  private String stamp(long atMicros, boolean afterStart) {
    Instant at = WallClock.toInstant(atMicros);
    String sinceStart =
        afterStart
            ? String.format(
                Locale.ROOT,
                "+%.1fs",
                Math.max(0, atMicros - tracker.startedMicros()) / 1_000_000.0)
            : "";
    return CLOCK.format(LocalTime.ofInstant(at, zone))
        + String.format(Locale.ROOT, " %8s", sinceStart);
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
