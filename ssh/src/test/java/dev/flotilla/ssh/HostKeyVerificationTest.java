package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.engine.action.ActionLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No connection is made to a machine whose key has not been trusted, and a refusal says why. */
class HostKeyVerificationTest {

  @TempDir Path dir;
  private final Fixtures.EngineThreads runtime = new Fixtures.EngineThreads();
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private SshSessions sessions;
  private TestSshServer server;
  private Path knownHosts;

  @BeforeEach
  void start() throws Exception {
    sessions =
        new SshSessions(
            SshSettings.load(), Map.of("PW", TestSshServer.PASSWORD)::get, warnings::add);
    server = TestSshServer.start(null);
    knownHosts = dir.resolve("known_hosts");
  }

  @AfterEach
  void stop() throws Exception {
    sessions.close();
    server.close();
    runtime.close();
  }

  @Test
  void connectsToAHostWhoseKeyIsKnown() throws Exception {
    server.trustIn(knownHosts);
    connect(endpoint(server, HostKeyPolicy.STRICT)).close();
    assertThat(warnings).isEmpty();
  }

  @Test
  void refusesAnUnknownHostNamingItsKeyAndHowToTrustIt() throws Exception {
    Files.writeString(knownHosts, "");
    String key = describe(server.hostKey());
    assertThatThrownBy(() -> connect(endpoint(server, HostKeyPolicy.STRICT)))
        .hasMessageContaining("[127.0.0.1]:" + server.port())
        .hasMessageContaining("is unknown")
        .hasMessageContaining(key)
        .hasMessageContaining("ssh-keyscan -p " + server.port() + " 127.0.0.1 >> " + knownHosts);
    assertThat(Files.readString(knownHosts)).isEmpty();
  }

  @Test
  void refusesAChangedKeyEvenWithAcceptNew() throws Exception {
    KeyPair impostor = TestSshServer.newKeyPair();
    Files.writeString(
        knownHosts,
        "[127.0.0.1]:"
            + server.port()
            + " "
            + PublicKeyEntry.toString(impostor.getPublic())
            + "\n");
    for (HostKeyPolicy policy : HostKeyPolicy.values()) {
      assertThatThrownBy(() -> connect(endpoint(server, policy)))
          .hasMessageContaining("HOST KEY CHANGED for [127.0.0.1]:" + server.port())
          .hasMessageContaining(describe(server.hostKey()))
          .hasMessageContaining(describe(impostor))
          .hasMessageContaining(
              "ssh-keygen -R '[127.0.0.1]:" + server.port() + "' -f " + knownHosts);
    }
  }

  @Test
  void acceptNewRecordsTheKeyAndWarnsOnce() throws Exception {
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();
    connect(endpoint(server, HostKeyPolicy.ACCEPT_NEW), log).close();

    assertThat(warnings)
        .singleElement()
        .asString()
        .contains("trusted the unknown host [127.0.0.1]:" + server.port())
        .contains(describe(server.hostKey()));
    assertThat(log.lines()).containsExactlyElementsOf(warnings);
    // Now known: a strict connection from a new pool succeeds, and nothing more is appended.
    String recorded = Files.readString(knownHosts);
    try (SshSessions strict =
        new SshSessions(
            SshSettings.load(), Map.of("PW", TestSshServer.PASSWORD)::get, warnings::add)) {
      strict
          .acquire(endpoint(server, HostKeyPolicy.STRICT), runtime.blocking, ActionLog.NONE)
          .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS)
          .close();
    }
    assertThat(Files.readString(knownHosts)).isEqualTo(recorded);
    assertThat(warnings).hasSize(1);
  }

  @Test
  void matchesHashedEntriesAsOpenSshWritesThem() throws Exception {
    byte[] salt = new byte[20];
    new java.security.SecureRandom().nextBytes(salt);
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(salt, "HmacSHA1"));
    byte[] hash = mac.doFinal(("[127.0.0.1]:" + server.port()).getBytes(StandardCharsets.UTF_8));
    Base64.Encoder base64 = Base64.getEncoder();
    Files.writeString(
        knownHosts,
        "|1|"
            + base64.encodeToString(salt)
            + "|"
            + base64.encodeToString(hash)
            + " "
            + PublicKeyEntry.toString(server.hostKey().getPublic())
            + "\n");

    connect(endpoint(server, HostKeyPolicy.STRICT)).close();
  }

  @Test
  void checksEachTargetAgainstItsOwnKey() throws Exception {
    try (TestSshServer other = TestSshServer.start(null)) {
      server.trustIn(knownHosts);
      connect(endpoint(server, HostKeyPolicy.STRICT)).close();
      assertThatThrownBy(() -> connect(endpoint(other, HostKeyPolicy.STRICT)))
          .hasMessageContaining("[127.0.0.1]:" + other.port() + " is unknown");
    }
  }

  private SshEndpoint endpoint(TestSshServer target, HostKeyPolicy policy) {
    return SshEndpoint.withPassword(
            "127.0.0.1", target.port(), TestSshServer.USER, "PW", knownHosts)
        .withHostKeyPolicy(policy);
  }

  private SshSessions.Lease connect(SshEndpoint endpoint) throws Exception {
    return connect(endpoint, ActionLog.NONE);
  }

  private SshSessions.Lease connect(SshEndpoint endpoint, ActionLog log) throws Exception {
    try {
      return sessions
          .acquire(endpoint, runtime.blocking, log)
          .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private static String describe(KeyPair pair) {
    return KeyUtils.getKeyType(pair.getPublic()) + " " + KeyUtils.getFingerPrint(pair.getPublic());
  }
}
