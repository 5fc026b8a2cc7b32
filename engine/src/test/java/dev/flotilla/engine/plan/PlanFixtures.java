package dev.flotilla.engine.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.action.RunningAction;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Shared helpers for the plan tests: the action types they load against and problem lookups. */
final class PlanFixtures {

  static final String SOURCE = "plan.yaml";

  /** The built-in types plus {@code strict}, whose rules these tests own. */
  static final ActionTypes TYPES = ActionTypes.builtIn().with(new StrictActionType());

  static final PlanLoader LOADER = new PlanLoader(TYPES);

  private PlanFixtures() {}

  /** The problems of a plan that must not load. */
  static List<PlanProblem> problemsOf(String yaml) {
    return problemsOf(yaml, Map.of());
  }

  static List<PlanProblem> problemsOf(String yaml, Map<String, String> overrides) {
    InvalidPlanException e =
        catchThrowableOfType(
            InvalidPlanException.class, () -> LOADER.parse(yaml, SOURCE, overrides));
    assertThat(e).as("the plan should have been rejected").isNotNull();
    return e.problems();
  }

  /** The only problem of a plan that must not load. */
  static PlanProblem onlyProblemOf(String yaml) {
    List<PlanProblem> problems = problemsOf(yaml);
    assertThat(problems).as("problems").hasSize(1);
    return problems.get(0);
  }

  /**
   * Accepts only {@code size}, a whole number of at least 1; stands in for a host's own type so
   * these tests do not depend on the built-in types' rules.
   */
  static final class StrictActionType implements ActionType {
    @Override
    public String name() {
      return "strict";
    }

    @Override
    public Action configure(Map<String, Object> parameters) throws InvalidActionException {
      for (String key : parameters.keySet()) {
        if (!key.equals("size")) {
          throw new InvalidActionException(key, "strict takes only size");
        }
      }
      Object size = parameters.get("size");
      if (size != null && !(size instanceof Integer number && number >= 1)) {
        throw new InvalidActionException(
            "size", "must be a whole number of at least 1, not " + size);
      }
      return context ->
          new RunningAction() {
            @Override
            public CompletionStage<ActionResult> result() {
              return CompletableFuture.completedStage(ActionResult.success());
            }

            @Override
            public void cancel() {}
          };
    }
  }
}
