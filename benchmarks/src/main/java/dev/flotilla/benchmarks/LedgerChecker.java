package dev.flotilla.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one checker every system's ledger goes through. It proves, from the actions' own measured
 * start and end times, that
 *
 * <ul>
 *   <li>every execution the plan asks for is there (no silently dropped work);
 *   <li>the cap held: no step ever had more than its cap of actions running at once;
 *   <li>under exclusive targets, no two actions overlapped on one target, across every deployment
 *       written to the same ledger (so it also proves each target guard let one holder in at a
 *       time).
 * </ul>
 *
 * Intervals are half-open: an action that starts the instant another ends does not overlap it.
 */
final class LedgerChecker {

  /** At most this many problems are listed; the counts are always complete. */
  private static final int PROBLEMS_LISTED = 5;

  /**
   * What a ledger must obey.
   *
   * @param caps the cap of every step label the ledger may contain
   * @param exclusiveTargets whether actions on one target must never overlap
   * @param expectedEntries how many actions the plan runs
   */
  record Rules(Map<String, Integer> caps, boolean exclusiveTargets, int expectedEntries) {

    /** One cap for every step of a workload, exclusive targets. */
    static Rules of(Workload workload) {
      Map<String, Integer> caps = new HashMap<>();
      for (int s = 0; s < workload.steps(); s++) {
        caps.put(Workload.stepName(s), workload.cap());
      }
      return new Rules(caps, true, workload.executions());
    }
  }

  /**
   * What the ledger showed.
   *
   * @param busiestStep the step that came closest to its cap, and {@code mostAtOnce} its peak
   * @param overlaps pairs of overlapping actions on one target (0 when targets are not checked)
   */
  record Verdict(
      int entries,
      int expected,
      String busiestStep,
      int mostAtOnce,
      int capOfBusiest,
      boolean capHeld,
      boolean targetsChecked,
      int overlaps,
      List<String> problems) {

    boolean passed() {
      return problems.isEmpty();
    }

    String summary() {
      String targets =
          targetsChecked
              ? (overlaps == 0 ? "no overlap on any target" : overlaps + " overlaps on a target")
              : "targets not checked";
      String cap =
          String.format(
              Locale.ROOT,
              "cap %s (at most %d of %d at once)",
              capHeld ? "held" : "BROKEN",
              mostAtOnce,
              capOfBusiest);
      String verdict = passed() ? "checked" : "CHECK FAILED";
      return String.format(
              Locale.ROOT, "%s: %,d/%,d actions, %s, %s", verdict, entries, expected, cap, targets)
          + (passed() ? "" : "; " + String.join("; ", problems));
    }
  }

  private LedgerChecker() {}

  static Verdict check(List<Ledger.Entry> ledger, Rules rules) {
    List<String> problems = new ArrayList<>();
    if (ledger.size() != rules.expectedEntries()) {
      problems.add(
          String.format(
              Locale.ROOT,
              "%,d actions recorded, the plan has %,d",
              ledger.size(),
              rules.expectedEntries()));
    }

    Map<String, List<Ledger.Entry>> bySteps = new HashMap<>();
    for (Ledger.Entry entry : ledger) {
      bySteps.computeIfAbsent(entry.step(), s -> new ArrayList<>()).add(entry);
    }
    boolean capHeld = true;
    String busiest = "-";
    int busiestPeak = 0;
    int busiestCap = 0;
    double busiestLoad = -1;
    for (var step : bySteps.entrySet()) {
      Integer cap = rules.caps().get(step.getKey());
      if (cap == null) {
        problems.add("step \"" + step.getKey() + "\" is not in the plan");
        capHeld = false;
        continue;
      }
      int peak = mostAtOnce(step.getValue());
      if (peak > cap) {
        capHeld = false;
        problems.add(
            "step \"" + step.getKey() + "\" ran " + peak + " at once over its cap of " + cap);
      }
      double load = (double) peak / cap;
      if (load > busiestLoad) {
        busiestLoad = load;
        busiest = step.getKey();
        busiestPeak = peak;
        busiestCap = cap;
      }
    }

    int overlaps = 0;
    if (rules.exclusiveTargets()) {
      Map<String, List<Ledger.Entry>> byTarget = new HashMap<>();
      for (Ledger.Entry entry : ledger) {
        byTarget.computeIfAbsent(entry.target(), t -> new ArrayList<>()).add(entry);
      }
      String example = null;
      for (var target : byTarget.entrySet()) {
        List<Ledger.Entry> entries = target.getValue();
        entries.sort(Comparator.comparingLong(Ledger.Entry::startNanos));
        Ledger.Entry latest = null;
        for (Ledger.Entry entry : entries) {
          if (latest != null && entry.startNanos() < latest.endNanos()) {
            overlaps++;
            if (example == null) {
              example =
                  "on target "
                      + target.getKey()
                      + " step \""
                      + entry.step()
                      + "\" started "
                      + (latest.endNanos() - entry.startNanos())
                      + " ns before step \""
                      + latest.step()
                      + "\" ended";
            }
          }
          if (latest == null || entry.endNanos() > latest.endNanos()) {
            latest = entry;
          }
        }
      }
      if (overlaps > 0) {
        problems.add(overlaps + " overlapping actions on one target, e.g. " + example);
      }
    }
    List<String> listed =
        problems.size() > PROBLEMS_LISTED ? problems.subList(0, PROBLEMS_LISTED) : problems;
    return new Verdict(
        ledger.size(),
        rules.expectedEntries(),
        busiest,
        busiestPeak,
        busiestCap,
        capHeld,
        rules.exclusiveTargets(),
        overlaps,
        List.copyOf(listed));
  }

  /**
   * The most actions of one step running at the same instant: a sweep over starts and ends, ends
   * first at equal times (half-open intervals). An action of zero length occupies no instant.
   */
  static int mostAtOnce(List<Ledger.Entry> entries) {
    long[] starts = new long[entries.size()];
    long[] ends = new long[entries.size()];
    int n = 0;
    for (Ledger.Entry entry : entries) {
      if (entry.endNanos() > entry.startNanos()) {
        starts[n] = entry.startNanos();
        ends[n] = entry.endNanos();
        n++;
      }
    }
    Arrays.sort(starts, 0, n);
    Arrays.sort(ends, 0, n);
    int running = 0;
    int most = 0;
    int e = 0;
    for (int s = 0; s < n; s++) {
      while (e < n && ends[e] <= starts[s]) {
        e++;
        running--;
      }
      running++;
      most = Math.max(most, running);
    }
    return most;
  }
}
