package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.testing.LoopbackPostgres;
import dev.flotilla.server.ServiceAuth;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flotilla node} in cluster mode, run through the CLI in this JVM on the loopback PostgreSQL
 * (skipped without PostgreSQL, failed under CI): two nodes, a plan submitted to one with the token,
 * followed to its end on the other.
 */
class ClusterNodeTest {

  private static final Duration PATIENCE = Duration.ofSeconds(120);
  private static final String PLAN =
      """
      name: cluster-plan
      targets: [{ name: db-1, roles: [db] }, { name: db-2, roles: [db] }]
      steps:
        - { name: Check, roles: [db], action: { type: simulate, duration: 200ms } }
      """;

  @TempDir Path dir;

  @Test
  void aPlanSubmittedToOneNodeWithTheTokenCompletesAndAnotherNodeAnswersForIt() throws Exception {
    LoopbackPostgres postgres = LoopbackPostgres.get();
    DurableJournal.Postgres journal = postgres.newJournal();
    String url = postgres.urlWithCredentials(journal);
    // Both nodes share this JVM: neither may end it when it leaves the cluster.
    Path config = dir.resolve("node.conf");
    Files.writeString(
        config,
        """
        flotilla.cluster.own-system.pekko.coordinated-shutdown.exit-jvm = off
        flotilla.cluster.own-system.pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
        flotilla.cluster.own-system.pekko.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = 3s
        flotilla.cluster.own-system.pekko.coordinated-shutdown.phases.cluster-exiting.timeout = 2s
        jdbc-read-journal.refresh-interval = 100ms
        """);
    int first = freePort();
    int second = freePort();
    Map<String, String> environment = Map.of(ServiceAuth.TOKEN_VARIABLE, ServeCommandTest.TOKEN);
    ServeCommandTest.Served one = node(environment, config, first, first, url);
    ServeCommandTest.Served two = null;
    try {
      assertThat(one.out().toString())
          .contains("cluster node pekko://flotilla@127.0.0.1:" + first)
          .contains("password=***")
          .doesNotContain("password=" + postgres.password());
      two = node(environment, config, second, first, url);

      String id = two.submit(PLAN);
      JsonNode timeline = awaitFinished(one.uri(), id);

      assertThat(timeline.path("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(timeline.path("executions")).hasSize(2);
      assertThat(unauthorized(one.uri(), id)).isEqualTo(401);
    } finally {
      if (two != null) {
        assertThat(two.stop()).contains("flotilla node: left the cluster");
      }
      assertThat(one.stop()).contains("flotilla node: stopped");
    }
  }

  private static ServeCommandTest.Served node(
      Map<String, String> environment, Path config, int clusterPort, int seedPort, String url)
      throws Exception {
    return ServeCommandTest.run(
        "node",
        environment,
        "--http-port",
        "0",
        "--cluster-port",
        String.valueOf(clusterPort),
        "--seed",
        "127.0.0.1:" + seedPort,
        "--journal-url",
        url,
        "--config",
        config.toString());
  }

  /** Asks the node for the deployment's timeline until it has finished. */
  private static JsonNode awaitFinished(URI node, String id) throws Exception {
    Instant deadline = Instant.now().plus(PATIENCE);
    JsonNode timeline = null;
    while (Instant.now().isBefore(deadline)) {
      HttpResponse<String> response = get(node, id, ServeCommandTest.TOKEN);
      if (response.statusCode() == 200) {
        timeline = new ObjectMapper().readTree(response.body());
        if (!timeline.path("endMs").isNull() && timeline.path("endMs").isNumber()) {
          return timeline;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "deployment " + id + " did not finish within " + PATIENCE + ": " + timeline);
  }

  private static int unauthorized(URI node, String id) throws Exception {
    return get(node, id, "wrong-token-0123456789-abcdefghijklmnopq").statusCode();
  }

  private static HttpResponse<String> get(URI node, String id, String token) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(node.resolve("deployments/" + id))
                .header("Authorization", "Bearer " + token)
                .timeout(PATIENCE)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
