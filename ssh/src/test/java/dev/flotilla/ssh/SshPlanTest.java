package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.plan.InvalidPlanException;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.engine.plan.PlanProblem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plans that carry their targets' {@code ssh:} blocks: checked when loaded (every problem a plan
 * error naming the target and the key), then run through the engine on the endpoints they give,
 * with no resolver from the host.
 */
class SshPlanTest {

  @TempDir Path dir;
  private Path key;
  private Path knownHosts;
  private SshSessions sessions;
  private PlanLoader loader;

  @BeforeEach
  void setUp() throws Exception {
    key = Fixtures.writePrivateKey(dir.resolve("id_ecdsa"), TestSshServer.newKeyPair(), null);
    knownHosts = Files.writeString(dir.resolve("known_hosts"), "");
    sessions =
        new SshSessions(SshSettings.load(), Map.of("DEPLOY_PASSWORD", "pw")::get, warning -> {});
    loader =
        new PlanLoader(
            ActionTypes.builtIn()
                .with(new SshActionType(sessions, Set.of()))
                .with(new UploadActionType(sessions)));
  }

  @AfterEach
  void close() {
    sessions.close();
  }

  @Test
  void aPlanWithReadableEndpointsLoads() throws Exception {
    // Proves a complete ssh block passes every check.
    DeploymentPlan plan = loader.parse(plan("identityFile: " + key), "p.yaml", Map.of());

    assertThat(plan.targets()).hasSize(3);
  }

  @Test
  void aMissingKeyFileIsAPlanProblemOnItsTarget() {
    // Proves the problem names the file, the target and the key, on the line of the key.
    assertThat(problems(plan("identityFile: " + dir.resolve("absent"))))
        .containsExactly(
            "p.yaml:7: targets.ssh.identityFile: target web-01: no such file: "
                + dir.resolve("absent"));
  }

  @Test
  void aPrivateKeyOthersCanReadIsAPlanProblem() throws Exception {
    // Proves OpenSSH's rule: a key readable by group or others is refused.
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

    assertThat(problems(plan("identityFile: " + key)))
        .singleElement()
        .asString()
        .startsWith("p.yaml:7: targets.ssh.identityFile: target web-01: permissions rw-r--r--")
        .contains("chmod 600");
  }

  @Test
  void anUnsetEnvironmentVariableIsAPlanProblem() {
    // Proves a passphrase or password variable that is not set is refused, naming it.
    assertThat(problems(plan("identityFile: " + key, "passphraseEnv: NO_SUCH_VARIABLE")))
        .containsExactly(
            "p.yaml:8: targets.ssh.passphraseEnv: target web-01: environment variable"
                + " NO_SUCH_VARIABLE is not set");
  }

  @Test
  void aMissingKnownHostsFileIsAPlanProblem() {
    // Proves strict checking needs the file: no host could ever be trusted without it.
    assertThat(
            problems(
                plan("identityFile: " + key, "knownHosts: " + dir.resolve("absent-known-hosts"))))
        .singleElement()
        .asString()
        .startsWith("p.yaml:8: targets.ssh.knownHosts: target web-01: cannot read ")
        .contains("ssh-keyscan");
  }

  @Test
  void aBadPortOrNoCredentialIsAPlanProblem() {
    // Proves a port out of range and an endpoint with nothing to authenticate with are refused.
    assertThat(problems(plan("port: 70000", "passwordEnv: DEPLOY_PASSWORD")))
        .containsExactly(
            "p.yaml:7: targets.ssh.port: target web-01: \"70000\" is not a TCP port (a whole"
                + " number from 1 to 65535)");
    assertThat(problems(plan("user: deploy")))
        .containsExactly(
            "p.yaml:7: targets.ssh.identityFile: target web-01: no credentials: give identityFile"
                + " (a private key), passwordEnv or agent: true");
  }

