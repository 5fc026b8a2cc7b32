package dev.flotilla.engine.variables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.ScopedValue;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How one execution's variables read: substitution, escapes, scopes, system values, outputs. */
class VariableResolverTest {

  private static final Map<String, Integer> STEPS = Map.of("Build", 0, "Deploy", 1);

  private static final ActionSpec SIMULATE = new ActionSpec("simulate", Map.of());

  private static final List<Target> TARGETS =
      List.of(
          new Target("web-01", List.of("web")),
          new Target("web-02", List.of("web")),
          new Target("api-01", List.of("api")));

  private static DeploymentPlan plan(Map<String, String> variables) {
    return new DeploymentPlan(
            "release",
            "shop",
            "production",
            10,
            null,
            variables,
            TARGETS,
            List.of(Step.of("Build", SIMULATE, "web"), Step.of("Deploy", SIMULATE, "web")),
            0L)
        .withScopedVariables(
            Map.of(
                "Port",
                List.of(
                    ScopedValue.forRoles(List.of("web", "api"), "8080"),
                    ScopedValue.forTargets(List.of("web-02"), "9"))),
            Set.of());
  }

  /** Facts with outputs of step 0 by target, and step 0 skipped or not. */
  private static VariableResolver.Facts facts(
      Map<String, Map<String, String>> outputs, boolean skipped) {
    return new VariableResolver.Facts() {
      @Override
      public Map<String, Map<String, String>> outputs(int step) {
        return step == 0 ? outputs : Map.of();
      }

      @Override
      public String statusCode(int step) {
        return step == 0 ? (skipped ? "Skipped" : "Success") : "Running";
      }

      @Override
      public boolean skipped(int step) {
        return step == 0 && skipped;
      }

      @Override
      public String error() {
        return null;
      }
    };
  }

  private static VariableResolver resolver(
      DeploymentPlan plan, VariableResolver.Facts facts, String target, List<String> notes) {
    return new VariableResolver(
        plan,
        name -> STEPS.get(name),
        facts,
        new VariableResolver.Where("d-1", "Deploy", "Deploy", target, 3),
        notes::add);
  }

  private static VariableResolver resolver(String target) {
    return resolver(
        plan(Map.of("Greeting", "hello", "Port", "80")),
        VariableResolver.Facts.NONE,
        target,
        new ArrayList<>());
  }

  @Test
  void substitutesNamesAndReadsDoubleHashAsALiteral() {
    // Proves #{Name} is replaced, ##{ stands for #{, and an unclosed #{ stays as written.
    VariableResolver variables = resolver("web-01");
    assertThat(variables.substitute("say #{Greeting}, not ##{Greeting}; #{open"))
        .isEqualTo("say hello, not #{Greeting}; #{open");
    assertThat(variables.substitute("#{ greeting }")).isEqualTo("hello");
  }

  @Test
  void theMostSpecificScopeWinsTargetOverRoleOverUnscoped() {
    // Proves Octopus's precedence: a target scope beats a role scope, which beats no scope.
    assertThat(resolver("web-02").value("Port")).isEqualTo("9");
    assertThat(resolver("web-01").value("Port")).isEqualTo("8080");
    assertThat(resolver(null).value("Port")).isEqualTo("80");
  }

  @Test
  void systemVariablesHaveOctopusNames() {
    // Proves each system variable reads what the execution is.
    VariableResolver variables = resolver("web-01");
    assertThat(
            variables.substitute(
                "#{Octopus.Deployment.Id} #{Octopus.Deployment.Name} #{Octopus.Project.Name}"
                    + " #{Octopus.Environment.Name} #{Octopus.Step.Name} #{Octopus.Action.Name}"
                    + " #{Octopus.Machine.Name} #{Octopus.Action.MaxParallelism}"
                    + " [#{Octopus.Deployment.Error}] #{Octopus.Step[Build].Status.Code}"))
        .isEqualTo("d-1 release shop production Deploy Deploy web-01 3 [] Pending");
  }

  @Test
  void nestedReferencesAreSubstitutedAndACycleIsAnError() {
    // Proves a value's own references are read, and a cycle fails instead of looping.
    Map<String, String> values = new LinkedHashMap<>();
    values.put("Url", "http://#{Host}:#{Port}/");
    values.put("Host", "shop.#{Domain}");
    values.put("Domain", "example.com");
    values.put("A", "#{B}");
    values.put("B", "#{A}");
    VariableResolver variables =
        resolver(plan(values), VariableResolver.Facts.NONE, "web-02", new ArrayList<>());
    assertThat(variables.value("Url")).isEqualTo("http://shop.example.com:9/");
    assertThatThrownBy(() -> variables.value("A"))
        .isInstanceOf(VariableException.class)
        .hasMessageContaining("A -> B -> A");
  }

  @Test
  void anOutputReadsWhenOneTargetSetItOrAllAgree() {
    // Proves the plain output form reads the common value.
    Map<String, Map<String, String>> outputs = new LinkedHashMap<>();
    outputs.put("web-01", Map.of("Build", "42"));
    outputs.put("web-02", Map.of("Build", "42"));
    VariableResolver variables =
        resolver(plan(Map.of()), facts(outputs, false), "api-01", new ArrayList<>());
    assertThat(variables.value("Octopus.Action[Build].Output.Build")).isEqualTo("42");
  }

  @Test
  void disagreeingTargetsFailTheReadNamingThem() {
    // Proves an ambiguous output is an error naming each target and its value.
    Map<String, Map<String, String>> outputs = new LinkedHashMap<>();
    outputs.put("web-01", Map.of("Build", "41"));
    outputs.put("web-02", Map.of("Build", "42"));
    VariableResolver variables =
        resolver(plan(Map.of()), facts(outputs, false), "api-01", new ArrayList<>());
    assertThatThrownBy(() -> variables.value("Octopus.Action[Build].Output.Build"))
        .isInstanceOf(VariableException.class)
        .hasMessageContaining("web-01=41, web-02=42")
        .hasMessageContaining("Output[TARGET].Build");
    assertThat(variables.value("Octopus.Action[Build].Output[web-02].Build")).isEqualTo("42");
  }

  @Test
  void onItsOwnTargetAStepReadsItsOwnValue() {
    // Proves the same target's value wins, so disagreeing targets do not matter there.
    Map<String, Map<String, String>> outputs = new LinkedHashMap<>();
    outputs.put("web-01", Map.of("Build", "41"));
    outputs.put("web-02", Map.of("Build", "42"));
    VariableResolver variables =
        resolver(plan(Map.of()), facts(outputs, false), "web-01", new ArrayList<>());
    assertThat(variables.value("Octopus.Action[Build].Output.Build")).isEqualTo("41");
  }

  @Test
  void anOutputOfASkippedStepReadsEmptyWithALogLine() {
    // Proves a step a condition skipped reads as empty and says why in the log.
    List<String> notes = new ArrayList<>();
    VariableResolver variables = resolver(plan(Map.of()), facts(Map.of(), true), "web-01", notes);
    assertThat(variables.substitute("[#{Octopus.Action[Build].Output.Build}]")).isEqualTo("[]");
    assertThat(notes).singleElement().asString().contains("step \"Build\" was skipped");
  }

  @Test
  void referencesListsNamesAndSkipsEscapes() {
    // Proves the plan checks see every reference but not an escaped one.
    assertThat(Substitution.references("#{A} ##{B} #{ C }")).containsExactly("A", "C");
  }
}
