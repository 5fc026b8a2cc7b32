package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end against Debian's OpenSSH server on loopback ({@code ssh/loopback-sshd}): a plan whose
 * targets carry their {@code ssh:} blocks, loaded and run as the CLI does (PlanLoader, the ssh and
 * upload actions on one session pool per engine). Four target names map to the one server.
 */
class LoopbackOpenSshTest {

  private static final Path SCRIPT = script();

  @TempDir static Path work;
  private static Path sshd;
  private static int port;

  @BeforeAll
  static void startSshd() throws Exception {
    OpenSsh.require(OpenSsh.SSHD, "openssh-server");
    OpenSsh.require(Path.of("/usr/bin/ssh-keygen"), "openssh-client");
    sshd = work.resolve("sshd");
    String started = OpenSsh.run(List.of(SCRIPT.toString(), "start", sshd.toString()), Map.of());
    port =
        Integer.parseInt(
            started
                .lines()
                .filter(line -> line.startsWith("port="))
                .findFirst()
                .orElseThrow(() -> new AssertionError("loopback-sshd said no port: " + started))
                .substring("port=".length()));
  }

  @AfterAll
  static void stopSshd() throws Exception {
    if (sshd != null) {
      OpenSsh.run(List.of(SCRIPT.toString(), "stop", sshd.toString()), Map.of());
    }
  }

  @Test
  void aPlanCopiesAndRunsOnEveryTargetOverRealOpenSsh() throws Exception {
    // Proves upload and ssh steps run on every target name over one real sshd. That a timeout
    // stops the remote command on a root login is not proved here: it failed 3 of 4 runs under
    // load (issue 13, open; the embedded-server tests prove it where the signal request works).
    Path artifact = Files.writeString(work.resolve("app.txt"), "release 42\n");
    Path remote = work.resolve("remote");
    Run run =
        deploy(
            """
            name: loopback
            ssh: { host: 127.0.0.1, port: %d, identityFile: %s, knownHosts: %s }
            targets: [{ name: "web-{1..4}", roles: [web] }]
            steps:
              - { name: Copy, roles: [web], action: { type: upload, from: %s, to: "%s/" } }
              - name: Activate
                roles: [web]
                action: { type: ssh, run: "cat %s/app.txt; echo active on $FLOTILLA_TARGET" }
            """
                .formatted(
                    port,
                    sshd.resolve("id_ed25519"),
                    sshd.resolve("known_hosts"),
                    artifact,
                    remote,
                    remote));

    assertThat(run.result.status()).as("%s", run.lines).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(run.result.steps().get(0).status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(run.result.steps().get(1).status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(Files.readString(remote.resolve("app.txt"))).isEqualTo("release 42\n");
    assertThat(run.lines)
        .contains(
            "web-1: active on web-1",
            "web-2: active on web-2",
            "web-3: active on web-3",
            "web-4: active on web-4",
            "web-4: release 42");
  }

  @Test
  void aHostKeyMismatchFailsNamingHostKeyTypeAndFingerprint() throws Exception {
    // Proves a known_hosts entry that does not match the server refuses the connection, and the
    // message gives the host, the key type and the SHA256 fingerprint the server presented.
    Path impostor = work.resolve("impostor_ed25519");
    OpenSsh.run(
        List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", impostor.toString()),
        Map.of());
    String[] impostorKey = Files.readString(Path.of(impostor + ".pub")).split(" ");
    Path wrongKnownHosts =
        Files.writeString(
            work.resolve("wrong_known_hosts"),
            "[127.0.0.1]:" + port + " " + impostorKey[0] + " " + impostorKey[1] + "\n");
    // The server holds an Ed25519 and an ECDSA host key; the message names the one it presented.
    List<String> presentable =
        List.of(
            "ssh-ed25519 " + fingerprint(sshd.resolve("ssh_host_ed25519_key.pub")),
            "ecdsa-sha2-nistp256 " + fingerprint(sshd.resolve("ssh_host_ecdsa_key.pub")));

    Run run =
        deploy(
            """
            name: impostor
            ssh: { host: 127.0.0.1, port: %d, identityFile: %s, knownHosts: %s }
            targets: [{ name: web-1, roles: [web] }]
            steps: [{ name: Activate, roles: [web], action: { type: ssh, run: "true" } }]
            """
                .formatted(port, sshd.resolve("id_ed25519"), wrongKnownHosts));

    assertThat(run.result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(run.finished).hasSize(1);
    String message = run.finished.get(0).message();
    assertThat(message)
        .contains("target web-1")
        .contains("HOST KEY CHANGED for [127.0.0.1]:" + port)
        .contains("ssh-keygen -R");
    assertThat(presentable).as("the presented key in: %s", message).anyMatch(message::contains);
  }

  /** The SHA256 fingerprint {@code ssh-keygen -l} gives for a public key file. */
  private static String fingerprint(Path publicKey) throws Exception {
    return OpenSsh.run(List.of("ssh-keygen", "-l", "-f", publicKey.toString()), Map.of())
        .split(" ")[1];
  }

  private record Run(
      DeploymentResult result, List<String> lines, List<ExecutionFinished> finished) {}

  /** Loads {@code yaml} and runs it to its end, as {@code flotilla deploy} does. */
  private Run deploy(String yaml) throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    List<ExecutionFinished> finished = new CopyOnWriteArrayList<>();
    try (SshSessions sessions = new SshSessions(SshSettings.load())) {
      EngineSettings settings =
          EngineSettings.fromConfig(ConfigFactory.load())
              .withActionType(new SshActionType(sessions, Set.of()))
              .withActionType(new UploadActionType(sessions));
      try (Flotilla engine = Flotilla.start(settings)) {
        DeploymentPlan plan = engine.planLoader().parse(yaml, "loopback.yaml", Map.of());
        DeploymentResult result =
            engine
                .submit(
                    plan,
                    new DeploymentListener() {
                      @Override
                      public void onEvent(DeploymentEvent event) {
                        List<DeploymentEvent> events =
                            event instanceof DeploymentEvent.Batch batch
                                ? batch.events()
                                : List.of(event);
                        events.stream()
                            .filter(ExecutionFinished.class::isInstance)
                            .map(ExecutionFinished.class::cast)
                            .forEach(finished::add);
                      }

                      @Override
                      public void onLogLine(ExecutionLogLine line) {
                        lines.add(line.target() + ": " + line.text());
                      }
                    })
                .result()
                .toCompletableFuture()
                .get(Fixtures.PATIENCE.toSeconds() * 2, TimeUnit.SECONDS);
        return new Run(result, lines, finished);
      }
    }
  }

  /** Maven runs the tests in the module's directory; an IDE may run them from the repository's. */
  private static Path script() {
    Path inModule = Path.of("loopback-sshd");
    return (Files.isRegularFile(inModule) ? inModule : Path.of("ssh", "loopback-sshd"))
        .toAbsolutePath();
  }
}
