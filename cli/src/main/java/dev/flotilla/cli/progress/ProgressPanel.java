package dev.flotilla.cli.progress;

import dev.flotilla.cli.progress.ProgressSnapshot.Child;
import dev.flotilla.cli.progress.ProgressSnapshot.Counts;
import dev.flotilla.cli.progress.ProgressSnapshot.StepRow;
import dev.flotilla.cli.progress.ProgressSnapshot.Wait;
import dev.flotilla.engine.model.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Draws a {@link ProgressSnapshot} as the lines of the live panel: a bar per running step, then the
 * deployment's counts and elapsed time. Pure: the same snapshot gives the same lines, which is what
 * its tests check.
 *
 * <pre>
 *   Deploy web         [██████▒▒▒▒░░░░░░░░░░░░░░]  24/40  5 running · 1 failed
 *   Deploy orders      [░░░░░░░░░░░░░░░░░░░░░░░░]   0/1   waiting for host-2, held by this deployment step "Deploy billing"
 *   12.3s elapsed · 2 steps running · executions: 1 waiting, 6 running, 30 succeeded, 1 failed
 *   waiting mostly for guards held by deployment 20261126T101500-3f9a1c step "Patch" (40 of 41 waiting)
 * </pre>
 *
 * A bar's {@code █} cells are the targets done, its {@code ▒} cells the targets running now.
 */
public final class ProgressPanel {

  static final char DONE = '█';
  static final char RUNNING = '▒';
  static final char TO_DO = '░';
  private static final String INDENT = "  ";
  private static final String SEPARATOR = " · ";
  private static final int NAME_WIDTH_MAX = 28;

  /** What a deployment not started yet, with nothing else running, waits for. */
  public static final String STARTING = "the engine has accepted it and is about to run it";

  private final int barWidth;
  private final int stepsShown;

  public ProgressPanel(int barWidth, int stepsShown) {
    this.barWidth = barWidth;
    this.stepsShown = stepsShown;
  }

  public ProgressPanel(ProgressSettings settings) {
    this(settings.barWidth(), settings.stepsShown());
  }

  /**
   * The panel's lines.
   *
   * @param title a first line naming the deployment, or null for none
   * @param columns the terminal's width: every line is cut to fit it, so that none wraps and the
   *     panel is exactly as many rows high as it has lines; 0 for no limit
   */
  public List<String> render(ProgressSnapshot snapshot, String title, int columns) {
    List<String> lines = new ArrayList<>();
    if (title != null) {
      lines.add(title);
    }
    if (snapshot.admission() == ProgressSnapshot.Admission.QUEUED) {
      lines.add(
          INDENT
              + "queued for "
              + elapsed(snapshot.elapsedMicros())
              + ": waiting for the engine's deployment cap or concurrency tag");
      return fit(lines, columns);
    }
    if (snapshot.admission() == ProgressSnapshot.Admission.STARTING) {
      lines.add(
          INDENT
              + "starting (submitted "
              + elapsed(snapshot.elapsedMicros())
              + " ago): "
              + STARTING);
      return fit(lines, columns);
    }
    List<StepRow> shown =
        snapshot.steps().subList(0, Math.min(stepsShown, snapshot.steps().size()));
    int nameWidth =
        Math.min(
            NAME_WIDTH_MAX, shown.stream().mapToInt(row -> row.name().length()).max().orElse(0));
    int countWidth =
        shown.stream().mapToInt(row -> fraction(row.total(), row.total()).length()).max().orElse(0);
    for (StepRow row : shown) {
      lines.add(row(row, nameWidth, countWidth));
    }
    int hidden = snapshot.steps().size() - shown.size();
    if (hidden > 0) {
      lines.add(
          INDENT + "… and " + hidden + " more " + (hidden == 1 ? "step" : "steps") + " running");
    }
    lines.add(footer(snapshot));
    Wait most = snapshot.mostWaitedFor();
    // One wait per holder says nothing the rows do not: the line is for a holder many wait for.
    if (most != null && most.count() > 1) {
      lines.add(
          INDENT
              + "waiting mostly for guards held by "
              + most.heldBy()
              + " ("
              + most.count()
              + " of "
              + snapshot.executions().waiting()
              + " waiting)");
    }
    return fit(lines, columns);
  }

