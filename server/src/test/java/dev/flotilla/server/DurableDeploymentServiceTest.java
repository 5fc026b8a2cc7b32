package dev.flotilla.server;

import static dev.flotilla.server.ServiceClient.assertError;
import static dev.flotilla.server.ServiceClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flotilla.server.ServiceClient.Event;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service on a journal ({@code --journal DIR}): what it ran outlives it. */
class DurableDeploymentServiceTest {

  private static final String SMALL =
      """
      name: durable-small
      targets: [{ name: "web-{1..2}", roles: [web] }]
      steps:
        - { name: Deploy web, roles: [web], action: { type: simulate, duration: 10ms } }
      """;

  private static final String LONG =
      """
      name: durable-long
      targets: [{ name: db-1, roles: [db] }]
      steps:
        - { name: Migrate, roles: [db], action: { type: simulate, duration: 1h } }
      """;

  @TempDir Path journal;

  @Test
  void finishedDeploymentIsListedReplayedAndStreamedAfterARestart() throws Exception {
    // Proves a restarted service knows a finished deployment from its journal alone, and will not
    // cancel it.
    String id;
    JsonNode timeline;
    List<Event> live;
    try (DeploymentService first = start()) {
      ServiceClient client = new ServiceClient(first.uri());
      id = client.submit(SMALL);
      live = client.eventsToTheEnd(id);
      timeline = json(client.get("/deployments/" + id));
    }

    try (DeploymentService second = start()) {
      ServiceClient client = new ServiceClient(second.uri());

      JsonNode listed = json(client.get("/deployments")).path("deployments");
      assertThat(listed).hasSize(1);
      assertThat(listed.get(0).path("id").asText()).isEqualTo(id);
      assertThat(listed.get(0).path("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(json(client.get("/deployments/" + id))).isEqualTo(timeline);
      assertThat(client.eventsToTheEnd(id)).isEqualTo(live);
      assertThat(client.get("/deployments/" + id + "/waterfall").statusCode()).isEqualTo(200);
      assertError(client.post("/deployments/" + id + "/cancel", ""), 409);
    }
  }

  @Test
  void unfinishedDeploymentResumesOnRestartAndCanBeCancelled() throws Exception {
    // Proves a deployment running when the service stopped resumes at the next start, its stream
    // starting from its history.
    String id;
    try (DeploymentService first = start()) {
      id = new ServiceClient(first.uri()).submit(LONG);
    }

    try (DeploymentService second = start()) {
      ServiceClient client = new ServiceClient(second.uri());
      var stream = client.events(id);

      assertThat(client.post("/deployments/" + id + "/cancel", "").statusCode()).isEqualTo(202);
      List<Event> events =
          stream.get(ServiceClient.PATIENCE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);

      assertThat(events.get(0).event()).isEqualTo("DeploymentAccepted");
      assertThat(events.get(events.size() - 1).data().path("status").asText())
          .isEqualTo("CANCELLED");
      assertThat(json(client.get("/deployments/" + id)).path("status").asText())
          .isEqualTo("CANCELLED");
    }
  }

  private DeploymentService start() throws Exception {
    return DeploymentService.start(
        new DeploymentService.Options(0, journal, 1.0, ServiceClient.AUTH));
  }
}
