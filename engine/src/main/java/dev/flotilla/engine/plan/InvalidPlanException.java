package dev.flotilla.engine.plan;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A plan cannot run. Carries every problem found, in the order a reader meets them, so a user can
 * fix a plan in one pass; the message lists them one per line.
 */
public final class InvalidPlanException extends Exception {

  private final List<PlanProblem> problems;

  public InvalidPlanException(List<PlanProblem> problems) {
    super(describe(problems));
    this.problems = List.copyOf(problems);
  }

  private static String describe(List<PlanProblem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("an invalid plan has at least one problem");
    }
    return problems.stream().map(PlanProblem::toString).collect(Collectors.joining("\n"));
  }

  /** Every problem found, never empty. */
  public List<PlanProblem> problems() {
    return problems;
  }
}
