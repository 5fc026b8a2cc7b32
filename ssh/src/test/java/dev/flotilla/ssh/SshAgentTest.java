package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication through a real OpenSSH {@code ssh-agent} holding keys added with {@code ssh-add}:
 * the endpoint says {@code agent: true}, the key never leaves the agent.
 */
class SshAgentTest {

  @TempDir Path dir;
  private Path socket;
  private Process agent;

  @BeforeEach
  void startAgent() throws Exception {
    OpenSsh.require(OpenSsh.SSH_AGENT, "openssh-client");
    OpenSsh.require(OpenSsh.SSH_ADD, "openssh-client");
    socket = dir.resolve("agent.sock");
    // -D: in the foreground, so the test owns the process and stops it. It prints its
    // SSH_AUTH_SOCK line once the socket listens.
    agent =
        new ProcessBuilder(OpenSsh.SSH_AGENT.toString(), "-D", "-a", socket.toString())
            .redirectErrorStream(true)
            .start();
    BufferedReader output =
        new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
    assertThat(output.readLine()).as("ssh-agent's first line").startsWith("SSH_AUTH_SOCK=");
    assertThat(socket).exists();
  }

  @AfterEach
  void stopAgent() throws Exception {
    if (agent != null) {
      agent.destroy();
      agent.waitFor(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }
  }

  @Test
  void listsTheKeysAddedWithSshAdd() throws Exception {
    // Proves the protocol client reads the agent's identities as OpenSSH wrote them.
    KeyPair ecdsa = TestSshServer.newKeyPair();
    add(ecdsa, "id_ecdsa");
    KeyPair rsa = rsaKeyPair();
    add(rsa, "id_rsa");

    List<PublicKey> keys;
    try (UnixSocketAgent client = UnixSocketAgent.connect(socket)) {
      keys = client.getIdentities().stream().map(Map.Entry::getKey).toList();
    }

    assertThat(keys).hasSize(2);
    assertThat(keys.stream().filter(k -> KeyUtils.compareKeys(k, ecdsa.getPublic()))).hasSize(1);
    assertThat(keys.stream().filter(k -> KeyUtils.compareKeys(k, rsa.getPublic()))).hasSize(1);
  }

  @Test
  void anEndpointWithAgentTrueAuthenticatesWithTheAgentsKey() throws Exception {
    // Proves a session signs through the agent: no key file is named, the server only knows the
    // agent's public key. RSA, so the SHA-2 signature flags are exercised as well.
    KeyPair rsa = rsaKeyPair();
    add(rsa, "id_rsa");
    Path knownHosts = dir.resolve("known_hosts");
    Map<String, String> env = Map.of("SSH_AUTH_SOCK", socket.toString());
    try (TestSshServer machine = TestSshServer.start(rsa.getPublic());
        SshSessions sessions = new SshSessions(SshSettings.load(), env::get, warning -> {});
        Fixtures.EngineThreads threads = new Fixtures.EngineThreads()) {
      machine.trustIn(knownHosts);
      SshEndpoint endpoint =
          SshTargets.endpoint(
              "web-01",
              Map.of(
                  "host",
                  "127.0.0.1",
                  "port",
                  Integer.toString(machine.port()),
                  "user",
                  TestSshServer.USER,
                  "agent",
                  "true",
                  "knownHosts",
                  knownHosts.toString()));
      endpoint.validate("web-01", env::get);
      Fixtures.RecordingLog log = new Fixtures.RecordingLog();
      SshActionType type = new SshActionType(sessions, target -> endpoint, Set.of());

      var result =
          type.configure(Map.of("run", "echo signed by the agent"))
              .start(threads.context("web-01", Map.of(), log))
              .result()
              .toCompletableFuture()
              .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);

      assertThat(result.succeeded()).as("%s %s", result, log.lines()).isTrue();
      assertThat(log.lines()).contains("signed by the agent");
    }
  }

  @Test
  void anEndpointWithoutAgentTrueNeverOffersTheAgentsKeys() throws Exception {
    // Proves the agent is used only where the plan says so: the same server refuses a password-less
    // endpoint that did not ask for the agent, though the agent holds the authorized key.
    KeyPair rsa = rsaKeyPair();
    add(rsa, "id_rsa");
    Path knownHosts = dir.resolve("known_hosts");
    Map<String, String> env = Map.of("SSH_AUTH_SOCK", socket.toString(), "PW", "wrong");
    try (TestSshServer machine = TestSshServer.start(rsa.getPublic());
        SshSessions sessions = new SshSessions(SshSettings.load(), env::get, warning -> {});
        Fixtures.EngineThreads threads = new Fixtures.EngineThreads()) {
      machine.trustIn(knownHosts);
      SshEndpoint endpoint =
          SshEndpoint.withPassword(
              "127.0.0.1", machine.port(), TestSshServer.USER, "PW", knownHosts);
      Fixtures.RecordingLog log = new Fixtures.RecordingLog();
      SshActionType type = new SshActionType(sessions, target -> endpoint, Set.of());

      var result =
          type.configure(Map.of("run", "echo should not run"))
              .start(threads.context("web-01", Map.of(), log))
              .result()
              .toCompletableFuture()
              .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);

      assertThat(result.succeeded()).isFalse();
      assertThat(result.message()).contains("web-01");
      assertThat(log.lines()).doesNotContain("should not run");
    }
  }

  private void add(KeyPair pair, String name) throws Exception {
    Path file = Fixtures.writePrivateKey(dir.resolve(name), pair, null);
    OpenSsh.run(
        List.of(OpenSsh.SSH_ADD.toString(), file.toString()),
        Map.of("SSH_AUTH_SOCK", socket.toString()));
  }

  private static KeyPair rsaKeyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }
}
