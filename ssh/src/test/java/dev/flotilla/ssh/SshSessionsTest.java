package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.engine.action.ActionLog;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One session per target, reused, bounded, closed when idle, replaced when broken. */
class SshSessionsTest {

  @TempDir Path dir;
  private final Fixtures.EngineThreads runtime = new Fixtures.EngineThreads();
  private final KeyPair clientKey = TestSshServer.newKeyPair();
  private Path identity;
  private Path knownHosts;
  private SshSessions sessions;

  @BeforeEach
  void keys() throws Exception {
    identity = Fixtures.writePrivateKey(dir.resolve("id_ecdsa"), clientKey, null);
    knownHosts = dir.resolve("known_hosts");
  }

  @AfterEach
  void stop() throws Exception {
    if (sessions != null) {
      sessions.close();
    }
    runtime.close();
  }

  @Test
  void reusesOneSessionPerTargetAcrossExecutions() throws Exception {
    sessions = pool(SshSettings.load());
    try (TestSshServer server = trusted()) {
      SshEndpoint endpoint = keyEndpoint(server);
      ClientSession first;
      try (SshSessions.Lease lease = lease(endpoint)) {
        first = lease.session();
      }
      try (SshSessions.Lease again = lease(endpoint);
          SshSessions.Lease concurrent = lease(endpoint)) {
        assertThat(again.session()).isSameAs(first);
        assertThat(concurrent.session()).isSameAs(first);
      }
      assertThat(server.sessionsOpened()).isEqualTo(1);
      assertThat(sessions.size()).isEqualTo(1);
    }
  }

  @Test
  void authenticatesWithAPasswordFromTheEnvironment() throws Exception {
    sessions = pool(SshSettings.load());
    try (TestSshServer server = trusted()) {
      SshEndpoint endpoint =
          SshEndpoint.withPassword(
              "127.0.0.1", server.port(), TestSshServer.USER, "DEPLOY_PASSWORD", knownHosts);
      try (SshSessions.Lease lease = lease(endpoint)) {
        assertThat(lease.session().isAuthenticated()).isTrue();
      }
    }
  }

  @Test
  void aWrongPasswordFailsNamingTheEndpointButNotThePassword() throws Exception {
    sessions =
        new SshSessions(
            SshSettings.load(), Map.of("DEPLOY_PASSWORD", "wrong-password")::get, warning -> {});
    try (TestSshServer server = trusted()) {
      SshEndpoint endpoint =
          SshEndpoint.withPassword(
              "127.0.0.1", server.port(), TestSshServer.USER, "DEPLOY_PASSWORD", knownHosts);
      assertThatThrownBy(() -> lease(endpoint))
          .hasMessageContaining("cannot connect to deploy@127.0.0.1:" + server.port())
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-password"));
    }
  }

  @Test
  void aRefusedKeyFailsNamingTheEndpoint() throws Exception {
    sessions = pool(SshSettings.load());
    try (TestSshServer server = TestSshServer.start(TestSshServer.newKeyPair().getPublic())) {
      server.trustIn(knownHosts);
      assertThatThrownBy(() -> lease(keyEndpoint(server)))
          .isInstanceOf(SshException.class)
          .hasMessageContaining("cannot connect to deploy@127.0.0.1:" + server.port());
      assertThat(sessions.size()).isZero();
    }
  }

  @Test
  void aServerSlowToAuthenticateFailsAfterTheAuthTimeout() throws Exception {
    sessions = pool(SshSettings.load().withAuthTimeout(Duration.ofMillis(300)));
    CountDownLatch gate = new CountDownLatch(1);
    try (TestSshServer server =
        TestSshServer.startSlowToAuthenticate(clientKey.getPublic(), gate)) {
      server.trustIn(knownHosts);
      assertThatThrownBy(() -> lease(keyEndpoint(server)))
          .hasMessageContaining("cannot connect to deploy@127.0.0.1:" + server.port())
          .hasMessageContaining("timeout");
    } finally {
      gate.countDown();
    }
  }

  @Test
  void anUnreachableTargetFailsNamingIt() throws Exception {
    sessions = pool(SshSettings.load());
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    SshEndpoint endpoint =
        SshEndpoint.withKey("127.0.0.1", closedPort, TestSshServer.USER, identity, knownHosts);
    assertThatThrownBy(() -> lease(endpoint))
        .hasMessageContaining("cannot connect to deploy@127.0.0.1:" + closedPort);
  }