  @Test
  void anSshStepOnATargetWithoutEndpointIsAPlanProblem() {
    // Proves a target with no ssh block cannot run an ssh or upload step, nor a runOnServer one.
    String yaml =
        """
        name: p
        targets: [{ name: db-01, roles: [db] }]
        steps:
          - { name: Migrate, roles: [db], action: { type: ssh, run: "true" } }
          - { name: Notify, runOnServer: true, action: { type: upload, from: %s, to: /tmp/x } }
        """
            .formatted(key);

    assertThat(problems(yaml))
        .containsExactly(
            "p.yaml:4: step \"Migrate\": action: target db-01 has no SSH endpoint for this ssh"
                + " step: give it ssh: { host: ..., identityFile: ... } (or a plan-wide ssh:"
                + " block)",
            "p.yaml:5: step \"Notify\": action: an upload step runs on its targets' machines over"
                + " SSH; it cannot be runOnServer: give it roles");
  }

  @Test
  void aPlanRunsOnTheEndpointsItsTargetsCarry() throws Exception {
    // Proves the actions find each target's endpoint in the execution's own target data: three
    // target names on one machine, through one pooled session, no resolver given by the host.
    KeyPair clientKey = TestSshServer.newKeyPair();
    Path identity = Fixtures.writePrivateKey(dir.resolve("id_client"), clientKey, null);
    Path artifact = Files.writeString(dir.resolve("app.txt"), "release 42\n");
    Path remote = dir.resolve("remote");
    List<String> lines = new CopyOnWriteArrayList<>();
    try (TestSshServer machine = TestSshServer.start(clientKey.getPublic())) {
      machine.trustIn(knownHosts);
      EngineSettings settings =
          EngineSettings.fromConfig(ConfigFactory.load())
              .withActionType(new SshActionType(sessions, Set.of()))
              .withActionType(new UploadActionType(sessions));
      DeploymentResult result;
      try (Flotilla engine = Flotilla.start(settings)) {
        DeploymentPlan plan =
            engine
                .planLoader()
                .parse(
                    """
                    name: from-plan
                    ssh: { host: 127.0.0.1, port: %d, user: %s, identityFile: %s, knownHosts: %s }
                    targets: [{ name: "web-{1..3}", roles: [web] }]
                    steps:
                      - { name: Copy, roles: [web], action: { type: upload, from: %s, to: "%s/" } }
                      - { name: Show, roles: [web], action: { type: ssh, run: "cat %s/app.txt" } }
                    """
                        .formatted(
                            machine.port(),
                            TestSshServer.USER,
                            identity,
                            knownHosts,
                            artifact,
                            remote,
                            remote),
                    "from-plan.yaml",
                    Map.of());
        result =
            engine
                .submit(
                    plan,
                    new DeploymentListener() {
                      @Override
                      public void onLogLine(ExecutionLogLine line) {
                        lines.add(line.target() + ": " + line.text());
                      }
                    })
                .result()
                .toCompletableFuture()
                .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
      }

      assertThat(result.status()).as("%s", lines).isEqualTo(DeploymentStatus.SUCCEEDED);
      assertThat(lines).contains("web-1: release 42", "web-2: release 42", "web-3: release 42");
      assertThat(machine.sessionsOpened()).isEqualTo(1);
    }
  }

  /** Three targets sharing the plan's ssh block; web-01's own keys from line 7 on, one a line. */
  private String plan(String... keys) {
    return """
        name: p
        ssh: { host: 127.0.0.1, user: deploy, knownHosts: %s }
        targets:
          - name: web-01
            roles: [web]
            ssh:
        %s
          - { name: "web-{02..03}", roles: [web], ssh: { passwordEnv: DEPLOY_PASSWORD } }
        steps:
          - { name: Restart, roles: [web], action: { type: ssh, run: "systemctl restart app" } }
        """
        .formatted(knownHosts, "      " + String.join("\n      ", keys));
  }

  private List<String> problems(String yaml) {
    InvalidPlanException e =
        catchThrowableOfType(InvalidPlanException.class, () -> loader.parse(yaml, "p.yaml", null));
    assertThat(e).as("the plan should have been refused").isNotNull();
    return e.problems().stream().map(PlanProblem::toString).toList();
  }
}
