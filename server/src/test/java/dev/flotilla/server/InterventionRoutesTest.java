package dev.flotilla.server;

import static dev.flotilla.server.ServiceClient.assertError;
import static dev.flotilla.server.ServiceClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The intervention routes: listing a deployment's interventions with what each allows, and
 * answering one (200), with 400 for a decision it does not allow, 404 for no such intervention and
 * 409 once answered or over.
 */
class InterventionRoutesTest {

  /** web-2 fails under guided failure, then a manual approval waits. */
  private static final String GUIDED =
      """
      name: %s
      guidedFailure: true
      targets: [{ name: "web-{1..2}", roles: [web] }]
      steps:
        - { name: Deploy, roles: [web], action: { type: simulate, duration: 1ms, failOn: [web-2] } }
        - { name: Approve, action: { type: manual, instructions: "Check staging", responsible: ops } }
      """;

  private static DeploymentService service;
  private static ServiceClient client;

  @BeforeAll
  static void start() throws Exception {
    service =
        DeploymentService.start(
            DeploymentService.Options.inMemory(0, 1.0, ServiceClient.AUTH), ConfigFactory.load());
    client = new ServiceClient(service.uri());
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  /** Waits for intervention {@code number} on the event stream; returns its listing, pending. */
  private static JsonNode awaitPending(String id, int number) throws Exception {
    client.awaitEvent(id, "InterventionRaised", raised -> raised.path("number").asInt() == number);
    for (JsonNode item :
        json(client.get("/deployments/" + id + "/interventions")).path("interventions")) {
      if (item.path("number").asInt() == number) {
        assertThat(item.path("pending").asBoolean()).as(item.toString()).isTrue();
        return item;
      }
    }
    throw new AssertionError("intervention " + number + " of " + id + " is not listed");
  }

  private static HttpResponse<String> answer(String id, int number, String body) {
    return client.post("/deployments/" + id + "/interventions/" + number, body);
  }

  @Test
  void interventionsAreListedAndAnsweredOverHttp() throws Exception {
    // Proves the listing's fields, each refusal's status, and that the answers drive the
    // deployment to its end.
    String id = client.submit(GUIDED.formatted("guided-http"));

    JsonNode failure = awaitPending(id, 1);
    assertThat(failure.path("kind").asText()).isEqualTo("guidedFailure");
    assertThat(failure.path("number").asInt()).isEqualTo(1);
    assertThat(failure.path("step").asText()).isEqualTo("Deploy");
    assertThat(failure.path("target").asText()).isEqualTo("web-2");
    assertThat(failure.path("attempt").asInt()).isEqualTo(1);
    assertThat(failure.path("reason").asText()).contains("web-2");
    List<String> allowed = new ArrayList<>();
    failure.path("allowed").forEach(node -> allowed.add(node.asText()));
    assertThat(allowed).containsExactly("retry", "ignore", "exclude", "fail");

    assertThat(
            assertError(answer(id, 1, "{\"decision\": \"proceed\"}"), 400).path("error").asText())
        .contains("allowed: retry, ignore, exclude, fail");
    assertThat(assertError(answer(id, 1, "{\"decision\": \"maybe\"}"), 400).path("error").asText())
        .contains("expected one of: retry, ignore, exclude, fail, proceed, abort");
    assertError(answer(id, 1, "{}"), 400);
    assertError(answer(id, 7, "{\"decision\": \"retry\"}"), 404);
    assertError(client.post("/deployments/" + id + "/interventions/first", "{}"), 400);

    HttpResponse<String> ignored =
        answer(id, 1, "{\"decision\": \"ignore\", \"note\": \"known flaky\", \"by\": \"alice\"}");
    assertThat(ignored.statusCode()).as(ignored.body()).isEqualTo(200);
    assertThat(json(ignored).path("decision").asText()).isEqualTo("ignore");
    JsonNode again = assertError(answer(id, 1, "{\"decision\": \"fail\"}"), 409);
    assertThat(again.path("error").asText()).contains("ignore by alice");

    JsonNode approval = awaitPending(id, 2);
    assertThat(approval.path("kind").asText()).isEqualTo("manual");
    assertThat(approval.path("number").asInt()).isEqualTo(2);
    assertThat(approval.path("target").isNull()).isTrue();
    assertThat(approval.path("responsible").asText()).isEqualTo("ops");
    HttpResponse<String> proceed = answer(id, 2, "{\"decision\": \"PROCEED\"}");
    assertThat(proceed.statusCode()).as(proceed.body()).isEqualTo(200);

    client.eventsToTheEnd(id);
    assertThat(json(client.get("/deployments/" + id)).path("status").asText())
        .isEqualTo("SUCCEEDED");
    JsonNode listed = json(client.get("/deployments/" + id + "/interventions"));
    assertThat(listed.path("interventions")).hasSize(2);
    assertThat(listed.path("interventions").get(0).path("answeredBy").asText()).isEqualTo("alice");
    assertThat(listed.path("interventions").get(1).path("answeredBy").asText()).isEqualTo("http");
    assertThat(assertError(answer(id, 2, "{\"decision\": \"abort\"}"), 409).path("error").asText())
        .contains("finished");
  }

  @Test
  void anUnknownDeploymentHasNoInterventions() {
    // Proves both routes answer 404 for a deployment the service does not know.
    assertError(client.get("/deployments/nope-1/interventions"), 404);
    assertError(answer("nope-1", 1, "{\"decision\": \"retry\"}"), 404);
  }
}