  private String row(StepRow row, int nameWidth, int countWidth) {
    StringBuilder line =
        new StringBuilder(INDENT)
            .append(pad(cut(row.name(), nameWidth), nameWidth))
            .append("  ")
            .append(bar(row.done(), row.targets().running(), row.total()))
            .append("  ")
            .append(padLeft(fraction(row.done(), row.total()), countWidth));
    StringJoiner details = new StringJoiner(SEPARATOR);
    Counts targets = row.targets();
    if (targets.running() > 0) {
      details.add(targets.running() + " running" + window(row.window()));
    }
    if (targets.waiting() > 0 && row.waitingFor() != null) {
      Wait wait = row.waitingFor();
      details.add(
          (targets.waiting() == 1 ? "waiting for " : targets.waiting() + " waiting, e.g. for ")
              + wait.target()
              + ", held by "
              + wait.heldBy());
    } else if (targets.waiting() > 0) {
      details.add(targets.waiting() + " waiting");
    }
    if (targets.failed() > 0) {
      details.add(targets.failed() + " failed");
    }
    if (targets.cancelled() > 0) {
      details.add(targets.cancelled() + " cancelled");
    }
    if (row.retried() > 0) {
      details.add(row.retried() + (row.retried() == 1 ? " retry" : " retries"));
    }
    if (details.length() > 0) {
      line.append("  ").append(details);
    }
    return line.toString();
  }

  /** {@code [███▒▒░░░]}: done cells, then running cells, then the rest; each rounded down. */
  String bar(int done, int running, int total) {
    int doneCells = cells(done, total);
    int runningCells = cells(Math.min(total, done + running), total) - doneCells;
    return "["
        + String.valueOf(DONE).repeat(doneCells)
        + String.valueOf(RUNNING).repeat(runningCells)
        + String.valueOf(TO_DO).repeat(barWidth - doneCells - runningCells)
        + "]";
  }

  private int cells(int count, int total) {
    return total <= 0 ? 0 : (int) ((long) Math.max(0, count) * barWidth / total);
  }

  private static String window(List<Child> children) {
    StringJoiner window = new StringJoiner(", ", " (", ")").setEmptyValue("");
    for (Child child : children) {
      if (child.running() > 0) {
        window.add(child.name() + " " + child.running());
      }
    }
    return window.toString();
  }

  private static String footer(ProgressSnapshot snapshot) {
    Counts executions = snapshot.executions();
    int steps = snapshot.steps().size();
    return INDENT
        + elapsed(snapshot.elapsedMicros())
        + " elapsed"
        + SEPARATOR
        + steps
        + (steps == 1 ? " step" : " steps")
        + " running"
        + SEPARATOR
        + "executions: "
        + executions.waiting()
        + " waiting, "
        + executions.running()
        + " running, "
        + executions.succeeded()
        + " succeeded, "
        + executions.failed()
        + " failed"
        + (executions.cancelled() > 0 ? ", " + executions.cancelled() + " cancelled" : "");
  }

  static String elapsed(long micros) {
    return micros < 60_000_000L
        ? String.format(Locale.ROOT, "%.1fs", micros / 1_000_000.0)
        : Durations.format(Duration.ofNanos(micros * 1_000));
  }

  private static String fraction(int done, int total) {
    return done + "/" + total;
  }

  private static List<String> fit(List<String> lines, int columns) {
    if (columns <= 0) {
      return List.copyOf(lines);
    }
    // One column spare: some terminals wrap a line that fills the last column.
    return lines.stream().map(line -> cut(line, columns - 1)).toList();
  }

  private static String cut(String text, int width) {
    if (text.codePointCount(0, text.length()) <= width) {
      return text;
    }
    if (width <= 0) {
      return "";
    }
    return text.substring(0, text.offsetByCodePoints(0, width - 1)) + "…";
  }

  private static String pad(String text, int width) {
    int length = text.codePointCount(0, text.length());
    return length >= width ? text : text + " ".repeat(width - length);
  }

  private static String padLeft(String text, int width) {
    return text.length() >= width ? text : " ".repeat(width - text.length()) + text;
  }
}
