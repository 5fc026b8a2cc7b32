package dev.flotilla.engine.plan;

import static dev.flotilla.engine.plan.PlanFixtures.TYPES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.StartTrigger;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plans built in Java: {@link PlanLoader#validate} applies the loader's rules, without lines. */
class PlanValidateTest {

  private static final ActionSpec SIMULATE = new ActionSpec("simulate", Map.of());
  private static final List<Target> FLEET =
      List.of(new Target("web-01", List.of("web")), new Target("db-01", List.of("db")));

  private static List<PlanProblem> problemsOf(DeploymentPlan plan) {
    InvalidPlanException e =
        catchThrowableOfType(InvalidPlanException.class, () -> PlanLoader.validate(plan, TYPES));
    assertThat(e).as("the plan should have been rejected").isNotNull();
    return e.problems();
  }

  private static DeploymentPlan planOf(Step... steps) {
    return DeploymentPlan.of("p", FLEET, List.of(steps));
  }

  @Test
  void acceptsAValidPlan() {
    // Proves a well-formed Java plan passes, rolling step and server step included.
    DeploymentPlan plan =
        planOf(
            Step.of("Deploy", SIMULATE, "web"),
            Step.rolling(
                    "Restart",
                    1,
                    List.of(
                        new Step(
                            "Drain", null, null, null, null, 0, null, null, false, SIMULATE, null,
                            null)),
                    "web")
                .withStartTrigger(StartTrigger.WITH_PREVIOUS),
            Step.onServer("Notify", SIMULATE));
    assertThatCode(() -> PlanLoader.validate(plan, TYPES)).doesNotThrowAnyException();
  }

  @Test
  void reportsProblemsWithoutSourceOrLine() {
    // Proves a Java plan's problems name the step and key only.
    List<PlanProblem> problems = problemsOf(planOf(Step.of("Deploy", SIMULATE, "api")));
    assertThat(problems)
        .extracting(PlanProblem::toString)
        .containsExactly("step \"Deploy\": roles: no target has the role \"api\"");
    assertThat(problems.get(0).source()).isNull();
    assertThat(problems.get(0).line()).isNull();
  }

  @Test
  void rejectsWithPreviousOnFirstStep() {
    // Proves the first-step rule holds for Java plans too.
    List<PlanProblem> problems =
        problemsOf(
            planOf(Step.of("First", SIMULATE, "web").withStartTrigger(StartTrigger.WITH_PREVIOUS)));
    assertThat(problems).extracting(PlanProblem::key).containsExactly("startTrigger");
  }

  @Test
  void rejectsBlankNamesAndNoSteps() {
    // Proves a plan needs a name and a step.
    List<PlanProblem> problems = problemsOf(DeploymentPlan.of(" ", FLEET, List.of()));
    assertThat(problems)
        .extracting(PlanProblem::message)
        .containsExactly("a plan needs a name", "a plan needs at least one step");
  }

  @Test
  void rejectsDuplicateStepNamesIncludingChildren() {
    // Proves a child's name clashes with a top-level step's.
    Step drain =
        new Step("Deploy", null, null, null, null, 0, null, null, false, SIMULATE, null, null);
    List<PlanProblem> problems =
        problemsOf(
            planOf(
                Step.of("Deploy", SIMULATE, "web"),
                Step.rolling("Roll", 1, List.of(drain), "web")));
    assertThat(problems)
        .extracting(PlanProblem::toString)
        .containsExactly(
            "step \"Deploy\": name: another step has this name; step names must be unique");
  }

  @Test
  void rejectsStepWithoutRolesUnlessRunOnServer() {
    // Proves a step must reach targets or the engine.
    Step noRoles =
        new Step("Deploy", List.of(), null, null, null, 0, null, null, false, SIMULATE, null, null);
    assertThat(problemsOf(planOf(noRoles))).extracting(PlanProblem::key).containsExactly("roles");
  }

  @Test
  void rejectsRunOnServerWithRolesOrRolling() {
    // Proves a server step takes no roles and does not roll.
    Step withRoles =
        new Step(
            "Notify", List.of("web"), null, null, null, 0, null, null, true, SIMULATE, null, null);
    Step child =
        new Step("Drain", null, null, null, null, 0, null, null, false, SIMULATE, null, null);
    Step rolling =
        new Step("Roll", List.of(), null, null, null, 0, null, null, true, null, 1, List.of(child));
    assertThat(problemsOf(planOf(withRoles, rolling)))
        .extracting(PlanProblem::key)
        .containsExactly("roles", "rolling");
  }

  @Test
  void rejectsUnknownActionTypeAndBadParameters() {
    // Proves the action types' checks run on submit, keyed by parameter.
    List<PlanProblem> problems =
        problemsOf(
            planOf(
                Step.of("A", new ActionSpec("ansible", Map.of()), "web"),
                Step.of("B", new ActionSpec("strict", Map.of("size", 0)), "web")));
    assertThat(problems).extracting(PlanProblem::key).containsExactly("action.type", "action.size");
  }

  @Test
  void rejectsCapsAndWindowsBelowOne() {
    // Proves step caps and rolling windows must let a target run.
    Step child =
        new Step("Drain", null, null, null, null, 0, null, null, false, SIMULATE, null, null);
    List<PlanProblem> problems =
        problemsOf(
            planOf(
                Step.of("A", SIMULATE, "web").withMaxParallelism(0),
                Step.rolling("Roll", 0, List.of(child), "web")));
    assertThat(problems)
        .extracting(PlanProblem::key)
        .containsExactly("maxParallelism", "rolling.windowSize");
  }

  @Test
  void rejectsRollingStepWithoutChildrenOrWithMaxParallelism() {
    // Proves a rolling step rolls children, under its window alone.
    List<PlanProblem> problems =
        problemsOf(planOf(Step.rolling("Roll", 2, List.of(), "web").withMaxParallelism(3)));
    assertThat(problems).extracting(PlanProblem::key).containsExactly("maxParallelism", "children");
  }

  @Test
  void rejectsChildrenOnAPlainStep() {
    // Proves only a rolling step has children.
    Step child =
        new Step("Drain", null, null, null, null, 0, null, null, false, SIMULATE, null, null);
    Step plain =
        new Step(
            "A",
            List.of("web"),
            null,
            null,
            null,
            0,
            null,
            null,
            false,
            SIMULATE,
            null,
            List.of(child));
    assertThat(problemsOf(planOf(plain))).extracting(PlanProblem::key).containsExactly("children");
  }

  @Test
  void rejectsParentOnlySettingsOnAChild() {
    // Proves a child cannot pick targets, a trigger, a cap or run on the engine.
    Step child =
        new Step(
            "Drain",
            List.of("web"),
            StartTrigger.WITH_PREVIOUS,
            null,
            2,
            0,
            null,
            null,
            false,
            SIMULATE,
            null,
            null);
    assertThat(problemsOf(planOf(Step.rolling("Roll", 1, List.of(child), "web"))))
        .extracting(PlanProblem::key)
        .containsExactly("roles", "startTrigger", "maxParallelism");
  }

  @Test
  void rejectsNonPositiveTimeoutAndNegativeBackoff() {
    // Proves an execution gets time to run and retries never wait a negative time.
    Step step =
        Step.of("A", SIMULATE, "web")
            .withTimeout(Duration.ZERO)
            .withRetries(1, Duration.ofSeconds(-1));
    assertThat(problemsOf(planOf(step)))
        .extracting(PlanProblem::key)
        .containsExactly("timeout", "retryBackoff");
  }

  @Test
  void rejectsDuplicateAndBlankTargetNames() {
    // Proves every target has a unique, non-blank name.
    DeploymentPlan plan =
        DeploymentPlan.of(
            "p",
            List.of(
                new Target("web-01", List.of("web")),
                new Target("web-01", List.of("web")),
                new Target("", List.of())),
            List.of(Step.of("A", SIMULATE, "web")));
    assertThat(problemsOf(plan))
        .extracting(PlanProblem::message)
        .containsExactly("\"web-01\" names two targets", "a target needs a name");
  }

  @Test
  void rejectsMalformedMaxParallelismVariable() {
    // Proves the alias variable is checked on submit, though a Java plan's cap is taken as given.
    DeploymentPlan plan =
        planOf(Step.of("A", SIMULATE, "web"))
            .withVariables(Map.of(PlanLoader.MAX_PARALLELISM_VARIABLE, "ten"));
    assertThat(problemsOf(plan))
        .extracting(PlanProblem::toString)
        .containsExactly("variables: Octopus.Action.MaxParallelism: \"ten\" is not a whole number");
  }
}
