package dev.flotilla.engine.plan;

import static dev.flotilla.engine.plan.PlanFixtures.LOADER;
import static dev.flotilla.engine.plan.PlanFixtures.SOURCE;
import static dev.flotilla.engine.plan.PlanFixtures.onlyProblemOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.ScopedValue;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plan variables as YAML writes them, and the references a plan may make to variables. */
class PlanVariablesTest {

  private static final String TARGETS =
      """
      name: p
      targets:
        - { name: web-01, roles: [web] }
        - { name: api-01, roles: [api] }
      """;

  @Test
  void plainVariablesStillLoadAsText() throws Exception {
    // Proves the old form (name: value) reads as it always did.
    DeploymentPlan plan =
        LOADER.parse(
            TARGETS
                + """
                variables: { Greeting: hello, Count: 5 }
                steps: [{ name: S, roles: [web], action: { type: script, run: "echo #{Greeting}" } }]
                """,
            SOURCE,
            Map.of());
    assertThat(plan.variables()).containsEntry("Greeting", "hello").containsEntry("Count", "5");
    assertThat(plan.scopedValues()).isEmpty();
    assertThat(plan.sensitive()).isEmpty();
  }

  @Test
  void aVariableMayHaveScopedValuesAndBeSensitive() throws Exception {
    // Proves the detailed form: value, scopes by roles or targets, and sensitive.
    DeploymentPlan plan =
        LOADER.parse(
            TARGETS
                + """
                variables:
                  Port: { value: 80, scopes: [{ roles: [api], value: 8080 }, { targets: [web-01], value: 9 }] }
                  Password: { value: s3cret, sensitive: true }
                steps: [{ name: S, roles: [web], action: { type: script, run: "echo #{Port}" } }]
                """,
            SOURCE,
            Map.of());
    assertThat(plan.variables()).containsEntry("Port", "80").containsEntry("Password", "s3cret");
    assertThat(plan.scopedValues().get("Port"))
        .containsExactly(
            ScopedValue.forRoles(List.of("api"), "8080"),
            ScopedValue.forTargets(List.of("web-01"), "9"));
    assertThat(plan.sensitive()).containsExactly("Password");
  }

  @Test
  void setOverridesTheUnscopedValue() throws Exception {
    // Proves --set still replaces a plan variable.
    DeploymentPlan plan =
        LOADER.parse(
            TARGETS
                + """
                variables: { Port: { value: 80 } }
                steps: [{ name: S, roles: [web], action: { type: script, run: "echo #{Port}" } }]
                """,
            SOURCE,
            Map.of("Port", "81"));
    assertThat(plan.variables()).containsEntry("Port", "81");
  }

  @Test
  void rejectsAReferenceToAVariableThatCanNeverExist() {
    // Proves an unknown name is a plan error naming step, key and name, with a did-you-mean.
    PlanProblem problem =
        onlyProblemOf(
            TARGETS
                + """
                variables: { Greeting: hello }
                steps: [{ name: S, roles: [web], action: { type: script, run: "echo #{Greting}" } }]
                """);
    assertThat(problem.step()).isEqualTo("S");
    assertThat(problem.key()).isEqualTo("action.run");
    assertThat(problem.message())
        .contains("#{Greting}")
        .contains("no variable \"Greting\"")
        .contains("did you mean Greeting?");
  }

  @Test
  void rejectsAnOutputOfAStepThatDoesNotExist() {
    // Proves an output read names a step of the plan.
    PlanProblem problem =
        onlyProblemOf(
            TARGETS
                + """
                steps:
                  - { name: Build, roles: [web], action: { type: script, run: "true" } }
                  - { name: Deploy, roles: [web], action: { type: script, run: "echo #{Octopus.Action[Biuld].Output.Number}" } }
                """);
    assertThat(problem.step()).isEqualTo("Deploy");
    assertThat(problem.message()).contains("no step \"Biuld\"").contains("did you mean Build?");
  }

