package dev.flotilla.engine.plan;

import static dev.flotilla.engine.plan.PlanFixtures.LOADER;
import static dev.flotilla.engine.plan.PlanFixtures.SOURCE;
import static dev.flotilla.engine.plan.PlanFixtures.problemsOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.TargetIsolation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Overrides (--set) and the Octopus-compatible variable aliases, and their precedence. */
class PlanOverridesTest {

  private static final String STEPS =
      """
      steps:
        - { name: Only, runOnServer: true, action: { type: simulate } }
      """;

  private static DeploymentPlan load(String settings, Map<String, String> overrides)
      throws InvalidPlanException {
    return LOADER.parse("name: p\n" + settings + STEPS, SOURCE, overrides);
  }

  @Test
  void overrideReplacesMaxParallelismAndTargetIsolation() throws Exception {
    // Proves the two setting keys replace the plan's own settings.
    DeploymentPlan plan =
        load(
            "maxParallelism: 4\ntargetIsolation: exclusive\n",
            Map.of("maxParallelism", "7", "targetIsolation", "shared"));
    assertThat(plan.maxParallelism()).isEqualTo(7);
    assertThat(plan.targetIsolation()).isEqualTo(TargetIsolation.SHARED);
  }

  @Test
  void overrideOfAnyOtherKeySetsOrReplacesAVariable() throws Exception {
    // Proves any other key is a variable: replaced in place, or added after the plan's own.
    DeploymentPlan plan =
        load(
            "variables: { Greeting: hello, Colour: blue }\n",
            Map.of("Greeting", "bonjour", "Extra", "1"));
    assertThat(plan.variables())
        .containsExactly(
            Map.entry("Greeting", "bonjour"), Map.entry("Colour", "blue"), Map.entry("Extra", "1"));
  }

  @Test
  void maxParallelismVariableWinsOverTheKey() throws Exception {
    // Proves Octopus.Action.MaxParallelism sets the deployment's cap over maxParallelism.
    DeploymentPlan plan =
        load("maxParallelism: 4\nvariables: { Octopus.Action.MaxParallelism: 2 }\n", Map.of());
    assertThat(plan.maxParallelism()).isEqualTo(2);
    assertThat(plan.variables()).containsEntry(PlanLoader.MAX_PARALLELISM_VARIABLE, "2");
  }

  @Test
  void maxParallelismVariableWinsOverAMaxParallelismOverride() throws Exception {
    // Proves overrides apply before aliases: the alias still wins over an overridden key.
    DeploymentPlan plan =
        load("variables: { Octopus.Action.MaxParallelism: 2 }\n", Map.of("maxParallelism", "9"));
    assertThat(plan.maxParallelism()).isEqualTo(2);
  }

  @Test
  void maxParallelismVariableCanComeFromAnOverride() throws Exception {
    // Proves the alias works when set on the command line, replacing the plan's value.
    DeploymentPlan plan =
        load(
            "maxParallelism: 4\nvariables: { Octopus.Action.MaxParallelism: 2 }\n",
            Map.of(PlanLoader.MAX_PARALLELISM_VARIABLE, "6"));
    assertThat(plan.maxParallelism()).isEqualTo(6);
  }

  @Test
  void rejectsNonNumericMaxParallelismVariable() {
    // Proves a malformed alias is an error with the documented wording and the variable's line.
    List<PlanProblem> problems =
        problemsOf(
            """
        name: p
        variables:
          Octopus.Action.MaxParallelism: ten
        """
                + STEPS,
            Map.of());
    assertThat(problems)
        .extracting(PlanProblem::toString)
        .containsExactly(
            "plan.yaml:3: variables: Octopus.Action.MaxParallelism: \"ten\" is not a whole number");
  }

  @Test
  void rejectsMaxParallelismVariableBelowOne() {
    // Proves the alias follows the same rule as the key.
    List<PlanProblem> problems =
        problemsOf("name: p\nvariables: { Octopus.Action.MaxParallelism: 0 }\n" + STEPS, Map.of());
    assertThat(problems)
        .extracting(PlanProblem::message)
        .containsExactly("Octopus.Action.MaxParallelism: must be at least 1, was 0");
  }

  @Test
  void rejectsNonNumericMaxParallelismVariableFromAnOverride() {
    // Proves an override's problem has no line and says where it came from.
    List<PlanProblem> problems =
        problemsOf("name: p\n" + STEPS, Map.of(PlanLoader.MAX_PARALLELISM_VARIABLE, "lots"));
    assertThat(problems)
        .extracting(PlanProblem::toString)
        .containsExactly(
            "plan.yaml: variables: Octopus.Action.MaxParallelism: \"lots\" is not a whole number (from an override)");
  }

  @Test
  void rejectsBadSettingOverrides() {
    // Proves the setting overrides are checked like the plan's own keys.
    List<PlanProblem> problems =
        problemsOf("name: p\n" + STEPS, Map.of("maxParallelism", "0", "targetIsolation", "solo"));
    assertThat(problems)
        .extracting(PlanProblem::toString)
        .containsExactlyInAnyOrder(
            "plan.yaml: maxParallelism: must be at least 1, was 0 (from an override)",
            "plan.yaml: targetIsolation: \"solo\" is not a target isolation (expected exclusive or shared) (from an override)");
  }

  @Test
  void truthyBypassMutexVariableMakesIsolationShared() throws Exception {
    // Proves OctopusBypassDeploymentMutex=True wins over targetIsolation: exclusive.
    DeploymentPlan plan =
        load(
            "targetIsolation: exclusive\nvariables: { OctopusBypassDeploymentMutex: True }\n",
            Map.of());
    assertThat(plan.targetIsolation()).isEqualTo(TargetIsolation.SHARED);
  }

  @Test
  void bypassMutexVariableFromAnOverrideMakesIsolationShared() throws Exception {
    // Proves the alias is read after overrides, whatever its case.
    DeploymentPlan plan = load("", Map.of(PlanLoader.BYPASS_MUTEX_VARIABLE, "TRUE"));
    assertThat(plan.targetIsolation()).isEqualTo(TargetIsolation.SHARED);
  }

  @Test
  void falsyBypassMutexVariableLeavesIsolationAsPlanned() throws Exception {
    // Proves a falsy alias does not force exclusive on a shared plan, nor shared on an exclusive
    // one.
    assertThat(
            load(
                    "targetIsolation: shared\nvariables: { OctopusBypassDeploymentMutex: False }\n",
                    Map.of())
                .targetIsolation())
        .isEqualTo(TargetIsolation.SHARED);
    assertThat(
            load("variables: { OctopusBypassDeploymentMutex: \"no\" }\n", Map.of())
                .targetIsolation())
        .isEqualTo(TargetIsolation.EXCLUSIVE);
  }

  @Test
  void overriddenVariablesReachRunConditions() throws Exception {
    // Proves an override is a plain variable, so a { variable: X } condition sees it.
    DeploymentPlan plan = load("", Map.of("RunSmoke", "yes"));
    assertThat(plan.steps().get(0).condition().allows(false, plan.variables())).isTrue();
  }
}
