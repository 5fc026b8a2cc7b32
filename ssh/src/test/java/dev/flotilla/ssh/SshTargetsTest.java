package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A target's {@code ssh:} block read into an endpoint, with OpenSSH's defaults. */
class SshTargetsTest {

  @Test
  void aHostRangeExpandsWithTheTargetsNumberAndDefaultsFillTheRest() throws Exception {
    // Proves port 22, the engine's own user, ~/.ssh/known_hosts and strict keys are the defaults.
    SshEndpoint endpoint =
        SshTargets.endpoint(
            "web-07", Map.of("host", "web-{01..40}.internal", "identityFile", "~/.ssh/id"));

    assertThat(endpoint.host()).isEqualTo("web-07.internal");
    assertThat(endpoint.port()).isEqualTo(22);
    assertThat(endpoint.user()).isEqualTo(System.getProperty("user.name"));
    assertThat(endpoint.identityFile())
        .isEqualTo(Path.of(System.getProperty("user.home"), ".ssh", "id"));
    assertThat(endpoint.knownHosts()).isEqualTo(SshEndpoint.defaultKnownHosts());
    assertThat(endpoint.hostKeyPolicy()).isEqualTo(HostKeyPolicy.STRICT);
    assertThat(endpoint.useAgent()).isFalse();
  }

  @Test
  void readsEveryKeyAsWritten() throws Exception {
    // Proves each plan key lands in its endpoint field.
    SshEndpoint endpoint =
        SshTargets.endpoint(
            "db-01",
            Map.of(
                "host", "10.0.0.9",
                "port", "2222",
                "user", "deploy",
                "passwordEnv", "DEPLOY_PASSWORD",
                "agent", "true",
                "knownHosts", "etc/known_hosts",
                "hostKeys", "acceptNew"));

    assertThat(endpoint.address()).isEqualTo("deploy@10.0.0.9:2222");
    assertThat(endpoint.passwordEnv()).isEqualTo("DEPLOY_PASSWORD");
    assertThat(endpoint.useAgent()).isTrue();
    assertThat(endpoint.knownHosts()).isEqualTo(Path.of("etc/known_hosts"));
    assertThat(endpoint.hostKeyPolicy()).isEqualTo(HostKeyPolicy.ACCEPT_NEW);
  }

  @Test
  void refusesWhatCannotBeAnEndpointNamingTargetAndKey() {
    // Proves each unreadable value is refused with the key at fault.
    assertInvalid(Map.of("user", "deploy"), "host", "no host");
    assertInvalid(Map.of("host", "h", "port", "0"), "port", "not a TCP port");
    assertInvalid(Map.of("host", "h", "port", "ssh"), "port", "not a TCP port");
    assertInvalid(Map.of("host", "h", "agent", "maybe"), "agent", "true or false");
    assertInvalid(Map.of("host", "h", "hostKeys", "acceptAll"), "hostKeys", "no policy");
    assertInvalid(Map.of("host", "h", "identity", "x"), "identity", "unknown key");
    assertInvalid(Map.of("host", "web-{50..60}"), "host", "outside the range");
  }

  private static void assertInvalid(Map<String, String> ssh, String key, String problem) {
    assertThatThrownBy(() -> SshTargets.endpoint("web-07", ssh))
        .isInstanceOf(InvalidEndpointException.class)
        .hasMessageStartingWith("target web-07: ssh." + key + ": ")
        .hasMessageContaining(problem);
  }
}
