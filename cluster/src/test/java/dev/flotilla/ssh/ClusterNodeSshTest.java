package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.cluster.node.ClusterNodeMode;
import dev.flotilla.persistence.testing.LoopbackPostgres;
import dev.flotilla.server.DeploymentService;
import dev.flotilla.server.Node;
import dev.flotilla.server.NodeOptions;
import dev.flotilla.server.ServiceAuth;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster node ({@code flotilla node --journal-url ...}) runs every action type the single
 * service runs: given the CLI's {@code ssh} and {@code upload} actions on its pool of SSH sessions,
 * it uploads a file to a machine and runs a command there (the test SSH server). Needs PostgreSQL.
 */
class ClusterNodeSshTest {

  private static final String TOKEN = "cluster-ssh-test-token-0123456789-abcdefgh";
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void aClusterNodeRunsSshAndUploadActions() throws Exception {
    KeyPair clientKey = TestSshServer.newKeyPair();
    Path identity = Fixtures.writePrivateKey(dir.resolve("id_ecdsa"), clientKey, null);
    Path knownHosts = dir.resolve("known_hosts");
    Path artifact = Files.writeString(dir.resolve("app.txt"), "release 42\n");
    Path remote = Files.createDirectory(dir.resolve("remote"));
    int clusterPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      clusterPort = socket.getLocalPort();
    }
    Config config =
        ConfigFactory.parseMap(
                Map.of(
                    "flotilla.cluster.own-system.pekko.coordinated-shutdown.exit-jvm",
                    "off",
                    "flotilla.cluster.own-system.pekko.coordinated-shutdown"
                        + ".run-by-jvm-shutdown-hook",
                    "off",
                    "flotilla.cluster.own-system.pekko.coordinated-shutdown.phases"
                        + ".cluster-sharding-shutdown-region.timeout",
                    "3s",
                    "flotilla.cluster.own-system.pekko.coordinated-shutdown.phases"
                        + ".cluster-exiting.timeout",
                    "2s",
                    "jdbc-read-journal.refresh-interval",
                    "100ms"))
            .withFallback(ConfigFactory.load());
    LoopbackPostgres postgres = LoopbackPostgres.get();
    String url = postgres.urlWithCredentials(postgres.newJournal());

    try (TestSshServer machine = TestSshServer.start(clientKey.getPublic());
        SshSessions sessions = new SshSessions(SshSettings.load(), name -> null, warning -> {})) {
      machine.trustIn(knownHosts);
      Node node =
          new ClusterNodeMode()
              .start(
                  new NodeOptions(
                      new DeploymentService.Options(
                          "127.0.0.1", 0, null, 1.0, ServiceAuth.token(TOKEN)),
                      clusterPort,
                      List.of(),
                      url),
                  config,
                  types ->
                      types
                          .with(new SshActionType(sessions, Set.of()))
                          .with(new UploadActionType(sessions)));
      try {
        String plan =
            """
            name: ssh-on-a-cluster
            ssh: { host: 127.0.0.1, port: %d, user: %s, identityFile: %s, knownHosts: %s }
            targets: [{ name: "web-{1..2}", roles: [web] }]
            steps:
              - { name: Copy, roles: [web], action: { type: upload, from: %s, to: "%s/" } }
              - { name: Show, roles: [web], action: { type: ssh, run: "cat %s/app.txt > %s/$FLOTILLA_TARGET.seen" } }
            """
                .formatted(
                    machine.port(),
                    TestSshServer.USER,
                    identity,
                    knownHosts,
                    artifact,
                    remote,
                    remote,
                    remote);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> submitted =
            http.send(
                request(node, "deployments")
                    .POST(HttpRequest.BodyPublishers.ofString(plan))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
        ObjectMapper json = new ObjectMapper();
        String id = json.readTree(submitted.body()).path("id").asText();

        long deadline = System.nanoTime() + PATIENCE.toNanos();
        JsonNode timeline;
        do {
          Thread.sleep(100);
          timeline =
              json.readTree(
                  http.send(
                          request(node, "deployments/" + id).GET().build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body());
        } while (!timeline.path("status").asText().matches("SUCCEEDED|FAILED|CANCELLED")
            && System.nanoTime() < deadline);
        assertThat(timeline.path("status").asText()).as(timeline.toString()).isEqualTo("SUCCEEDED");
      } finally {
        node.stop();
      }
    }
    for (String target : List.of("web-1", "web-2")) {
      assertThat(remote.resolve(target + ".seen")).hasContent("release 42");
    }
  }

  private static HttpRequest.Builder request(Node node, String path) {
    return HttpRequest.newBuilder(node.uri().resolve(path))
        .timeout(PATIENCE)
        .header("Authorization", "Bearer " + TOKEN);
  }
}
