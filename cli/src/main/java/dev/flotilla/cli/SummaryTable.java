package dev.flotilla.cli;

import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.DeploymentResult.StepSummary;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.Durations;
import dev.flotilla.engine.timeline.LowerBound;
import dev.flotilla.engine.timeline.Timeline;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report at the end of a run: one row per step, children indented under their rolling step,
 * with its status, its targets by outcome and its two durations ({@link StepDurations}: elapsed,
 * guard waits included, and active); then the deployment's status, makespan and id. Built from the
 * timeline and the step durations of the same events, so it reads the same for a live run and a
 * replay, and its durations are those the live {@code finished} lines showed.
 */
final class SummaryTable {

  private static final String INDENT = "  ";

  /** What the two duration columns mean: printed under the table. */
  static final String DURATIONS =
      "Elapsed: step start to end, everything included (guard waits too). Active: first execution start to last end.";

  /**
   * One row; the counts are targets (for a rolling step: targets through all its children).
   *
   * @param durationMs the step's active time: from its first execution's start to its last one's
   *     end
   */
  record Row(
      String name,
      boolean child,
      StepStatus status,
      int succeeded,
      int failed,
      int cancelled,
      int skipped,
      double durationMs) {
    boolean ran() {
      return succeeded + failed + cancelled > 0;
    }
  }

  private SummaryTable() {}

  /**
   * @param durations the steps' elapsed times, from the same deployment's events
   */
  static void print(
      Timeline timeline, StepDurations durations, Path timelineFile, PrintWriter out) {
    List<Row> rows = rows(timeline);
    boolean anyCancelled = rows.stream().anyMatch(row -> row.cancelled() > 0);
    int nameWidth = "Step".length();
    for (Row row : rows) {
      nameWidth = Math.max(nameWidth, (row.child() ? INDENT.length() : 0) + row.name().length());
    }
    String format =
        "%-"
            + nameWidth
            + "s  %-9s  %9s  %6s  %7s"
            + (anyCancelled ? "  %9s" : "%s")
            + "  %8s  %8s%n";

    out.println();
    out.printf(
        Locale.ROOT,
        format,
        "Step",
        "Status",
        "Succeeded",
        "Failed",
        "Skipped",
        anyCancelled ? "Cancelled" : "",
        "Elapsed",
        "Active");
    List<Timeline.StepEntry> steps = timeline.steps();
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      Double elapsed = durations.elapsedMs(steps.get(i).index());
      out.printf(
          Locale.ROOT,
          format,
          (row.child() ? INDENT : "") + row.name(),
          row.status(),
          row.succeeded(),
          row.failed(),
          row.skipped(),
          anyCancelled ? String.valueOf(row.cancelled()) : "",
          elapsed == null ? "-" : duration(elapsed),
          row.ran() ? duration(row.durationMs()) : "-");
    }
    out.println(DURATIONS);
    out.println();
    out.printf("%-12s%s %s%n", "Deployment", timeline.name(), timeline.status());
    Double makespan = timeline.makespanMs();
    out.printf("%-12s%s%n", "Makespan", makespan == null ? "(still running)" : duration(makespan));
    double bound = LowerBound.of(timeline);
    if (makespan != null && bound > 0) {
      out.printf(
          Locale.ROOT,
          "%-12s%s (makespan / bound = %.2f)%n",
          "Lower bound",
          duration(bound),
          makespan / bound);
    }
    out.printf("%-12s%s%n", "Id", timeline.deploymentId());
    if (timelineFile != null) {
      out.printf("%-12s%s%n", "Timeline", timelineFile);
    }
    out.flush();
  }

  /** The rows in plan order: a rolling step's row adds up its children, which follow it. */
  static List<Row> rows(Timeline timeline) {
    List<StepSummary> summaries = DeploymentResult.summarize(timeline);
    List<Timeline.StepEntry> steps = timeline.steps();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      Timeline.StepEntry step = steps.get(i);
      StepSummary summary = summaries.get(i);
      if (step.windowSize() == null) {
        rows.add(
            new Row(
                step.name(),
                step.parent() != null,
                step.status(),
                summary.succeeded(),
                summary.failed(),
                summary.cancelled(),
                summary.skipped(),
                summary.durationMs()));
        continue;
      }
      List<Integer> children = new ArrayList<>();
      for (int c = i + 1; c < steps.size() && step.name().equals(steps.get(c).parent()); c++) {
        children.add(c);
      }
      int failed = 0;
      int cancelled = 0;
      for (int child : children) {
        failed += summaries.get(child).failed();
        cancelled += summaries.get(child).cancelled();
      }
      // A target made it through a rolling step when it succeeded its last child.
      int succeeded =
          children.isEmpty() ? 0 : summaries.get(children.get(children.size() - 1)).succeeded();
      int skipped = Math.max(0, step.targets() - succeeded - failed - cancelled);
      rows.add(
          new Row(
              step.name(),
              false,
              step.status(),
              succeeded,
              failed,
              cancelled,
              skipped,
              span(timeline, children)));
    }
    return rows;
  }

  /** From the first start to the last end of these steps' executions; 0 if none ran. */
  private static double span(Timeline timeline, List<Integer> stepIndices) {
    double first = Double.MAX_VALUE;
    double last = 0;
    for (Timeline.ExecutionEntry execution : timeline.executions()) {
      if (stepIndices.contains(execution.stepIndex()) && started(execution)) {
        first = Math.min(first, execution.startMs());
        if (execution.endMs() != null) {
          last = Math.max(last, execution.endMs());
        }
      }
    }
    return first == Double.MAX_VALUE ? 0 : Math.max(0, last - first);
  }

  /**
   * Whether the execution's action started: the timeline of a deployment still running (the report
   * of one that did not end within the cancel grace) also lists executions WAITING for their guard.
   */
  private static boolean started(Timeline.ExecutionEntry execution) {
    return !execution.status().name().equals("WAITING");
  }

  static String duration(double millis) {
    return Durations.format(Duration.ofNanos(Math.round(millis * 1_000_000)));
  }
}
