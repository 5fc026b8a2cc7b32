package dev.flotilla.engine.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A target's {@code ssh:} block: read as plain text over the plan's defaults, and checked by the
 * action types that connect, with their problems reported on the target.
 */
class TargetConnectionTest {

  private static final String PLAN =
      """
      name: ssh
      ssh: { user: deploy, port: 2222, identityFile: ~/.ssh/id_ed25519 }
      targets:
        - { name: "web-{01..02}", roles: [web], ssh: { host: "web-{01..40}.internal" } }
        - { name: db-01, roles: [db], ssh: { host: 10.0.0.9, port: 22, agent: true } }
        - { name: cache-01, roles: [cache] }
      steps:
        - { name: Restart, roles: [web, db], action: { type: remote } }
        - { name: Flush, roles: [cache], action: { type: simulate, duration: 1ms } }
      """;

  @Test
  void targetOwnKeysWinOverThePlanDefaultsAndTextIsKeptAsWritten() throws Exception {
    // Proves the plan-wide ssh block is merged under each target's own, values kept as text.
    DeploymentPlan plan = new PlanLoader(types(new Remote(List.of()))).parse(PLAN, "p.yaml", null);

    assertThat(plan.targets())
        .extracting(Target::name, Target::ssh)
        .containsExactly(
            tuple(
                "web-01",
                Map.of(
                    "host", "web-{01..40}.internal",
                    "user", "deploy",
                    "port", "2222",
                    "identityFile", "~/.ssh/id_ed25519")),
            tuple(
                "web-02",
                Map.of(
                    "host", "web-{01..40}.internal",
                    "user", "deploy",
                    "port", "2222",
                    "identityFile", "~/.ssh/id_ed25519")),
            tuple(
                "db-01",
                Map.of(
                    "host", "10.0.0.9",
                    "user", "deploy",
                    "port", "22",
                    "agent", "true",
                    "identityFile", "~/.ssh/id_ed25519")),
            tuple(
                "cache-01",
                Map.of("user", "deploy", "port", "2222", "identityFile", "~/.ssh/id_ed25519")));
  }

  @Test
  void anActionTypeChecksEveryTargetOfItsStepsOnce() throws Exception {
    // Proves checkTarget sees each target a step of its type runs on, and no other.
    List<String> seen = new ArrayList<>();
    new PlanLoader(types(new Remote(seen))).parse(PLAN, "p.yaml", null);

    assertThat(seen).containsExactly("web-01", "web-02", "db-01");
  }

  @Test
  void aTargetProblemNamesTheTargetKeyAndTheLineItWasWrittenOn() {
    // Proves a problem the type finds with a target's connection points at the key's line:
    // the target's own line for its keys, the plan's ssh block for a default.
    Remote remote = new Remote(List.of());
    remote.refuse = Map.of("db-01", "ssh.port", "web-01", "ssh.identityFile");
    InvalidPlanException e =
        catchThrowableOfType(
            InvalidPlanException.class,
            () -> new PlanLoader(types(remote)).parse(PLAN, "p.yaml", null));

    assertThat(e.problems())
        .extracting(PlanProblem::toString)
        .containsExactly(
            "p.yaml:2: targets.ssh.identityFile: target web-01: refused",
            "p.yaml:5: targets.ssh.port: target db-01: refused");
  }

  @Test
  void aProblemWithoutAKeyIsReportedOnTheStep() {
    // Proves a null key (a target with no connection at all) is the step's problem.
    Remote remote = new Remote(List.of());
    remote.refuse = Map.of("web-02", "");
    InvalidPlanException e =
        catchThrowableOfType(
            InvalidPlanException.class,
            () -> new PlanLoader(types(remote)).parse(PLAN, "p.yaml", null));

    assertThat(e.problems())
        .extracting(PlanProblem::toString)
        .containsExactly("p.yaml:8: step \"Restart\": action: target web-02: refused");
  }

  @Test
  void anSshBlockHoldsSingleValuesOnly() {
    // Proves a nested value in an ssh block is a plan problem naming the key.
    PlanProblem problem =
        PlanFixtures.onlyProblemOf(
            """
            name: bad
            targets: [{ name: a, roles: [r], ssh: { host: [x, y] } }]
            steps: [{ name: S, roles: [r], action: { type: simulate } }]
            """);

    assertThat(problem.toString())
        .isEqualTo("plan.yaml:2: targets.ssh.host: must be a single value, not a list");
  }

  @Test
  void aPlanWithoutSshBlocksHasTargetsWithoutConnections() throws Exception {
    // Proves the field is optional: targets as before carry an empty connection.
    DeploymentPlan plan =
        PlanFixtures.LOADER.parse(
            """
            name: plain
            targets: [{ name: a, roles: [r] }]
            steps: [{ name: S, roles: [r], action: { type: simulate } }]
            """,
            null,
            Map.of());

    assertThat(plan.targets().get(0).ssh()).isEmpty();
  }

  private static ActionTypes types(ActionType type) {
    return ActionTypes.builtIn().with(type);
  }

  /** Records the targets it is asked about, refusing some with a given key. */
  private static final class Remote implements ActionType {
    private final List<String> seen;
    Map<String, String> refuse = Map.of();

    Remote(List<String> seen) {
      this.seen = seen;
    }

    @Override
    public String name() {
      return "remote";
    }

    @Override
    public Action configure(Map<String, Object> parameters) {
      return context -> null;
    }

    @Override
    public void checkTarget(Target target) throws InvalidActionException {
      if (seen instanceof ArrayList<String> list) {
        list.add(target.name());
      }
      String key = refuse.get(target.name());
      if (key != null) {
        throw new InvalidActionException(
            key.isEmpty() ? null : key, "target " + target.name() + ": refused");
      }
    }
  }
}
