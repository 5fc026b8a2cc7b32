package dev.flotilla.engine.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How problems read: compiler-style, leaving out what is unknown. */
class PlanProblemTest {

  @Test
  void readsLikeACompilerMessage() {
    // Proves the documented format with every part present.
    PlanProblem problem =
        new PlanProblem(
            "plan.yaml",
            14,
            "Deploy web",
            "timeout",
            "\"1x\" is not a duration (write a number and a unit: 250ms, 2s, 1.5s, 1m, 1h)");
    assertThat(problem)
        .hasToString(
            "plan.yaml:14: step \"Deploy web\": timeout: "
                + "\"1x\" is not a duration (write a number and a unit: 250ms, 2s, 1.5s, 1m, 1h)");
  }

  @Test
  void leavesOutThePartsThatAreNull() {
    // Proves each missing part is dropped with its separator.
    assertThat(new PlanProblem("plan.yaml", null, null, "maxParallelism", "must be at least 1"))
        .hasToString("plan.yaml: maxParallelism: must be at least 1");
    assertThat(new PlanProblem(null, null, "Deploy", null, "broken"))
        .hasToString("step \"Deploy\": broken");
    assertThat(new PlanProblem(null, 3, null, null, "broken")).hasToString("line 3: broken");
    assertThat(new PlanProblem(null, null, null, null, "broken")).hasToString("broken");
  }

  @Test
  void exceptionListsEveryProblemOnItsOwnLine() {
    // Proves the exception's message is the problems, one per line, in order.
    InvalidPlanException e =
        new InvalidPlanException(
            List.of(
                new PlanProblem("p.yaml", 1, null, "name", "a plan needs a name"),
                new PlanProblem("p.yaml", 4, "A", "roles", "no target has the role \"x\"")));
    assertThat(e.getMessage())
        .isEqualTo(
            "p.yaml:1: name: a plan needs a name\np.yaml:4: step \"A\": roles: no target has the role \"x\"");
    assertThat(e.problems()).hasSize(2);
  }

  @Test
  void exceptionNeedsAProblem() {
    // Proves an invalid plan always says why.
    assertThatThrownBy(() -> new InvalidPlanException(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