  @Test
  void rejectsVariablesThatReferToEachOtherInACycle() {
    // Proves a cycle among values is found when the plan loads, not when it runs.
    PlanProblem problem =
        onlyProblemOf(
            TARGETS
                + """
                variables: { A: "#{B}", B: "x#{A}" }
                steps: [{ name: S, roles: [web], action: { type: script, run: "echo #{A}" } }]
                """);
    assertThat(problem.key()).isEqualTo("variables.A");
    assertThat(problem.message()).contains("A -> B -> A");
  }

  @Test
  void anEscapedReferenceIsNotChecked() throws Exception {
    // Proves ##{Name} is literal text, so no variable is needed.
    DeploymentPlan plan =
        LOADER.parse(
            TARGETS
                + """
                steps: [{ name: S, roles: [web], action: { type: script, run: "echo ##{Anything}" } }]
                """,
            SOURCE,
            Map.of());
    assertThat(plan.steps()).hasSize(1);
  }

  @Test
  void aTypedParameterReadsItsValueFromAVariable() throws Exception {
    // Proves parameters are checked with their variables substituted (a simulate duration).
    DeploymentPlan plan =
        LOADER.parse(
            TARGETS
                + """
                variables: { Pause: 10ms }
                steps: [{ name: S, roles: [web], action: { type: simulate, duration: "#{Pause}" } }]
                """,
            SOURCE,
            Map.of());
    assertThat(plan.steps()).hasSize(1);
  }

  @Test
  void rejectsReadingAnOutputOfAStepInTheSameBlock() {
    // Proves the seed's warning is a check: parallel steps cannot pass values, with the fix.
    PlanProblem problem =
        onlyProblemOf(
            TARGETS
                + """
                steps:
                  - { name: Build, roles: [web], action: { type: script, run: "true" } }
                  - name: Deploy
                    roles: [api]
                    startTrigger: withPrevious
                    action: { type: script, run: "echo #{Octopus.Action[Build].Output.Number}" }
                """);
    assertThat(problem.step()).isEqualTo("Deploy");
    assertThat(problem.key()).isEqualTo("action.run");
    assertThat(problem.message())
        .contains("step \"Build\"")
        .contains("block 1 (steps Build, Deploy)")
        .contains("give \"Deploy\" startTrigger: afterPrevious");
  }

  @Test
  void rejectsReadingAnOutputOfALaterStepEvenThroughAVariable() {
    // Proves a read of a later step's output is found through a plan variable's value too.
    PlanProblem problem =
        onlyProblemOf(
            TARGETS
                + """
                variables: { Number: "#{Octopus.Action[Build].Output.Number}" }
                steps:
                  - { name: Deploy, roles: [api], action: { type: script, run: "echo #{Number}" } }
                  - { name: Build, roles: [web], action: { type: script, run: "true" } }
                """);
    assertThat(problem.step()).isEqualTo("Deploy");
    assertThat(problem.message())
        .contains("step \"Build\", which runs later (block 2")
        .contains("move \"Build\" before \"Deploy\"");
  }

  @Test
  void acceptsReadingAnEarlierBlocksOutputEvenBehindACondition() throws Exception {
    // Proves a producer a condition may skip can still be read (it reads empty if skipped).
    DeploymentPlan plan =
        LOADER.parse(
            TARGETS
                + """
                steps:
                  - { name: Build, roles: [web], condition: { variable: DoBuild }, action: { type: script, run: "true" } }
                  - { name: Deploy, roles: [api], condition: { variable: "Octopus.Action[Build].Output.Ready" }, action: { type: script, run: "echo #{Octopus.Action[Build].Output.Number}" } }
                """,
            SOURCE,
            Map.of());
    assertThat(plan.steps()).hasSize(2);
  }

  @Test
  void rejectsAConditionReadingAParallelStepsOutput() {
    // Proves a variable condition's output read follows the same rule.
    PlanProblem problem =
        onlyProblemOf(
            TARGETS
                + """
                steps:
                  - { name: Build, roles: [web], action: { type: script, run: "true" } }
                  - { name: Deploy, roles: [api], startTrigger: withPrevious, condition: { variable: "Octopus.Action[Build].Output.Ready" }, action: { type: script, run: "true" } }
                """);
    assertThat(problem.key()).isEqualTo("condition.variable");
  }
}
