package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.action.RunningAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The ssh action runs a command on the target's machine and ends as the command ends. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshActionTypeTest {

  private static final String SECRET = "hunter2-token";

  @TempDir static Path dir;
  private final Fixtures.EngineThreads runtime = new Fixtures.EngineThreads();
  private TestSshServer web01;
  private TestSshServer web02;
  private SshSessions sessions;
  private SshActionType type;

  private KeyPair clientKey;
  private Path knownHosts;

  @BeforeAll
  void start() throws Exception {
    clientKey = TestSshServer.newKeyPair();
    Path identity = Fixtures.writePrivateKey(dir.resolve("id_ecdsa"), clientKey, null);
    knownHosts = dir.resolve("known_hosts");
    web01 = TestSshServer.start(clientKey.getPublic());
    web02 = TestSshServer.start(clientKey.getPublic());
    web01.trustIn(knownHosts);
    web02.trustIn(knownHosts);
    Map<String, SshEndpoint> endpoints =
        Map.of(
            "web-01",
                SshEndpoint.withKey(
                    "127.0.0.1", web01.port(), TestSshServer.USER, identity, knownHosts),
            "web-02",
                SshEndpoint.withKey(
                    "127.0.0.1", web02.port(), TestSshServer.USER, identity, knownHosts));
    sessions = new SshSessions(SshSettings.load(), name -> null, warning -> {});
    type = new SshActionType(sessions, endpoints::get, Set.of(SECRET));
  }

  @AfterAll
  void stop() throws Exception {
    sessions.close();
    web01.close();
    web02.close();
    runtime.close();
  }

  @Test
  void exitStatusZeroIsSuccessAndEveryLineIsLogged() throws Exception {
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();
    ActionResult result =
        run("echo one; echo two >&2; printf 'no newline'", "web-01", Map.of(), log);
    assertThat(result.succeeded()).isTrue();
    assertThat(log.lines()).containsExactlyInAnyOrder("one", "two", "no newline");
  }

  @Test
  void aNonZeroExitIsAFailureNamingTheCodeAndTheTarget() throws Exception {
    ActionResult result = run("exit 3", "web-02", Map.of(), new Fixtures.RecordingLog());
    assertThat(result.succeeded()).isFalse();
    assertThat(result.message())
        .isEqualTo("exit code 3 on target web-02 (deploy@127.0.0.1:" + web02.port() + ")");
  }

  @Test
  void passesVariablesAndFlotillaValuesLiterallyWithoutInjection() throws Exception {
    Path marker = dir.resolve("pwned");
    Map<String, String> variables = new LinkedHashMap<>();
    variables.put(
        "VERSION", "1.2 'rc' $(touch " + marker + ") `touch " + marker + "`; touch " + marker);
    variables.put("FLOTILLA_TARGET", "spoofed");
    variables.put("not-a-name", "x");
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();
    ActionResult result =
        run(
            "printf '%s\\n' \"$VERSION\" \"$FLOTILLA_TARGET\" \"$FLOTILLA_STEP\" \"$FLOTILLA_ATTEMPT\""
                + " \"$FLOTILLA_DEPLOYMENT\"",
            "web-01", variables, log);

    assertThat(result.succeeded()).isTrue();
    assertThat(log.lines())
        .containsExactly(
            "variable \"not-a-name\" is not passed to the command: not a shell variable name",
            variables.get("VERSION"),
            "web-01",
            "install",
            "1",
            "deployment-1");
    assertThat(marker).doesNotExist();
  }

  @Test
  void masksSensitiveValuesInTheLog() throws Exception {
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();
    run("echo \"token=$TOKEN\"; echo \"$TOKEN\" >&2", "web-01", Map.of("TOKEN", SECRET), log);
    assertThat(log.lines()).containsExactlyInAnyOrder("token=********", "********");
  }

  @Test
  void masksTheValuesOfTheEndpointsPasswordAndPassphraseVariables() throws Exception {
    // Proves a command that prints the password or the key's passphrase its endpoint names by
    // environment variable shows the mask, though neither was given as a sensitive value.
    String passphrase = "open-sesame-42";
    Path encrypted = Fixtures.writePrivateKey(dir.resolve("id_encrypted"), clientKey, passphrase);
    Map<String, String> env =
        Map.of("DEPLOY_PASSWORD", TestSshServer.PASSWORD, "KEY_PASSPHRASE", passphrase);
    SshEndpoint endpoint =
        new SshEndpoint(
            "127.0.0.1",
            web01.port(),
            TestSshServer.USER,
            encrypted,
            "KEY_PASSPHRASE",
            "DEPLOY_PASSWORD",
            false,
            knownHosts,
            HostKeyPolicy.STRICT);
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();
    try (SshSessions withCredentials = new SshSessions(SshSettings.load(), env::get, w -> {})) {
      RunningAction running =
          new SshActionType(withCredentials, name -> endpoint, Set.of())
              .configure(Map.of("run", "echo \"password=$PW\"; echo \"passphrase=$PP\" >&2"))
              .start(
                  runtime.context(
                      "web-01", Map.of("PW", TestSshServer.PASSWORD, "PP", passphrase), log));
      assertThat(
              running
                  .result()
                  .toCompletableFuture()
                  .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS))
          .isEqualTo(ActionResult.success());
    }
    assertThat(log.lines()).containsExactlyInAnyOrder("password=********", "passphrase=********");
  }

  @Test
  void streamsLinesWhileTheCommandRunsAndACancelKillsTheRemoteProcess() throws Exception {
    Path pidFile = dir.resolve("sleep.pid");
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();
    RunningAction running =
        configure("sleep 600 & echo $! > " + pidFile + "; echo started; wait")
            .start(runtime.context("web-01", Map.of(), log));

    log.awaitLine("started");
    assertThat(running.result().toCompletableFuture()).isNotDone();
    ProcessHandle sleep =
        ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).orElseThrow();
    assertThat(sleep.isAlive()).isTrue();

    running.cancel();

    assertThat(
            running
                .result()
                .toCompletableFuture()
                .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS))
        .isEqualTo(ActionResult.failure("cancelled"));
    // The remote sleep ends because the cancel sent it a signal: the test server, like OpenSSH
    // without a pty, leaves a command running when only its channel is closed.
    sleep.onExit().get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    assertThat(sleep.isAlive()).isFalse();
  }

  @Test
  void aLostConnectionIsAFailureWithTheReason() throws Exception {
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();
    RunningAction running =
        configure("echo started; sleep 600").start(runtime.context("web-02", Map.of(), log));
    log.awaitLine("started");

    web02.dropConnections();

    ActionResult result =
        running.result().toCompletableFuture().get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    assertThat(result.succeeded()).isFalse();
    assertThat(result.message())
        .startsWith("connection to target web-02 (deploy@127.0.0.1:" + web02.port() + ") lost: ");
    // The next execution reconnects.
    assertThat(run("true", "web-02", Map.of(), log).succeeded()).isTrue();
  }

  @Test
  void runsOnAPseudoTerminalWhenAsked() throws Exception {
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();
    RunningAction running =
        type.configure(Map.of("run", "echo on a pty", "pty", true))
            .start(runtime.context("web-01", Map.of(), log));
    assertThat(
            running
                .result()
                .toCompletableFuture()
                .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS))
        .isEqualTo(ActionResult.success());
    assertThat(log.lines()).containsExactly("on a pty");
  }

  @Test
  void aTargetWithoutEndpointFailsNamingIt() throws Exception {
    ActionResult result = run("true", "db-01", Map.of(), new Fixtures.RecordingLog());
    assertThat(result).isEqualTo(ActionResult.failure("target db-01 has no SSH endpoint"));
  }

  @Test
  void configureNamesTheParameterAtFault() {
    assertThatThrownBy(() -> type.configure(Map.of()))
        .isInstanceOf(InvalidActionException.class)
        .hasMessageContaining("needs \"run\"")
        .extracting(e -> ((InvalidActionException) e).key())
        .isEqualTo("run");
    assertThatThrownBy(() -> type.configure(Map.of("run", " "))).hasMessageContaining("non-empty");
    assertThatThrownBy(() -> type.configure(Map.of("run", "true", "sudo", true)))
        .extracting(e -> ((InvalidActionException) e).key())
        .isEqualTo("sudo");
    assertThatThrownBy(() -> type.configure(Map.of("run", "true", "pty", "yes")))
        .extracting(e -> ((InvalidActionException) e).key())
        .isEqualTo("pty");
    assertThat(type.name()).isEqualTo("ssh");
  }

  private Action configure(String command) throws InvalidActionException {
    return type.configure(Map.of("run", command));
  }

  private ActionResult run(
      String command, String target, Map<String, String> variables, Fixtures.RecordingLog log)
      throws Exception {
    RunningAction running = configure(command).start(runtime.context(target, variables, log));
    return running
        .result()
        .toCompletableFuture()
        .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
  }
}
