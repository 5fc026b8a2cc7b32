package dev.flotilla.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.cluster.node.ClusterNodeMode;
import dev.flotilla.server.DeploymentService;
import dev.flotilla.server.ServiceAuth;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP service on three nodes of one cluster: any node answers for any deployment, whichever
 * node it was submitted to and whichever runs it (timeline, live events, cancel, interventions,
 * which node runs it), from the moment the submit answered. Needs PostgreSQL 15.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterServiceTest {

  private static final String TOKEN = "cluster-test-token-0123456789-abcdefghijkl";
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(PATIENCE).build();
  private final List<DeploymentService> services = new ArrayList<>();
  private ClusterNodes cluster;

  @BeforeAll
  void start() throws IOException {
    cluster = ClusterNodes.start(3, Map.of(), settings -> settings);
    for (FlotillaCluster node : cluster.nodes) {
      services.add(
          DeploymentService.startOn(
              node.engine(),
              new DeploymentService.Options("127.0.0.1", 0, null, 1.0, ServiceAuth.token(TOKEN)),
              cluster.config,
              ClusterNodeMode.view(node)));
    }
  }

  @AfterAll
  void stop() {
    for (int i = services.size() - 1; i >= 0; i--) {
      services.get(i).stop();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aDeploymentSubmittedOnOneNodeIsFollowedLiveAndCancelledOnAnother() throws Exception {
    HttpResponse<String> submitted =
        post(
            0,
            "/deployments",
            "name: long\nproject: long\ntargets: [{ name: slow-1, roles: [web] }]\n"
                + "steps:\n  - { name: wait, roles: [web], action: { type: simulate, duration:"
                + " 10m } }\n");
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
    String id = json(submitted).path("id").asText();

    // Submit answered once the acceptance is journaled: every other node knows it at once.
    HttpResponse<String> onB = get(1, "/deployments/" + id);
    assertThat(onB.statusCode()).as(onB.body()).isEqualTo(200);
    assertThat(json(get(2, "/deployments/" + id)).path("deploymentId").asText()).isEqualTo(id);

    CompletableFuture<List<JsonNode>> events = events(1, id);
    JsonNode running =
        awaitJson(2, "/deployments/" + id, body -> body.path("status").asText().equals("RUNNING"));
    List<String> addresses = List.of(cluster.address(0), cluster.address(1), cluster.address(2));
    assertThat(running.path("node").asText()).isIn(addresses);
    JsonNode listed = entry(json(get(2, "/deployments")), id);
    assertThat(listed.path("node").asText()).isIn(addresses);

    HttpResponse<String> cancelled = post(1, "/deployments/" + id + "/cancel", "{}");
    assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(202);

    List<JsonNode> heard = events.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    assertThat(heard.get(0).path("type").asText()).isEqualTo("DeploymentAccepted");
    // Followed from where the node had read the journal: no event twice, none missing.
    assertThat(heard)
        .filteredOn(event -> event.path("type").asText().equals("DeploymentAccepted"))
        .hasSize(1);
    assertThat(heard)
        .filteredOn(event -> event.path("type").asText().equals("DeploymentFinished"))
        .hasSize(1);
    JsonNode last = heard.get(heard.size() - 1);
    assertThat(last.path("type").asText()).isEqualTo("DeploymentFinished");
    assertThat(last.path("status").asText()).isEqualTo("CANCELLED");

    // Each node hears the journal on its own (every jdbc-read-journal.refresh-interval).
    JsonNode finished =
        awaitJson(
            0, "/deployments/" + id, body -> body.path("status").asText().equals("CANCELLED"));
    assertThat(finished.path("node").isNull()).isTrue();
    JsonNode listedFinished =
        entry(
            awaitJson(
                2,
                "/deployments",
                list -> entry(list, id).path("status").asText().equals("CANCELLED")),
            id);
    assertThat(listedFinished.has("node")).isTrue();
    assertThat(listedFinished.path("node").isNull()).isTrue();
    assertThat(post(2, "/deployments/" + id + "/cancel", "{}").statusCode()).isEqualTo(409);
  }

  @Test
  void anInterventionIsAnsweredOnANodeThatDidNotSubmitIt() throws Exception {
    HttpResponse<String> submitted =
        post(
            2,
            "/deployments",
            "name: approved\nproject: approved\ntargets: [{ name: approved-1, roles: [web] }]\n"
                + "steps:\n"
                + "  - { name: Approve, action: { type: manual, instructions: check } }\n"
                + "  - { name: go, roles: [web], action: { type: simulate, duration: 1ms } }\n");
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
    String id = json(submitted).path("id").asText();

    awaitJson(
        0,
        "/deployments/" + id + "/interventions",
        body -> body.path("interventions").path(0).path("pending").asBoolean());
    HttpResponse<String> answered =
        post(0, "/deployments/" + id + "/interventions/1", "{\"decision\": \"proceed\"}");
    assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);

    JsonNode done =
        awaitJson(
            1, "/deployments/" + id, body -> body.path("status").asText().equals("SUCCEEDED"));
    assertThat(done.path("interventions").path(0).path("decision").asText()).isEqualTo("proceed");
    HttpResponse<String> again =
        post(1, "/deployments/" + id + "/interventions/1", "{\"decision\": \"abort\"}");
    assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
  }

  private static JsonNode entry(JsonNode list, String id) {
    for (JsonNode entry : list.path("deployments")) {
      if (entry.path("id").asText().equals(id)) {
        return entry;
      }
    }
    throw new AssertionError(id + " is not listed: " + list);
  }

  /** Asks a route of a node again until its JSON matches (at most {@link #PATIENCE}). */
  private JsonNode awaitJson(int node, String path, Predicate<JsonNode> matches) {
    return cluster.awaitAssert(
        PATIENCE,
        () -> {
          HttpResponse<String> response = get(node, path);
          assertThat(response.statusCode()).as("%s on node %d", path, node).isEqualTo(200);
          JsonNode body = json(response);
          assertThat(matches.test(body)).as("%s on node %d: %s", path, node, body).isTrue();
          return body;
        });
  }

  private HttpRequest.Builder request(int node, String path) {
    return HttpRequest.newBuilder(services.get(node).uri().resolve(path))
        .timeout(PATIENCE)
        .header("Authorization", "Bearer " + TOKEN);
  }

  private HttpResponse<String> get(int node, String path) {
    return send(request(node, path).GET().build());
  }

  private HttpResponse<String> post(int node, String path, String body) {
    return send(request(node, path).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("request failed: " + request, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Opens the event stream of a node; completes with its events' data once the node ends it. */
  private CompletableFuture<List<JsonNode>> events(int node, String id) throws Exception {
    HttpResponse<Stream<String>> response =
        http.sendAsync(
                request(node, "/deployments/" + id + "/events").GET().build(),
                HttpResponse.BodyHandlers.ofLines())
            .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    return CompletableFuture.supplyAsync(
        () -> {
          List<JsonNode> data = new ArrayList<>();
          for (Iterator<String> lines = response.body().iterator(); lines.hasNext(); ) {
            String line = lines.next();
            if (line.startsWith("data: ")) {
              data.add(parse(line.substring("data: ".length())));
            }
          }
          return data;
        },
        reader -> new Thread(reader, "event-stream-reader").start());
  }

  private static JsonNode json(HttpResponse<String> response) {
    return parse(response.body());
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }
}
