package dev.flotilla.engine.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects the problems of one plan, so that all of them are reported together. */
final class Problems {

  /** Unlocated problems (overrides, plan-wide) first, then in reading order. */
  private static final Comparator<PlanProblem> READING_ORDER =
      Comparator.comparing(PlanProblem::line, Comparator.nullsFirst(Comparator.naturalOrder()));

  private final String source;
  private final List<PlanProblem> found = new ArrayList<>();

  Problems(String source) {
    this.source = source;
  }

  void add(Integer line, String step, String key, String message) {
    found.add(new PlanProblem(source, line, step, key, message));
  }

  int count() {
    return found.size();
  }

  void throwIfAny() throws InvalidPlanException {
    if (!found.isEmpty()) {
      List<PlanProblem> sorted = new ArrayList<>(found);
      sorted.sort(READING_ORDER);
      throw new InvalidPlanException(sorted);
    }
  }
}
