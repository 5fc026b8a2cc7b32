package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.DeploymentResult.StepSummary;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole deployment through the engine, with the ssh action registered by the host: four target
 * names on two machines, a step that succeeds everywhere, and a step whose timeout must stop the
 * remote command. Plans carry no {@code ssh:} blocks yet, so the host maps target names to
 * endpoints.
 */
class SshDeploymentTest {

  @TempDir Path dir;

  @Test
  void aDeploymentRunsOnEveryMachineAndItsTimeoutKillsTheRemoteCommands() throws Exception {
    KeyPair clientKey = TestSshServer.newKeyPair();
    Path identity = Fixtures.writePrivateKey(dir.resolve("id_ecdsa"), clientKey, null);
    Path knownHosts = dir.resolve("known_hosts");
    Path pids = Files.createDirectory(dir.resolve("pids"));
    List<DeploymentListener.ExecutionLogLine> lines = new CopyOnWriteArrayList<>();

    try (TestSshServer odd = TestSshServer.start(clientKey.getPublic());
        TestSshServer even = TestSshServer.start(clientKey.getPublic());
        SshSessions sessions = new SshSessions(SshSettings.load(), name -> null, warning -> {})) {
      odd.trustIn(knownHosts);
      even.trustIn(knownHosts);
      SshActionType ssh =
          new SshActionType(
              sessions,
              target -> {
                int number = Integer.parseInt(target.substring(target.lastIndexOf('-') + 1));
                TestSshServer machine = number % 2 == 1 ? odd : even;
                return SshEndpoint.withKey(
                    "127.0.0.1", machine.port(), TestSshServer.USER, identity, knownHosts);
              },
              Set.of());
      EngineSettings settings = EngineSettings.fromConfig(ConfigFactory.load()).withActionType(ssh);

      DeploymentResult result;
      try (Flotilla engine = Flotilla.start(settings)) {
        DeploymentPlan plan =
            engine
                .planLoader()
                .parse(
                    """
            name: ssh-rollout
            targets: [{ name: "web-{01..04}", roles: [web] }]
            steps:
              - { name: Install, roles: [web], action: { type: ssh, run: "echo installed on $FLOTILLA_TARGET" } }
              - name: Hang
                roles: [web]
                timeout: 2s
                action: { type: ssh, run: "sleep 600 & echo $! > %s/$FLOTILLA_TARGET.pid; wait" }
            """
                        .formatted(pids),
                    "ssh-rollout.yaml",
                    Map.of());
        result =
            engine
                .submit(
                    plan,
                    new DeploymentListener() {
                      @Override
                      public void onLogLine(ExecutionLogLine line) {
                        lines.add(line);
                      }
                    })
                .result()
                .toCompletableFuture()
                .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
      }

      assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
      StepSummary install = result.steps().get(0);
      assertThat(install.status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(install.succeeded()).isEqualTo(4);
      assertThat(lines)
          .extracting(DeploymentListener.ExecutionLogLine::text)
          .contains(
              "installed on web-01",
              "installed on web-02",
              "installed on web-03",
              "installed on web-04");
      StepSummary hang = result.steps().get(1);
      assertThat(hang.status()).isEqualTo(StepStatus.FAILED);
      // One session per machine, reused by both steps and by the two target names on each.
      assertThat(odd.sessionsOpened()).isEqualTo(1);
      assertThat(even.sessionsOpened()).isEqualTo(1);

      List<Path> pidFiles;
      try (Stream<Path> files = Files.list(pids)) {
        pidFiles = files.toList();
      }
      assertThat(pidFiles).isNotEmpty();
      for (Path pidFile : pidFiles) {
        // A sleep already reaped has no handle: it is gone too.
        Optional<ProcessHandle> sleep =
            ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()));
        if (sleep.isPresent()) {
          sleep.get().onExit().get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
          assertThat(sleep.get().isAlive()).isFalse();
        }
      }
    }
  }
}
