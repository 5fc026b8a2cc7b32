package dev.flotilla.server;

import static dev.flotilla.server.ServiceClient.assertError;
import static dev.flotilla.server.ServiceClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.server.ServiceClient.Event;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The service end to end over loopback, in memory: one service for the class, each test with its
 * own plan name (a name is a concurrency tag, so tests never queue behind each other).
 */
class DeploymentServiceTest {

  /** Two targets, a simulated step, and a script on the engine whose output becomes log events. */
  private static final String SMALL =
      """
      name: %s
      targets:
        - { name: "web-{1..2}", roles: [web] }
      steps:
        - { name: Deploy web, roles: [web], action: { type: simulate, duration: 20ms } }
        - { name: Announce, runOnServer: true, action: { type: script, run: "echo released $FLOTILLA_DEPLOYMENT" } }
      """;

  /** Runs for an hour unless cancelled. */
  private static final String LONG =
      """
      name: %s
      targets: [{ name: db-1, roles: [db] }]
      steps:
        - { name: Migrate, roles: [db], action: { type: simulate, duration: 1h } }
        - { name: Verify, roles: [db], action: { type: simulate, duration: 1ms } }
      """;

  /** Small enough that a test can pass it without sending megabytes. */
  private static final int MAX_PLAN_BYTES = 4096;

  private static DeploymentService service;
  private static ServiceClient client;

