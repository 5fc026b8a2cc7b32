package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.RunningAction;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
  void aPlanCopiesRunsAndTimesOutOnRealOpenSsh() throws Exception {
    // Proves upload and ssh steps run on every target name over one real sshd, and that a
    // timeout stops the remote sleep, on a root login too (where OpenSSH refuses the "signal"
    // request): its pid, written by the command, names no live process once the pool is closed,
    // and no stop was reported unconfirmed.
    Path artifact = Files.writeString(work.resolve("app.txt"), "release 42\n");
    Path remote = work.resolve("remote");
    Path pids = Files.createDirectories(work.resolve("pids"));
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
              - name: Hang
                roles: [web]
                timeout: 15s
                action: { type: ssh, run: "sleep 600 & echo $! > %s/$FLOTILLA_TARGET.pid; wait" }
            """
                .formatted(
                    port,
                    sshd.resolve("id_ed25519"),
                    sshd.resolve("known_hosts"),
                    artifact,
                    remote,
                    remote,
                    pids));

    assertThat(run.result.status()).as("%s", run.lines).isEqualTo(DeploymentStatus.FAILED);
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
    assertThat(run.finished.stream().filter(f -> f.step() == 2))
        .extracting(ExecutionFinished::status)
        .containsOnly(ExecutionStatus.TIMED_OUT);
    List<Path> pidFiles;
    try (Stream<Path> files = Files.list(pids)) {
      pidFiles = files.toList();
    }
    assertThat(pidFiles).hasSize(4);
    for (Path pidFile : pidFiles) {
      awaitGone(Long.parseLong(Files.readString(pidFile).trim()), pidFile.toString());
    }
    assertThat(run.warnings).isEmpty();
  }

  @Test
  void aCancelKillsTheRemoteCommandWithoutAPty() throws Exception {
    cancelKillsTheRemoteSleep(false);
  }

  @Test
  void aCancelKillsTheRemoteCommandOnAPty() throws Exception {
    cancelKillsTheRemoteSleep(true);
  }

  /**
   * Proves a cancel kills the remote command's process group on a root login, with or without a
   * pty: the pool is closed right after the cancel, and still the remote sleep is gone, because the
   * pool waits for the stop before it closes the session the kill runs on.
   */
  private void cancelKillsTheRemoteSleep(boolean pty) throws Exception {
    Path pidFile = work.resolve("cancel-" + pty + ".pid");
    Files.deleteIfExists(pidFile);
    List<String> warnings = new CopyOnWriteArrayList<>();
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();
    SshEndpoint endpoint =
        SshEndpoint.withKey(
            "127.0.0.1",
            port,
            System.getProperty("user.name"),
            sshd.resolve("id_ed25519"),
            sshd.resolve("known_hosts"));
    try (Fixtures.EngineThreads threads = new Fixtures.EngineThreads()) {
      SshSessions sessions = new SshSessions(SshSettings.load(), System::getenv, warnings::add);
      try (sessions) {
        RunningAction running =
            new SshActionType(sessions, name -> endpoint, Set.of())
                .configure(
                    Map.of(
                        "run",
                        "sleep 600 & echo $! > " + pidFile + "; echo started; wait",
                        "pty",
                        pty))
                .start(threads.context("web-1", Map.of(), log));
        log.awaitLine("started");
        long sleep = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(alive(sleep)).as("the remote sleep before the cancel").isTrue();

        running.cancel();

        assertThat(
                running
                    .result()
                    .toCompletableFuture()
                    .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS))
            .isEqualTo(ActionResult.failure("cancelled"));
        sessions.close(); // At once: the stop must still reach the remote command.
        awaitGone(sleep, "the remote sleep (pty: " + pty + ")");
      }
    }
    assertThat(warnings).isEmpty();
    assertThat(log.lines()).noneMatch(line -> line.contains(SshExecution.PID_MARKER));
  }

  /** Waits, at most {@link Fixtures#PATIENCE}, until {@code pid} names no live process. */
  private static void awaitGone(long pid, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Fixtures.PATIENCE.toNanos();
    while (alive(pid)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(what + " (pid " + pid + ") still runs after " + Fixtures.PATIENCE);
      }
      Thread.sleep(20);
    }
  }

  /**
   * Whether {@code pid} names a process that is not a zombie: a killed orphan stays one where init
   * does not reap (as in some containers), and {@link ProcessHandle#isAlive} counts it alive.
   */
  private static boolean alive(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (IOException e) {
      return false;
    }
    return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
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
      DeploymentResult result,
      List<String> lines,
      List<ExecutionFinished> finished,
      List<String> warnings) {}

  /** Loads {@code yaml} and runs it to its end, as {@code flotilla deploy} does. */
  private Run deploy(String yaml) throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    List<ExecutionFinished> finished = new CopyOnWriteArrayList<>();
    List<String> warnings = new CopyOnWriteArrayList<>();
    try (SshSessions sessions =
        new SshSessions(SshSettings.load(), System::getenv, warnings::add)) {
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
        return new Run(result, lines, finished, warnings);
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
