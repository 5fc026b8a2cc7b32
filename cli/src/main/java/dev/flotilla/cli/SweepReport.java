package dev.flotilla.cli;

import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The end of a what-if sweep: a table with one row per value (median makespan, median lower bound,
 * their ratio, how the runs ended) and a bar chart of the makespans with the bound marked, so the
 * value past which a bigger cap buys nothing stands out.
 */
final class SweepReport {

  /** Characters of the longest bar. */
  private static final int CHART_WIDTH = 50;

  private static final char BAR = '=';
  private static final char BOUND = '|';

  /**
   * One finished run, its times in plan time (measured time over the time scale).
   *
   * @param boundMs {@code LowerBound.of} its timeline
   */
  record Run(DeploymentStatus status, double makespanMs, double boundMs) {}

  /** One swept value and its runs. */
  record Row(int value, List<Run> runs) {

    Row {
      runs = List.copyOf(runs);
    }

    double makespanMs() {
      return median(runs.stream().mapToDouble(Run::makespanMs).toArray());
    }

    double boundMs() {
      return median(runs.stream().mapToDouble(Run::boundMs).toArray());
    }

    /**
     * Makespan over bound, or null without a bound (no measured work). At least 1 whenever every
     * run's makespan is at least its bound, since medians keep that order.
     */
    Double ratio() {
      double bound = boundMs();
      return bound > 0 ? makespanMs() / bound : null;
    }

    /** The runs' status, or each status with its count when they differ. */
    String status() {
      Map<DeploymentStatus, Long> counts =
          new TreeMap<>(
              runs.stream().collect(Collectors.groupingBy(Run::status, Collectors.counting())));
      if (counts.size() == 1) {
        return counts.keySet().iterator().next().name();
      }
      return counts.entrySet().stream()
          .map(e -> e.getValue() + " " + e.getKey())
          .collect(Collectors.joining(", "));
    }
  }

  private SweepReport() {}

  static void print(String key, List<Row> rows, int runsPerValue, PrintWriter out) {
    int valueWidth = key.length();
    for (Row row : rows) {
      valueWidth = Math.max(valueWidth, Integer.toString(row.value()).length());
    }
    String format = "%" + valueWidth + "s  %8s  %11s  %5s  %s%n";
    out.println();
    out.printf(Locale.ROOT, format, key, "Makespan", "Lower bound", "Ratio", "Status");
    for (Row row : rows) {
      Double ratio = row.ratio();
      out.printf(
          Locale.ROOT,
          format,
          row.value(),
          duration(row.makespanMs()),
          duration(row.boundMs()),
          ratio == null ? "-" : String.format(Locale.ROOT, "%.2f", ratio),
          row.status());
    }
    if (runsPerValue > 1) {
      out.printf("Makespan and lower bound are the medians of %d runs per value.%n", runsPerValue);
    }
    out.println();
    printChart(rows, valueWidth, out);
    out.flush();
  }

  /** One bar per value, scaled to the longest makespan, with the bound marked on it. */
  private static void printChart(List<Row> rows, int valueWidth, PrintWriter out) {
    double longest = rows.stream().mapToDouble(Row::makespanMs).max().orElse(0);
    for (Row row : rows) {
      out.printf(
          Locale.ROOT,
          "%" + valueWidth + "d  %s  %s%n",
          row.value(),
          bar(row.makespanMs(), row.boundMs(), longest),
          duration(row.makespanMs()));
    }
    out.printf(
        Locale.ROOT,
        "%" + valueWidth + "s  %c makespan  %c lower bound  (full width: %s)%n",
        "",
        BAR,
        BOUND,
        duration(longest));
  }

  static String bar(double makespanMs, double boundMs, double longestMs) {
    char[] cells = new char[CHART_WIDTH];
    Arrays.fill(cells, ' ');
    if (longestMs <= 0) {
      return new String(cells);
    }
    int length = cells(makespanMs, longestMs);
    Arrays.fill(cells, 0, length, BAR);
    if (boundMs > 0) {
      // The cell the bound falls in; a bound past the bar (a ratio under 1 by rounding) still
      // shows.
      cells[Math.max(1, cells(boundMs, longestMs)) - 1] = BOUND;
    }
    return new String(cells);
  }

  private static int cells(double ms, double longestMs) {
    return (int) Math.min(CHART_WIDTH, Math.round(ms / longestMs * CHART_WIDTH));
  }

  static String duration(double millis) {
    return Durations.format(Duration.ofNanos(Math.round(millis * 1_000_000)));
  }

  /** The middle value; for an even count, the mean of the two middle values. */
  static double median(double[] values) {
    if (values.length == 0) {
      return 0;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /** The rows of the values that have at least one run, in sweep order. */
  static List<Row> rows(List<Integer> values, Map<Integer, List<Run>> runs) {
    List<Row> rows = new ArrayList<>();
    for (int value : values) {
      List<Run> ofValue = runs.get(value);
      if (ofValue != null && !ofValue.isEmpty()) {
        rows.add(new Row(value, ofValue));
      }
    }
    return rows;
  }
}
