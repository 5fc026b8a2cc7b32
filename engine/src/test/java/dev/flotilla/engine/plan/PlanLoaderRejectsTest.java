package dev.flotilla.engine.plan;

import static dev.flotilla.engine.plan.PlanFixtures.onlyProblemOf;
import static dev.flotilla.engine.plan.PlanFixtures.problemsOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Plans that must not load: one rule per test, each checking where the problem is reported. */
class PlanLoaderRejectsTest {

  /** Lines 1-5; the first step given to {@link #plan} starts on line 6. */
  private static final String HEADER =
      """
      name: p
      targets:
        - { name: web-01, roles: [web] }
        - { name: db-01, roles: [db] }
      steps:
      """;

  private static final String SIMULATE = "{ type: simulate }";

  /** A plan with two targets (roles web and db) and the given steps, written at the top level. */
  private static String plan(String steps) {
    return HEADER + steps.indent(2);
  }

  // --- unknown keys, at every level -------------------------------------------------------------

  @Test
  void rejectsUnknownPlanKey() {
    // Proves a misspelt plan key is named with its line and the closest known key.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        maxParalelism: 3
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        """);
    assertThat(problem.line()).isEqualTo(2);
    assertThat(problem.step()).isNull();
    assertThat(problem.key()).isEqualTo("maxParalelism");
    assertThat(problem.message())
        .startsWith("unknown key (did you mean maxParallelism?); expected one of: name,");
  }

  @Test
  void rejectsUnknownTargetKey() {
    // Proves target keys are checked: only name and roles.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        targets:
          - { name: web-01, roles: [web], rolez: [db] }
        steps: [{ name: S, roles: [web], action: { type: simulate } }]
        """);
    assertThat(problem.line()).isEqualTo(3);
    assertThat(problem.key()).isEqualTo("targets.rolez");
    assertThat(problem.message()).contains("did you mean roles?");
  }

  @Test
  void rejectsUnknownStepKey() {
    // Proves a step's unknown key names the step, the key and the line.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: Deploy
          roles: [web]
          retires: 2
          action: %s
        """
                    .formatted(SIMULATE)));
    assertThat(problem.toString())
        .startsWith(
            "plan.yaml:8: step \"Deploy\": retires: unknown key (did you mean retries?); expected one of:");
  }

  @Test
  void rejectsParentOnlyKeysOnAChild() {
    // Proves a child cannot pick its own targets, trigger, cap or nesting, and is told where they
    // go.
    List<PlanProblem> problems =
        problemsOf(
            plan(
                """
        - name: Roll
          roles: [web]
          rolling: { windowSize: 1 }
          children:
            - name: Drain
              roles: [web]
              startTrigger: withPrevious
              maxParallelism: 2
              runOnServer: false
              rolling: { windowSize: 1 }
              children: []
              action: { type: simulate }
        """));
    assertThat(problems)
        .extracting(PlanProblem::key)
        .containsExactly(
            "roles", "startTrigger", "maxParallelism", "runOnServer", "rolling", "children");
    assertThat(problems).allSatisfy(problem -> assertThat(problem.step()).isEqualTo("Drain"));
    assertThat(problems.get(0).line()).isEqualTo(11);
    assertThat(problems.get(0).message())
        .isEqualTo("a child step runs on its parent's targets; set roles on the parent");
  }

  @Test
  void rejectsUnknownChildKey() {
    // Proves child keys are checked like step keys.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: Roll
          roles: [web]
          rolling: { windowSize: 1 }
          children:
            - { name: Drain, action: { type: simulate }, note: hi }
        """));
    assertThat(problem.step()).isEqualTo("Drain");
    assertThat(problem.key()).isEqualTo("note");
    assertThat(problem.line()).isEqualTo(10);
    assertThat(problem.message())
        .contains("expected one of: name, action, condition, retries, retryBackoff, timeout");
  }

  @Test
  void rejectsUnknownRollingKey() {
    // Proves the rolling mapping takes windowSize only.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: Roll
          roles: [web]
          rolling: { windowSize: 2, batch: 3 }
          children: [{ name: Drain, action: { type: simulate } }]
        """));
    assertThat(problem.key()).isEqualTo("rolling.batch");
    assertThat(problem.step()).isEqualTo("Roll");
    assertThat(problem.line()).isEqualTo(8);
  }

  @Test
  void rejectsUnknownConditionKey() {
    // Proves the condition mapping takes variable only.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: Smoke
          roles: [web]
          condition: { variable: RunSmoke, equals: yes }
          action: %s
        """
                    .formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("condition.equals");
    assertThat(problem.line()).isEqualTo(8);
  }

  // --- names ------------------------------------------------------------------------------------

  @Test
  void rejectsPlanWithoutName() {
    // Proves the plan's name is required.
    PlanProblem problem =
        onlyProblemOf(
            """
        project: shop
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        """);
    assertThat(problem.key()).isEqualTo("name");
    assertThat(problem.message()).isEqualTo("a plan needs a name");
  }

  @Test
  void rejectsBlankPlanName() {
    // Proves an empty name is no name.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: "  "
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        """);
    assertThat(problem.message()).isEqualTo("a plan needs a name");
  }

  @Test
  void rejectsStepWithoutName() {
    // Proves a step's name is required, reported at the step's line without a step label.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - roles: [web]
          action: %s
        """
                    .formatted(SIMULATE)));
    assertThat(problem.line()).isEqualTo(6);
    assertThat(problem.step()).isNull();
    assertThat(problem.key()).isEqualTo("name");
    assertThat(problem.message()).isEqualTo("a step needs a name");
  }

  @Test
  void rejectsDuplicateStepNamesAcrossStepsAndChildren() {
    // Proves step names are unique across the whole process, children included.
    List<PlanProblem> problems =
        problemsOf(
            plan(
                """
        - { name: Drain, roles: [web], action: %s }
        - name: Roll
          roles: [web]
          rolling: { windowSize: 1 }
          children:
            - { name: Drain, action: %s }
        - { name: Roll, roles: [web], action: %s }
        """
                    .formatted(SIMULATE, SIMULATE, SIMULATE)));
    assertThat(problems)
        .extracting(PlanProblem::toString)
        .containsExactly(
            "plan.yaml:11: step \"Drain\": name: another step has this name (also on line 6); step names must be unique",
            "plan.yaml:12: step \"Roll\": name: another step has this name (also on line 7); step names must be unique");
  }

  // --- process structure ------------------------------------------------------------------------

  @Test
  void rejectsWithPreviousOnFirstStep() {
    // Proves a first step with nothing to start alongside is an error, not silently fixed.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: First
          roles: [web]
          startTrigger: withPrevious
          action: %s
        """
                    .formatted(SIMULATE)));
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:8: step \"First\": startTrigger: "
                + "the first step cannot start withPrevious: there is no previous step");
  }

  @Test
  void rejectsPlanWithEmptySteps() {
    // Proves a plan must do something.
    PlanProblem problem = onlyProblemOf("name: p\nsteps: []\n");
    assertThat(problem.key()).isEqualTo("steps");
    assertThat(problem.message()).isEqualTo("a plan needs at least one step");
  }

  @Test
  void rejectsPlanWithoutSteps() {
    // Proves a missing steps key is the same as an empty list.
    PlanProblem problem = onlyProblemOf("name: p\n");
    assertThat(problem.message()).isEqualTo("a plan needs at least one step");
  }

  @Test
  void rejectsRoleNoTargetHas() {
    // Proves a role that reaches no target names the step and the role.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: Deploy
          roles: [web, api]
          action: %s
        """
                    .formatted(SIMULATE)));
    assertThat(problem.toString())
        .isEqualTo("plan.yaml:7: step \"Deploy\": roles: no target has the role \"api\"");
  }

  @Test
  void rejectsStepWithoutRolesUnlessRunOnServer() {
    // Proves a step must pick targets or run on the engine.
    PlanProblem problem = onlyProblemOf(plan("- { name: Deploy, action: %s }".formatted(SIMULATE)));
    assertThat(problem.step()).isEqualTo("Deploy");
    assertThat(problem.key()).isEqualTo("roles");
    assertThat(problem.message()).contains("runOnServer: true");
  }

  @Test
  void rejectsRunOnServerStepWithRoles() {
    // Proves a step cannot run both on the engine and on targets.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                "- { name: Notify, runOnServer: true, roles: [web], action: %s }"
                    .formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("roles");
    assertThat(problem.message()).startsWith("a runOnServer step runs once on the engine");
  }

  @Test
  void rejectsRollingRunOnServerStep() {
    // Proves the engine is not a fleet to roll over.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: Roll
          runOnServer: true
          rolling: { windowSize: 1 }
          children: [{ name: Drain, action: { type: simulate } }]
        """));
    assertThat(problem.key()).isEqualTo("rolling");
  }

  @Test
  void rejectsRollingStepWithAction() {
    // Proves a rolling step runs its children only.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: Roll
          roles: [web]
          rolling: { windowSize: 1 }
          action: %s
          children: [{ name: Drain, action: { type: simulate } }]
        """
                    .formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("action");
    assertThat(problem.line()).isEqualTo(9);
  }

  @Test
  void rejectsRollingStepWithoutChildren() {
    // Proves a rolling step needs something to roll.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: Roll
          roles: [web]
          rolling: { windowSize: 1 }
        """));
    assertThat(problem.key()).isEqualTo("children");
    assertThat(problem.message()).startsWith("a rolling step needs children");
  }

  @Test
  void rejectsRollingStepWithoutWindowSize() {
    // Proves windowSize is required inside rolling.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: Roll
          roles: [web]
          rolling: {}
          children: [{ name: Drain, action: { type: simulate } }]
        """));
    assertThat(problem.key()).isEqualTo("rolling.windowSize");
    assertThat(problem.line()).isEqualTo(8);
  }

  @Test
  void rejectsRollingStepWithMaxParallelism() {
    // Proves a rolling step has one cap, its window.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: Roll
          roles: [web]
          maxParallelism: 2
          rolling: { windowSize: 1 }
          children: [{ name: Drain, action: { type: simulate } }]
        """));
    assertThat(problem.key()).isEqualTo("maxParallelism");
    assertThat(problem.line()).isEqualTo(8);
  }

  @Test
  void rejectsChildrenWithoutRolling() {
    // Proves children belong to rolling steps only.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - name: Deploy
          roles: [web]
          action: %s
          children: [{ name: Drain, action: { type: simulate } }]
        """
                    .formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("children");
    assertThat(problem.message()).contains("rolling: { windowSize: N }");
  }

  // --- actions ----------------------------------------------------------------------------------

  @Test
  void rejectsMissingAction() {
    // Proves a plain step must say what it runs.
    PlanProblem problem = onlyProblemOf(plan("- { name: Deploy, roles: [web] }"));
    assertThat(problem.line()).isEqualTo(6);
    assertThat(problem.key()).isEqualTo("action");
    assertThat(problem.message()).startsWith("a step needs an action");
  }

  @Test
  void rejectsActionWithoutType() {
    // Proves an action must name its type.
    PlanProblem problem =
        onlyProblemOf(plan("- { name: Deploy, roles: [web], action: { duration: 2s } }"));
    assertThat(problem.key()).isEqualTo("action.type");
  }

  @Test
  void rejectsUnknownActionType() {
    // Proves the action type must be registered, and lists those that are.
    PlanProblem problem =
        onlyProblemOf(plan("- { name: Deploy, roles: [web], action: { type: ansible } }"));
    assertThat(problem.key()).isEqualTo("action.type");
    assertThat(problem.step()).isEqualTo("Deploy");
    assertThat(problem.line()).isEqualTo(6);
    assertThat(problem.message())
        .contains("ansible")
        .contains("simulate")
        .contains("script")
        .contains("strict");
  }

  @Test
  void rejectsActionParametersTheTypeRejects() {
    // Proves the action type's own check runs at load time and its key is located.
    List<PlanProblem> problems =
        problemsOf(
            plan(
                """
        - name: Size
          roles: [web]
          action:
            type: strict
            size: 0
        - name: Colour
          roles: [web]
          action:
            type: strict
            colour: red
        """));
    assertThat(problems)
        .extracting(PlanProblem::toString)
        .containsExactly(
            "plan.yaml:10: step \"Size\": action.size: must be a whole number of at least 1, not 0",
            "plan.yaml:15: step \"Colour\": action.colour: strict takes only size");
  }

  @Test
  void rejectsBadSimulateDuration() {
    // Proves a built-in type's rejection reaches the plan with the parameter named.
    PlanProblem problem =
        onlyProblemOf(
            plan("- { name: Deploy, roles: [web], action: { type: simulate, duration: 2x } }"));
    assertThat(problem.key()).isEqualTo("action.duration");
    assertThat(problem.message()).contains("\"2x\" is not a duration");
  }

  @Test
  void rejectsActionThatIsNotAMapping() {
    // Proves action takes a mapping, not a bare type name.
    PlanProblem problem = onlyProblemOf(plan("- { name: Deploy, roles: [web], action: simulate }"));
    assertThat(problem.key()).isEqualTo("action");
    assertThat(problem.message())
        .isEqualTo("must be a mapping such as { type: simulate, duration: 2s }, not \"simulate\"");
  }

  // --- values -----------------------------------------------------------------------------------

  @Test
  void rejectsBadTimeout() {
    // Proves the documented message for a duration that is not one.
    List<PlanProblem> problems =
        problemsOf(
            """
        name: p
        targets: [{ name: web-01, roles: [web] }]
        steps:
          - name: Deploy web
            roles: [web]
            action: { type: simulate }
            # a comment, so the key is not on the step's line
            retries: 1



            timeout: 1x
        """);
    assertThat(problems)
        .extracting(PlanProblem::toString)
        .containsExactly(
            "plan.yaml:12: step \"Deploy web\": timeout: \"1x\" is not a duration "
                + "(write a number and a unit: 250ms, 2s, 1.5s, 1m, 1h)");
  }

  @Test
  void rejectsDurationOutOfRange() {
    // Proves a duration too long or too precise to hold is a problem, not a crash.
    List<PlanProblem> problems =
        problemsOf(
            plan(
                """
        - { name: Long, roles: [web], timeout: 99999999999999h, action: %s }
        - { name: Fine, roles: [web], retryBackoff: 0.0000000001s, action: %s }
        """
                    .formatted(SIMULATE, SIMULATE)));
    assertThat(problems).extracting(PlanProblem::key).containsExactly("timeout", "retryBackoff");
    assertThat(problems.get(0).message()).startsWith("\"99999999999999h\" is out of range");
  }

  @Test
  void rejectsZeroTimeout() {
    // Proves a timeout must leave the execution some time.
    PlanProblem problem =
        onlyProblemOf(
            plan("- { name: Deploy, roles: [web], timeout: 0s, action: %s }".formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("timeout");
    assertThat(problem.message()).isEqualTo("must be more than 0");
  }

  @Test
  void rejectsBadRetryBackoff() {
    // Proves retryBackoff is a duration.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                "- { name: Deploy, roles: [web], retryBackoff: soon, action: %s }"
                    .formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("retryBackoff");
    assertThat(problem.message()).startsWith("\"soon\" is not a duration");
  }

  @Test
  void rejectsNegativeRetries() {
    // Proves retries count up from 0.
    PlanProblem problem =
        onlyProblemOf(
            plan("- { name: Deploy, roles: [web], retries: -1, action: %s }".formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("retries");
    assertThat(problem.message()).isEqualTo("must be 0 or more, was -1");
  }

  @Test
  void rejectsPlanMaxParallelismBelowOne() {
    // Proves the deployment cap must let something run.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        maxParallelism: 0
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        """);
    assertThat(problem.toString())
        .isEqualTo("plan.yaml:2: maxParallelism: must be at least 1, was 0");
  }

  @Test
  void rejectsStepMaxParallelismBelowOne() {
    // Proves a step cap must let a target run.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                "- { name: Deploy, roles: [web], maxParallelism: 0, action: %s }"
                    .formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("maxParallelism");
    assertThat(problem.message()).isEqualTo("must be at least 1, was 0");
  }

  @Test
  void rejectsCapThatIsNotAWholeNumber() {
    // Proves caps are whole numbers, at every level.
    List<PlanProblem> problems =
        problemsOf(
            """
        name: p
        maxParallelism: ten
        targets: [{ name: web-01, roles: [web] }]
        steps:
          - { name: Deploy, roles: [web], maxParallelism: 2.5, action: { type: simulate } }
        """);
    assertThat(problems)
        .extracting(PlanProblem::toString)
        .containsExactly(
            "plan.yaml:2: maxParallelism: \"ten\" is not a whole number",
            "plan.yaml:5: step \"Deploy\": maxParallelism: \"2.5\" is not a whole number");
  }

  @Test
  void rejectsWindowSizeBelowOneOrNotWhole() {
    // Proves a rolling window must hold at least one whole target.
    List<PlanProblem> problems =
        problemsOf(
            plan(
                """
        - name: Zero
          roles: [web]
          rolling: { windowSize: 0 }
          children: [{ name: A, action: { type: simulate } }]
        - name: Half
          roles: [web]
          rolling: { windowSize: 1.5 }
          children: [{ name: B, action: { type: simulate } }]
        """));
    assertThat(problems)
        .extracting(PlanProblem::toString)
        .containsExactly(
            "plan.yaml:8: step \"Zero\": rolling.windowSize: must be at least 1, was 0",
            "plan.yaml:12: step \"Half\": rolling.windowSize: \"1.5\" is not a whole number");
  }

  @Test
  void rejectsRolesThatAreNotAList() {
    // Proves roles is a list even for one role.
    PlanProblem problem =
        onlyProblemOf(plan("- { name: Deploy, roles: web, action: %s }".formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("roles");
    assertThat(problem.message()).isEqualTo("must be a list of roles, e.g. [web, db], not \"web\"");
  }

  @Test
  void rejectsRunOnServerThatIsNotABoolean() {
    // Proves runOnServer takes true or false only.
    PlanProblem problem =
        onlyProblemOf(
            plan("- { name: Notify, runOnServer: sometimes, action: %s }".formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("runOnServer");
    assertThat(problem.message()).isEqualTo("must be true or false, not \"sometimes\"");
  }

  @Test
  void rejectsWrongShapesForPlanKeys() {
    // Proves each plan key's shape is checked: text, list or mapping.
    List<PlanProblem> problems =
        problemsOf(
            """
        name: [a, b]
        seed: later
        variables: [a]
        targets: web-01
        steps: { name: S }
        """);
    assertThat(problems)
        .extracting(PlanProblem::key)
        .containsExactly("name", "seed", "variables", "targets", "steps");
    assertThat(problems).extracting(PlanProblem::line).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void rejectsVariableThatIsNotASingleValue() {
    // Proves variables are name to value, not nested.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        variables:
          Servers: [a, b]
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        """);
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:3: variables: Servers: must be a single value or a mapping with a value, not a list");
  }

  @Test
  void rejectsBadStartTrigger() {
    // Proves startTrigger values are listed when one is wrong.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                """
        - { name: A, roles: [web], action: %s }
        - { name: B, roles: [web], startTrigger: together, action: %s }
        """
                    .formatted(SIMULATE, SIMULATE)));
    assertThat(problem.message())
        .isEqualTo("\"together\" is not a start trigger (expected afterPrevious or withPrevious)");
  }

  @Test
  void rejectsBadCondition() {
    // Proves condition values are listed when one is wrong.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                "- { name: A, roles: [web], condition: sometimes, action: %s }"
                    .formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("condition");
    assertThat(problem.message())
        .isEqualTo(
            "\"sometimes\" is not a condition (expected success, failure, always or { variable: Name })");
  }

  @Test
  void rejectsVariableConditionWithoutName() {
    // Proves a variable condition names its variable.
    PlanProblem problem =
        onlyProblemOf(
            plan(
                "- { name: A, roles: [web], condition: { variable: }, action: %s }"
                    .formatted(SIMULATE)));
    assertThat(problem.key()).isEqualTo("condition.variable");
  }

  @Test
  void rejectsBadTargetIsolation() {
    // Proves targetIsolation values are listed when one is wrong.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        targetIsolation: solo
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        """);
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:2: targetIsolation: \"solo\" is not a target isolation (expected exclusive or shared)");
  }

  @Test
  void rejectsDuplicateKeys() {
    // Proves YAML's last-one-wins for repeated keys is not silently applied.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        name: q
        """);
    assertThat(problem.toString()).isEqualTo("plan.yaml:3: name: appears twice (first on line 1)");
  }

  // --- targets ----------------------------------------------------------------------------------

  @Test
  void rejectsDuplicateTargetNamesAfterExpansion() {
    // Proves a target named twice, here once through a range, is reported at its second mention.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        targets:
          - { name: "web-{01..03}", roles: [web] }
          - { name: web-02, roles: [api] }
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        """);
    assertThat(problem.toString())
        .isEqualTo("plan.yaml:4: targets.name: \"web-02\" names two targets (also on line 3)");
  }

  @Test
  void rejectsTargetWithoutName() {
    // Proves every target is named.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        targets:
          - { roles: [web] }
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        """);
    assertThat(problem.toString()).isEqualTo("plan.yaml:3: targets.name: a target needs a name");
  }

  @Test
  void rejectsBadTargetRanges() {
    // Proves a range must count up, in numbers.
    List<PlanProblem> problems =
        problemsOf(
            """
        name: p
        targets:
          - { name: "web-{05..01}", roles: [web] }
          - { name: "web-{a..c}", roles: [web] }
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        """);
    assertThat(problems)
        .extracting(PlanProblem::toString)
        .containsExactly(
            "plan.yaml:3: targets.name: range \"{05..01}\" ends before it starts",
            "plan.yaml:4: targets.name: \"{a..c}\" is not a range of numbers (write it like {01..40})");
  }

  @Test
  void rejectsTargetThatIsNotAMapping() {
    // Proves a target is written as a mapping.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        targets: [web-01]
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        """);
    assertThat(problem.key()).isEqualTo("targets");
    assertThat(problem.line()).isEqualTo(2);
  }

  // --- the document -----------------------------------------------------------------------------

  @Test
  void rejectsMalformedYamlWithItsLine() {
    // Proves SnakeYAML's location of a syntax error is passed on, as the only problem.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        steps:
          - name: "Deploy
            roles: [web]
        """);
    assertThat(problem.source()).isEqualTo("plan.yaml");
    assertThat(problem.line()).isEqualTo(5);
    assertThat(problem.message()).startsWith("not valid YAML: ");
  }

  @Test
  void rejectsBadIndentationWithItsLine() {
    // Proves the line is SnakeYAML's problem mark, not where the enclosing mapping began.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        steps:
          - name: Deploy
           roles: [web]
        """);
    assertThat(problem.line()).isEqualTo(4);
    assertThat(problem.message()).startsWith("not valid YAML: ");
  }

  @Test
  void rejectsDocumentThatIsNotAMapping() {
    // Proves a plan is a mapping at the top.
    PlanProblem problem = onlyProblemOf("- name: p\n");
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:1: a plan is a mapping of keys (name, targets, steps, ...), not a list");
  }

  @Test
  void rejectsEmptyDocument() {
    // Proves an empty file is reported, not loaded as nothing.
    PlanProblem problem = onlyProblemOf("# nothing here\n");
    assertThat(problem.toString()).isEqualTo("plan.yaml: the plan is empty");
  }

  @Test
  void rejectsMergeKeys() {
    // Proves << is refused rather than silently read as an unknown key named "<<".
    List<PlanProblem> problems =
        problemsOf(
            """
        name: p
        steps:
          - &base { name: A, runOnServer: true, action: { type: simulate } }
          - { <<: *base, name: B }
        """);
    assertThat(problems)
        .extracting(PlanProblem::message)
        .contains("merge keys (<<) are not supported; write the keys out");
  }

  @Test
  void reportsEveryProblemInReadingOrder() {
    // Proves one pass finds every problem, sorted by line, so a user fixes the plan at once.
    List<PlanProblem> problems =
        problemsOf(
            """
        name: p
        targets: [{ name: web-01, roles: [web] }]
        steps:
          - name: First
            roles: [api]
            startTrigger: withPrevious
            action: { type: simulate }
          - name: Second
            roles: [web]
            timeout: forever
            action: { type: nope }
          - { name: First, roles: [web] }
        colour: blue
        """);
    assertThat(problems).extracting(PlanProblem::line).containsExactly(5, 6, 10, 11, 12, 12, 13);
    assertThat(problems)
        .extracting(PlanProblem::key)
        .containsExactly(
            "roles", "startTrigger", "timeout", "action.type", "action", "name", "colour");
  }

  @Test
  void rejectsUnknownInterruptPolicy() {
    // Proves onInterrupted accepts only rerun or fail, and says so with the line.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        onInterrupted: retry
        steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
        """);
    assertThat(problem.line()).isEqualTo(2);
    assertThat(problem.key()).isEqualTo("onInterrupted");
    assertThat(problem.message()).contains("rerun or fail");
  }
}
