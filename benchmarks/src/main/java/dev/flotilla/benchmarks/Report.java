package dev.flotilla.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the suite prints: sections of figures as they are measured, every target as {@code MET} or
 * {@code MISSED} next to its figure, and at the end every target again in one list.
 */
final class Report {

  /** A figure the issue sets a target for, or a rule a system cannot honour. */
  private record Verdict(String benchmark, String what, String outcome) {}

  private final List<Verdict> verdicts = new ArrayList<>();
  private String benchmark = "";

  void section(String name, String title) {
    benchmark = name;
    System.out.println();
    System.out.println("== " + name + ": " + title);
  }

  void blank() {
    System.out.println();
  }

  void line(String format, Object... args) {
    System.out.println("  " + String.format(Locale.ROOT, format, args));
  }

  /**
   * Prints a figure against its target.
   *
   * @param figure the measured value as printed, e.g. {@code 412,000 executions/s}
   * @param target the target as printed, e.g. {@code >= 300,000/s}
   */
  void target(String what, String figure, String target, boolean met) {
    String outcome = (met ? "MET" : "MISSED") + " (" + figure + ", target " + target + ")";
    line("%s: %s", what, outcome);
    verdicts.add(new Verdict(benchmark, what, outcome));
  }

  /** A rule a system cannot honour: reported, never silently excused. */
  void notApplicable(String what, String reason) {
    line("%s: not applicable: %s", what, reason);
    verdicts.add(new Verdict(benchmark, what, "not applicable: " + reason));
  }

  /** A benchmark or a system that could not run at all. */
  void notRun(String what, String reason) {
    line("%s: %s", what, reason);
    verdicts.add(new Verdict(benchmark, what, reason));
  }

  /** A ledger that failed its check: the run's figures do not count. */
  void checkFailed(String what, LedgerChecker.Verdict verdict) {
    verdicts.add(new Verdict(benchmark, what, verdict.summary()));
  }

  void summary(double elapsedSeconds) {
    System.out.println();
    System.out.println("== summary");
    for (Verdict verdict : verdicts) {
      System.out.printf(
          Locale.ROOT, "  [%s] %s: %s%n", verdict.benchmark(), verdict.what(), verdict.outcome());
    }
    long met = verdicts.stream().filter(v -> v.outcome().startsWith("MET")).count();
    long missed = verdicts.stream().filter(v -> v.outcome().startsWith("MISSED")).count();
    System.out.printf(
        Locale.ROOT,
        "  targets: %d met, %d missed; suite took %.0f s%n",
        met,
        missed,
        elapsedSeconds);
  }
}
