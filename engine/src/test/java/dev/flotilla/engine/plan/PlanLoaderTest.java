package dev.flotilla.engine.plan;

import static dev.flotilla.engine.plan.PlanFixtures.LOADER;
import static dev.flotilla.engine.plan.PlanFixtures.SOURCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.RunCondition;
import dev.flotilla.engine.model.StartTrigger;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.model.TargetIsolation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Valid plans: what the loader builds from them. */
class PlanLoaderTest {

  private static final String WEB_RELEASE =
      """
      name: web-release
      project: shop
      environment: production
      maxParallelism: 8
      targetIsolation: exclusive
      seed: 42
      variables: { Greeting: hello, Smoke: True, Count: 5 }
      targets:
        - { name: db-01, roles: [db] }
        - { name: "web-{01..40}", roles: [web] }
      steps:
        - name: Migrate database
          roles: [db]
          action: { type: simulate, duration: 2s, jitter: 0.1 }
        - name: Deploy web
          roles: [web]
          startTrigger: withPrevious
          condition: success
          maxParallelism: 5
          retries: 2
          retryBackoff: 500ms
          timeout: 1m
          action: { type: script, run: "echo $Greeting from $FLOTILLA_TARGET" }
        - name: Rolling restart
          roles: [web]
          rolling: { windowSize: 3 }
          children:
            - { name: Drain, action: { type: simulate, duration: 1s } }
            - name: Restart
              condition: always
              retries: 1
              timeout: 30s
              action: { type: simulate, duration: 2s, failOn: [web-07] }
        - name: Smoke test
          roles: [web]
          condition: { variable: Smoke }
          action: { type: simulate, duration: 1.5s }
        - name: Notify
          runOnServer: true
          condition: always
          action: { type: simulate, duration: 100ms }
      """;