  @Test
  void reconnectsWhenTheServerDroppedTheSession() throws Exception {
    sessions = pool(SshSettings.load());
    try (TestSshServer server = trusted()) {
      SshEndpoint endpoint = keyEndpoint(server);
      ClientSession first;
      try (SshSessions.Lease lease = lease(endpoint)) {
        first = lease.session();
      }
      server.dropConnections();
      first.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), Fixtures.PATIENCE);

      try (SshSessions.Lease lease = lease(endpoint)) {
        assertThat(lease.session()).isNotSameAs(first);
        assertThat(lease.session().isAuthenticated()).isTrue();
      }
      assertThat(server.sessionsOpened()).isEqualTo(2);
    }
  }

  @Test
  void atTheBoundAnIdleSessionIsClosedToMakeRoom() throws Exception {
    sessions = pool(SshSettings.load().withMaxSessions(1));
    try (TestSshServer a = trusted();
        TestSshServer b = trusted()) {
      ClientSession first;
      try (SshSessions.Lease lease = lease(keyEndpoint(a))) {
        first = lease.session();
      }
      try (SshSessions.Lease lease = lease(keyEndpoint(b))) {
        assertThat(lease.session().isAuthenticated()).isTrue();
        assertThat(sessions.size()).isEqualTo(1);
        assertThat(sessions.isOpen(keyEndpoint(b))).isTrue();
      }
      first.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), Fixtures.PATIENCE);
      assertThat(first.isOpen()).isFalse();
    }
  }

  @Test
  void atTheBoundWithEverySessionInUseAnExecutionWaits() throws Exception {
    sessions = pool(SshSettings.load().withMaxSessions(1));
    try (TestSshServer a = trusted();
        TestSshServer b = trusted()) {
      SshSessions.Lease held = lease(keyEndpoint(a));
      CompletableFuture<SshSessions.Lease> waiting =
          sessions.acquire(keyEndpoint(b), runtime.blocking, ActionLog.NONE);

      assertThat(waiting).isNotDone();
      assertThat(b.sessionsOpened()).isZero();

      held.close();
      try (SshSessions.Lease lease = waiting.get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
        assertThat(lease.session().isAuthenticated()).isTrue();
      }
      assertThat(sessions.size()).isEqualTo(1);
    }
  }

  @Test
  void closesASessionIdleForTheIdleTimeout() throws Exception {
    sessions = pool(SshSettings.load().withIdleTimeout(Duration.ofMillis(200)));
    try (TestSshServer server = trusted()) {
      ClientSession session;
      try (SshSessions.Lease lease = lease(keyEndpoint(server))) {
        session = lease.session();
      }
      session.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), Fixtures.PATIENCE);
      assertThat(session.isOpen()).isFalse();
      assertThat(sessions.size()).isZero();
    }
  }

  @Test
  void keepsASessionInUsePastTheIdleTimeout() throws Exception {
    sessions = pool(SshSettings.load().withIdleTimeout(Duration.ofMillis(100)));
    try (TestSshServer server = trusted()) {
      try (SshSessions.Lease lease = lease(keyEndpoint(server))) {
        // A whole idle period passes while the lease is held: another target's idle session, with
        // the same timeout, is closed meanwhile.
        try (TestSshServer other = trusted()) {
          ClientSession otherSession;
          try (SshSessions.Lease brief = lease(keyEndpoint(other))) {
            otherSession = brief.session();
          }
          otherSession.waitFor(
              EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), Fixtures.PATIENCE);
        }
        assertThat(lease.session().isOpen()).isTrue();
      }
    }
  }

  private SshSessions pool(SshSettings settings) {
    return new SshSessions(
        settings, Map.of("DEPLOY_PASSWORD", TestSshServer.PASSWORD)::get, warning -> {});
  }

  private TestSshServer trusted() throws Exception {
    TestSshServer server = TestSshServer.start(clientKey.getPublic());
    server.trustIn(knownHosts);
    return server;
  }

  private SshEndpoint keyEndpoint(TestSshServer server) {
    return SshEndpoint.withKey(
        "127.0.0.1", server.port(), TestSshServer.USER, identity, knownHosts);
  }

  private SshSessions.Lease lease(SshEndpoint endpoint) throws Exception {
    try {
      return sessions
          .acquire(endpoint, runtime.blocking, ActionLog.NONE)
          .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }
}
