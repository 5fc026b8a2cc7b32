package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way an endpoint can be unusable is found before anything runs, naming target and key. */
class SshEndpointTest {

  @TempDir Path dir;
  private Path key;
  private Path knownHosts;
  private final Function<String, String> env =
      Map.of("DEPLOY_PASSWORD", "pw", "KEY_PASSPHRASE", "open sesame")::get;

  @BeforeEach
  void keys() throws Exception {
    key = Fixtures.writePrivateKey(dir.resolve("id_ecdsa"), TestSshServer.newKeyPair(), null);
    knownHosts = Files.writeString(dir.resolve("known_hosts"), "");
  }

  @Test
  void acceptsAReadablePrivateKeyOfItsOwnerOnly() {
    SshEndpoint endpoint = SshEndpoint.withKey("127.0.0.1", 22, "deploy", key, knownHosts);
    assertThatCode(() -> endpoint.validate("web-01", env)).doesNotThrowAnyException();
  }

  @Test
  void acceptsAnEncryptedKeyWithItsPassphraseFromTheEnvironment() throws Exception {
    Path encrypted =
        Fixtures.writePrivateKey(dir.resolve("id_enc"), TestSshServer.newKeyPair(), "open sesame");
    SshEndpoint endpoint =
        new SshEndpoint(
            "h", 22, "deploy", encrypted, "KEY_PASSPHRASE", null, false, knownHosts, null);
    assertThatCode(() -> endpoint.validate("web-01", env)).doesNotThrowAnyException();
  }

  @Test
  void refusesAnEncryptedKeyWithAWrongPassphrase() throws Exception {
    Path encrypted =
        Fixtures.writePrivateKey(dir.resolve("id_enc"), TestSshServer.newKeyPair(), "another");
    SshEndpoint endpoint =
        new SshEndpoint(
            "h", 22, "deploy", encrypted, "KEY_PASSPHRASE", null, false, knownHosts, null);
    assertInvalid(endpoint, "identityFile", "cannot read the private key");
  }

  @Test
  void refusesAMissingKeyFile() {
    SshEndpoint endpoint = SshEndpoint.withKey("h", 22, "deploy", dir.resolve("nope"), knownHosts);
    assertInvalid(endpoint, "identityFile", "no such file");
  }

  @Test
  void refusesAKeyOthersCanRead() throws Exception {
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    SshEndpoint endpoint = SshEndpoint.withKey("h", 22, "deploy", key, knownHosts);
    assertInvalid(endpoint, "identityFile", "too open");
  }

  @Test
  void refusesAKeyItsGroupCanRead() throws Exception {
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
    SshEndpoint endpoint = SshEndpoint.withKey("h", 22, "deploy", key, knownHosts);
    assertInvalid(endpoint, "identityFile", "chmod 600");
  }

  @Test
  void refusesAFileThatHoldsNoKey() throws Exception {
    Path notAKey = Files.writeString(dir.resolve("notes"), "hello\n");
    Files.setPosixFilePermissions(notAKey, PosixFilePermissions.fromString("rw-------"));
    assertInvalid(
        SshEndpoint.withKey("h", 22, "deploy", notAKey, knownHosts), "identityFile", "cannot read");
  }

  @Test
  void refusesAnUnsetPasswordVariable() {
    SshEndpoint endpoint = SshEndpoint.withPassword("h", 22, "deploy", "NOT_SET", knownHosts);
    assertInvalid(endpoint, "passwordEnv", "NOT_SET is not set");
  }

  @Test
  void refusesAnUnsetPassphraseVariable() {
    SshEndpoint endpoint =
        new SshEndpoint("h", 22, "deploy", key, "NOT_SET", null, false, knownHosts, null);
    assertInvalid(endpoint, "passphraseEnv", "NOT_SET is not set");
  }

  @Test
  void refusesAnEndpointWithoutCredentials() {
    SshEndpoint endpoint =
        new SshEndpoint("h", 22, "deploy", null, null, null, false, knownHosts, null);
    assertInvalid(endpoint, "identityFile", "no credentials");
  }

  @Test
  void refusesTheAgentWithoutAnAgentSocket() {
    // Proves agent: true needs SSH_AUTH_SOCK set and naming a socket that exists.
    SshEndpoint endpoint =
        new SshEndpoint("h", 22, "deploy", null, null, null, true, knownHosts, null);
    assertInvalid(endpoint, "agent", "SSH_AUTH_SOCK");
    assertThatThrownBy(
            () ->
                endpoint.validate(
                    "web-01", Map.of("SSH_AUTH_SOCK", dir.resolve("gone").toString())::get))
        .hasMessageContaining("ssh.agent: no SSH agent at SSH_AUTH_SOCK=");
  }

  @Test
  void refusesAStrictEndpointWithoutKnownHostsFile() {
    SshEndpoint endpoint = SshEndpoint.withKey("h", 22, "deploy", key, dir.resolve("absent"));
    assertInvalid(endpoint, "knownHosts", "ssh-keyscan");
  }

  @Test
  void letsAcceptNewStartWithoutKnownHostsFile() {
    SshEndpoint endpoint =
        SshEndpoint.withKey("h", 22, "deploy", key, dir.resolve("absent"))
            .withHostKeyPolicy(HostKeyPolicy.ACCEPT_NEW);
    assertThatCode(() -> endpoint.validate("web-01", env)).doesNotThrowAnyException();
  }

  @Test
  void defaultsToStrictCheckingOfTheUsersKnownHosts() {
    SshEndpoint endpoint = new SshEndpoint("h", 22, "deploy", key, null, null, false, null, null);
    assertThat(endpoint.hostKeyPolicy()).isEqualTo(HostKeyPolicy.STRICT);
    assertThat(endpoint.knownHosts())
        .isEqualTo(Path.of(System.getProperty("user.home"), ".ssh", "known_hosts"));
  }

  @Test
  void refusesAPortOutOfRange() {
    assertThatThrownBy(() -> SshEndpoint.withKey("h", 0, "deploy", key, knownHosts))
        .hasMessageContaining("port");
  }

  private void assertInvalid(SshEndpoint endpoint, String key, String problem) {
    assertThatThrownBy(() -> endpoint.validate("web-01", env))
        .isInstanceOf(InvalidEndpointException.class)
        .hasMessageStartingWith("target web-01: ssh." + key + ": ")
        .hasMessageContaining(problem)
        .satisfies(e -> assertThat(((InvalidEndpointException) e).key()).isEqualTo(key));
  }
}