  @BeforeAll
  static void start() throws Exception {
    service =
        DeploymentService.start(
            DeploymentService.Options.inMemory(0, 1.0, ServiceClient.AUTH),
            ConfigFactory.parseString("flotilla.service.max-plan-bytes = " + MAX_PLAN_BYTES)
                .withFallback(ConfigFactory.load()));
    client = new ServiceClient(service.uri());
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void submittedPlanStreamsItsEventsInOrderUntilItFinishes() throws Exception {
    // Proves 201 with links, then the whole event stream in order, output lines included, ending at
    // DeploymentFinished.
    HttpResponse<String> created = client.post("/deployments", SMALL.formatted("streamed"));

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode body = json(created);
    String id = body.path("id").asText();
    assertThat(created.headers().firstValue("Location")).hasValue("/deployments/" + id);
    assertThat(body.path("links").path("events").asText())
        .isEqualTo("/deployments/" + id + "/events");
    assertThat(body.path("links").path("waterfall").asText())
        .isEqualTo("/deployments/" + id + "/waterfall");

    List<Event> events = client.eventsToTheEnd(id);

    assertThat(events).extracting(Event::id).containsExactlyElementsOf(sequence(events.size()));
    assertThat(events.get(0).event()).isEqualTo("DeploymentAccepted");
    assertThat(events.get(0).data().path("name").asText()).isEqualTo("streamed");
    Event last = events.get(events.size() - 1);
    assertThat(last.event()).isEqualTo("DeploymentFinished");
    assertThat(last.data().path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(events)
        .extracting(Event::event)
        .contains(
            "DeploymentStarted",
            "StepStarted",
            "ExecutionStarted",
            "ExecutionFinished",
            "StepFinished",
            "log");
    assertThat(events)
        .filteredOn(event -> event.event().equals("log"))
        .extracting(event -> event.data().path("text").asText())
        .containsExactly("released " + id);
    assertEachExecutionStartsBeforeItFinishes(events);
    assertThat(events)
        .filteredOn(event -> event.event().equals("ExecutionStarted"))
        .extracting(event -> event.data().path("stepName").asText())
        .containsExactly("Deploy web", "Deploy web", "Announce");
  }

  @Test
  void finishedDeploymentShowsItsTimelineAndIsListed() throws Exception {
    // Proves the timeline and the list report a finished deployment as the engine recorded it.
    String id = client.submit(SMALL.formatted("listed"));
    client.eventsToTheEnd(id);

    JsonNode timeline = json(client.get("/deployments/" + id));
    assertThat(timeline.path("deploymentId").asText()).isEqualTo(id);
    assertThat(timeline.path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(timeline.path("executions")).hasSize(3);
    assertThat(json(client.get("/deployments/" + id + "/timeline.json"))).isEqualTo(timeline);

    JsonNode listed = entry(json(client.get("/deployments")), id);
    assertThat(listed.path("name").asText()).isEqualTo("listed");
    assertThat(listed.path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(listed.path("startedAt").asText()).isEqualTo(timeline.path("startedAt").asText());
    assertThat(listed.path("makespanMs").asDouble()).isEqualTo(timeline.path("endMs").asDouble());
  }

  @Test
  void streamOpenedAfterTheEndReplaysEverythingAndAReconnectAtTheEndGetsNoContent()
      throws Exception {
    // Proves a late watcher sees the same stream, and a client resuming past the end is told not to
    // reconnect.
    String id = client.submit(SMALL.formatted("replayed"));
    List<Event> live = client.eventsToTheEnd(id);

    List<Event> replayed = client.eventsToTheEnd(id);
    HttpResponse<String> reconnect =
        client.send(
            client
                .request("/deployments/" + id + "/events")
                .header("Last-Event-ID", String.valueOf(live.size()))
                .GET()
                .build());

    assertThat(replayed).isEqualTo(live);
    assertThat(reconnect.statusCode()).isEqualTo(204);
  }

  @Test
  void cancelEndsARunningDeploymentCancelledAndASecondCancelConflicts() throws Exception {
    // Proves 202 on cancel, a CANCELLED end with the reason recorded, then 409 once it has
    // finished.
    String id = client.submit(LONG.formatted("cancelled"));
    CompletableFuture<List<Event>> stream = client.events(id);

    HttpResponse<String> cancel =
        client.post("/deployments/" + id + "/cancel", "{\"reason\": \"wrong build\"}");
    assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
    List<Event> events = stream.get(ServiceClient.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(events)
        .filteredOn(event -> event.event().equals("CancelRequested"))
        .extracting(event -> event.data().path("reason").asText())
        .containsExactly("wrong build");
    assertThat(events.get(events.size() - 1).data().path("status").asText()).isEqualTo("CANCELLED");
    assertThat(json(client.get("/deployments/" + id)).path("status").asText())
        .isEqualTo("CANCELLED");
    JsonNode again = assertError(client.post("/deployments/" + id + "/cancel", ""), 409);
    assertThat(again.path("error").asText()).contains("CANCELLED");
  }

  @Test
  void invalidPlanIsRejectedWithEveryProblemAndStartsNothing() {
    // Proves 400 with one string per plan problem, each located, and no deployment added.
    int before = json(client.get("/deployments")).path("deployments").size();
    String plan =
        """
        name: broken
        targets: [{ name: web-1, roles: [web] }]
        steps:
          - { name: Deploy, roles: [web], timeout: 1x, action: { type: simulate, duration: 1s } }
          - { name: Deploy, roles: [app], action: { type: teleport } }
        """;

    JsonNode body = assertError(client.post("/deployments", plan), 400);

    assertThat(body.path("error").asText()).contains("nothing was started");
    List<String> problems = new ArrayList<>();
    body.path("problems").forEach(problem -> problems.add(problem.asText()));
    assertThat(problems)
        .hasSizeGreaterThanOrEqualTo(3)
        .allSatisfy(problem -> assertThat(problem).startsWith("plan.yaml:"));
    assertThat(String.join("\n", problems)).contains("timeout", "teleport", "app");
    assertThat(json(client.get("/deployments")).path("deployments")).hasSize(before);
  }

  @Test
  void overridesInTheQueryApplyAsTheCliSetDoes() throws Exception {
    // Proves ?set=key=value reaches the plan: maxParallelism is replaced, any other key sets a
    // variable.
    HttpResponse<String> created =
        client.post(
            "/deployments?set=maxParallelism=3&set=Color%3Dblue", SMALL.formatted("overridden"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = json(created).path("id").asText();
    client.eventsToTheEnd(id);

    assertThat(json(client.get("/deployments/" + id)).path("maxParallelism").asInt()).isEqualTo(3);
  }

  @Test
  void waterfallIsAnHtmlPageOfTheDeployment() throws Exception {
    // Proves the waterfall endpoint serves the page for the deployment, by name.
    String id = client.submit(SMALL.formatted("waterfall-shown"));
    client.eventsToTheEnd(id);

    HttpResponse<String> page = client.get("/deployments/" + id + "/waterfall");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
    assertThat(page.body()).contains("waterfall-shown");
  }

  @Test
  void unknownDeploymentIsNotFoundOnEveryRoute() {
    // Proves 404 with a JSON error for an id the service does not know, whatever the route.
    String unknown = "/deployments/20000101T000000-000000";
    for (String path : List.of("", "/events", "/waterfall", "/timeline.json")) {
      assertError(client.get(unknown + path), 404);
    }
    assertError(client.post(unknown + "/cancel", ""), 404);
  }

  @Test
  void unknownRouteIsNotFoundAndWrongMethodIsNotAllowed() {
    // Proves 404 for a path the service does not serve and 405 with Allow for a method a route does
    // not take.
    assertError(client.get("/nothing-here"), 404);
    assertError(client.get("/deployments/x/y/z"), 404);
    assertError(client.get("/deployments/20000101T000000-000000/unknown"), 404);

    HttpResponse<String> delete = client.send("DELETE", "/deployments");
    assertError(delete, 405);
    assertThat(delete.headers().firstValue("Allow")).hasValue("GET, POST");
    HttpResponse<String> getCancel = client.get("/deployments/20000101T000000-000000/cancel");
    assertError(getCancel, 405);
    assertThat(getCancel.headers().firstValue("Allow")).hasValue("POST");
  }

  @Test
  void malformedRequestsAreBadRequests() {
    // Proves each malformed part of a request gets 400 with a JSON error that says which.
    assertThat(assertError(client.get("/deployments/not%20an%20id"), 400).path("error").asText())
        .contains("deployment id");
    assertThat(
            assertError(client.post("/deployments?set=novalue", SMALL.formatted("x")), 400)
                .path("error")
                .asText())
        .contains("key=value");
    assertThat(
            assertError(client.post("/deployments?colour=red", SMALL.formatted("x")), 400)
                .path("error")
                .asText())
        .contains("colour");
    assertThat(
            assertError(
                    client.post("/deployments", new byte[] {'n', ':', (byte) 0xC3, (byte) 0x28}),
                    400)
                .path("error")
                .asText())
        .contains("UTF-8");
    String running = client.submit(LONG.formatted("malformed-cancel"));
    try {
      assertError(client.post("/deployments/" + running + "/cancel", "{not json"), 400);
      assertError(client.post("/deployments/" + running + "/cancel", "{\"reason\": 42}"), 400);
      assertError(
          client.send(
              client
                  .request("/deployments/" + running + "/events")
                  .header("Last-Event-ID", "yesterday")
                  .GET()
                  .build()),
          400);
    } finally {
      assertThat(client.post("/deployments/" + running + "/cancel", "").statusCode())
          .isEqualTo(202);
    }
  }

  @Test
  void planLargerThanTheLimitIsRefused() {
    // Proves 413 for a body over flotilla.service.max-plan-bytes; nothing is read as a plan.
    byte[] plan =
        ("# " + "x".repeat(2 * MAX_PLAN_BYTES) + "\n" + SMALL.formatted("too-large")).getBytes();

    assertError(client.post("/deployments", plan), 413);
  }

  // ---- helpers ----

  private static List<Long> sequence(int size) {
    List<Long> ids = new ArrayList<>();
    for (long id = 1; id <= size; id++) {
      ids.add(id);
    }
    return ids;
  }

  private static void assertEachExecutionStartsBeforeItFinishes(List<Event> events) {
    Map<String, Long> started = new HashMap<>();
    int finished = 0;
    for (Event event : events) {
      String key =
          event.data().path("step").asInt()
              + "/"
              + event.data().path("target").asText()
              + "/"
              + event.data().path("attempt").asInt();
      if (event.event().equals("ExecutionStarted")) {
        started.put(key, event.id());
      } else if (event.event().equals("ExecutionFinished")) {
        assertThat(started).as("started before it finished: " + key).containsKey(key);
        finished++;
      }
    }
    assertThat(finished).isEqualTo(started.size());
  }

  private static JsonNode entry(JsonNode list, String id) {
    for (JsonNode entry : list.path("deployments")) {
      if (entry.path("id").asText().equals(id)) {
        return entry;
      }
    }
    throw new AssertionError("deployment " + id + " is not listed: " + list);
  }
}