  @Test
  void loadsAFullPlanIntoTheModel() throws Exception {
    // Proves every documented key lands in the model with its effective value.
    DeploymentPlan plan = LOADER.parse(WEB_RELEASE, SOURCE, Map.of());

    assertThat(plan.name()).isEqualTo("web-release");
    assertThat(plan.project()).isEqualTo("shop");
    assertThat(plan.environment()).isEqualTo("production");
    assertThat(plan.maxParallelism()).isEqualTo(8);
    assertThat(plan.targetIsolation()).isEqualTo(TargetIsolation.EXCLUSIVE);
    assertThat(plan.seed()).isEqualTo(42L);
    assertThat(plan.variables())
        .containsExactly(
            Map.entry("Greeting", "hello"), Map.entry("Smoke", "True"), Map.entry("Count", "5"));

    assertThat(plan.targets()).hasSize(41);
    assertThat(plan.targets().get(0)).isEqualTo(new Target("db-01", List.of("db")));
    assertThat(plan.targets().get(1)).isEqualTo(new Target("web-01", List.of("web")));
    assertThat(plan.targets().get(40)).isEqualTo(new Target("web-40", List.of("web")));

    Step deploy = plan.steps().get(1);
    assertThat(deploy.roles()).containsExactly("web");
    assertThat(deploy.startTrigger()).isEqualTo(StartTrigger.WITH_PREVIOUS);
    assertThat(deploy.condition()).isEqualTo(RunCondition.SUCCESS);
    assertThat(deploy.maxParallelism()).isEqualTo(5);
    assertThat(deploy.retries()).isEqualTo(2);
    assertThat(deploy.retryBackoff()).isEqualTo(Duration.ofMillis(500));
    assertThat(deploy.timeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(deploy.runOnServer()).isFalse();
    assertThat(deploy.action())
        .isEqualTo(new ActionSpec("script", Map.of("run", "echo $Greeting from $FLOTILLA_TARGET")));

    Step rolling = plan.steps().get(2);
    assertThat(rolling.isRolling()).isTrue();
    assertThat(rolling.windowSize()).isEqualTo(3);
    assertThat(rolling.action()).isNull();
    assertThat(rolling.children()).extracting(Step::name).containsExactly("Drain", "Restart");
    Step restart = rolling.children().get(1);
    assertThat(restart.roles()).isEmpty();
    assertThat(restart.condition()).isEqualTo(RunCondition.ALWAYS);
    assertThat(restart.retries()).isEqualTo(1);
    assertThat(restart.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(restart.action().parameters()).containsEntry("failOn", List.of("web-07"));

    assertThat(plan.steps().get(3).condition()).isEqualTo(RunCondition.variable("Smoke"));

    Step notify = plan.steps().get(4);
    assertThat(notify.runOnServer()).isTrue();
    assertThat(notify.roles()).isEmpty();
    assertThat(notify.condition()).isEqualTo(RunCondition.ALWAYS);
  }

  @Test
  void laysOutBlocksAndCapsAsPlanned() throws Exception {
    // Proves withPrevious joins a block and each step's cap comes from the right setting.
    PlanLayout layout = PlanLayout.of(LOADER.parse(WEB_RELEASE, SOURCE, Map.of()));

    assertThat(layout.blocks()).containsExactly(List.of(0, 1), List.of(2), List.of(5), List.of(6));
    assertThat(layout.stepNamed("Migrate database").targetCap()).isEqualTo(8);
    assertThat(layout.stepNamed("Deploy web").targetCap()).isEqualTo(5);
    assertThat(layout.stepNamed("Rolling restart").targetCap()).isEqualTo(3);
    assertThat(layout.stepNamed("Restart").isChild()).isTrue();
    assertThat(layout.stepNamed("Restart").targets()).hasSize(40);
    assertThat(layout.stepNamed("Migrate database").targets()).containsExactly("db-01");
    assertThat(layout.stepNamed("Notify").targets()).isEmpty();
  }

  @Test
  void appliesDefaultsForEverythingLeftOut() throws Exception {
    // Proves the documented defaults: cap 10, exclusive, seed 0, afterPrevious, success, no
    // retries.
    DeploymentPlan plan =
        LOADER.parse(
            """
        name: minimal
        targets: [{ name: a, roles: [app] }]
        steps:
          - { name: Only, roles: [app], action: { type: simulate } }
        """,
            SOURCE,
            Map.of());

    assertThat(plan.project()).isNull();
    assertThat(plan.environment()).isNull();
    assertThat(plan.maxParallelism()).isEqualTo(DeploymentPlan.DEFAULT_MAX_PARALLELISM);
    assertThat(plan.targetIsolation()).isEqualTo(TargetIsolation.EXCLUSIVE);
    assertThat(plan.seed()).isZero();
    assertThat(plan.variables()).isEmpty();
    Step only = plan.steps().get(0);
    assertThat(only.startTrigger()).isEqualTo(StartTrigger.AFTER_PREVIOUS);
    assertThat(only.condition()).isEqualTo(RunCondition.SUCCESS);
    assertThat(only.maxParallelism()).isNull();
    assertThat(only.retries()).isZero();
    assertThat(only.retryBackoff()).isEqualTo(Duration.ZERO);
    assertThat(only.timeout()).isNull();
    assertThat(only.action()).isEqualTo(new ActionSpec("simulate", Map.of()));
  }

  @Test
  void keepsActionParametersAsYamlTypedThem() throws Exception {
    // Proves parameters keep YAML's types, so an action type sees 3 and "3" differently.
    DeploymentPlan plan =
        LOADER.parse(
            """
        name: types
        steps:
          - name: Typed
            runOnServer: true
            action:
              type: strict
              size: 3
        """,
            SOURCE,
            Map.of());
    assertThat(plan.steps().get(0).action().parameters()).containsExactly(Map.entry("size", 3));

    Map<String, Object> parameters =
        new PlanLoader(PlanFixtures.TYPES.with(new AnythingGoes()))
            .parse(
                """
            name: types
            steps:
              - name: Typed
                runOnServer: true
                action:
                  type: anything
                  int: 3
                  long: 5000000000
                  float: 0.25
                  bool: yes
                  quoted: "3"
                  text: hello
                  date: 2024-01-31
                  list: [a, 1]
                  map: { k: v, n: 2 }
                  empty:
            """,
                SOURCE,
                Map.of())
            .steps()
            .get(0)
            .action()
            .parameters();
    assertThat(parameters)
        .containsEntry("int", 3)
        .containsEntry("long", 5_000_000_000L)
        .containsEntry("float", 0.25)
        .containsEntry("bool", true)
        .containsEntry("quoted", "3")
        .containsEntry("text", "hello")
        .containsEntry("date", "2024-01-31")
        .containsEntry("list", List.of("a", 1))
        .containsEntry("map", Map.of("k", "v", "n", 2))
        .doesNotContainKey("empty");
  }

  @Test
  void acceptsQuotedWholeNumbersForCapsAndCounts() throws Exception {
    // Proves a templated plan may quote its numbers.
    DeploymentPlan plan =
        LOADER.parse(
            """
        name: quoted
        maxParallelism: "4"
        seed: "-7"
        targets: [{ name: a, roles: [app] }]
        steps:
          - { name: Only, roles: [app], retries: "2", action: { type: simulate } }
        """,
            SOURCE,
            Map.of());
    assertThat(plan.maxParallelism()).isEqualTo(4);
    assertThat(plan.seed()).isEqualTo(-7L);
    assertThat(plan.steps().get(0).retries()).isEqualTo(2);
  }

  @Test
  void treatsAKeyWithNoValueAsLeftOut() throws Exception {
    // Proves "project:" with nothing after it is the same as no project at all.
    DeploymentPlan plan =
        LOADER.parse(
            """
        name: blanks
        project:
        variables: { Empty: }
        steps:
          - { name: Only, runOnServer: true, timeout: ~, action: { type: simulate } }
        """,
            SOURCE,
            Map.of());
    assertThat(plan.project()).isNull();
    assertThat(plan.variables()).containsEntry("Empty", "");
    assertThat(plan.steps().get(0).timeout()).isNull();
  }

  @Test
  void loadsAPlanFromAFile(@TempDir Path directory) throws Exception {
    // Proves load reads the file as UTF-8 and names it in problems.
    Path file = directory.resolve("release.yaml");
    Files.writeString(
        file,
        """
        name: déploiement
        steps:
          - { name: Only, runOnServer: true, action: { type: simulate } }
        """);
    assertThat(LOADER.load(file, Map.of()).name()).isEqualTo("déploiement");

    Files.writeString(file, "name: broken\nsteps: []\n");
    InvalidPlanException e =
        catchThrowableOfType(InvalidPlanException.class, () -> LOADER.load(file, Map.of()));
    assertThat(e.problems())
        .singleElement()
        .satisfies(problem -> assertThat(problem.source()).isEqualTo(file.toString()));
  }

  @Test
  void reportsAMissingFileAsAProblem(@TempDir Path directory) {
    // Proves a missing file is an InvalidPlanException like any other, not an I/O error.
    Path missing = directory.resolve("missing.yaml");
    InvalidPlanException e =
        catchThrowableOfType(InvalidPlanException.class, () -> LOADER.load(missing, Map.of()));
    assertThat(e.getMessage()).isEqualTo(missing + ": no such file");
  }

  /** Accepts any parameters, to observe how they were converted. */
  private static final class AnythingGoes implements ActionType {
    @Override
    public String name() {
      return "anything";
    }

    @Override
    public Action configure(Map<String, Object> parameters) {
      return context -> null;
    }
  }
}
