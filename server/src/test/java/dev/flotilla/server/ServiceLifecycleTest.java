package dev.flotilla.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.server.ServiceClient.Event;
import java.net.BindException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Starting and stopping the service. */
class ServiceLifecycleTest {

  private static final String LONG =
      """
      name: lifecycle-long
      targets: [{ name: db-1, roles: [db] }]
      steps:
        - { name: Migrate, roles: [db], action: { type: simulate, duration: 1h } }
      """;

  @Test
  void listensOnLoopbackOnlyAndRefusesAPortInUse() throws Exception {
    // Proves the service binds 127.0.0.1 and a second one on the same port fails at start, not
    // later.
    try (DeploymentService first =
        DeploymentService.start(DeploymentService.Options.inMemory(0, 1.0, ServiceClient.AUTH))) {
      assertThat(first.uri().getHost()).isEqualTo("127.0.0.1");
      assertThat(first.port()).isPositive();

      assertThatThrownBy(
              () ->
                  DeploymentService.start(
                      DeploymentService.Options.inMemory(first.port(), 1.0, ServiceClient.AUTH)))
          .isInstanceOf(BindException.class);
    }
  }

  @Test
  void closingTheServiceEndsOpenEventStreams() throws Exception {
    // Proves a stop never waits on a watcher: an open stream of a running deployment ends with the
    // service.
    CompletableFuture<List<Event>> stream;
    try (DeploymentService service =
        DeploymentService.start(DeploymentService.Options.inMemory(0, 1.0, ServiceClient.AUTH))) {
      ServiceClient client = new ServiceClient(service.uri());
      String id = client.submit(LONG);
      stream = client.events(id);
      // The stream is open once the deployment's acceptance has reached it; then stop the service.
      assertThat(client.get("/deployments/" + id).statusCode()).isEqualTo(200);
    }

    List<Event> events = stream.get(ServiceClient.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(events).extracting(Event::event).doesNotContain("DeploymentFinished");
  }

  @Test
  void stopReportsTheDeploymentsItCutShortAndAgainWhenCalledTwice() throws Exception {
    // Proves a host learns what a stop left unfinished (and that in memory nothing keeps it), once
    // or twice asked.
    DeploymentService service =
        DeploymentService.start(DeploymentService.Options.inMemory(0, 1.0, ServiceClient.AUTH));
    String id = new ServiceClient(service.uri()).submit(LONG);

    DeploymentService.Stopped stopped = service.stop();

    assertThat(stopped.unfinished())
        .singleElement()
        .satisfies(
            unfinished -> {
              assertThat(unfinished.id()).isEqualTo(id);
              assertThat(unfinished.name()).isEqualTo("lifecycle-long");
              assertThat(unfinished.status().isFinal()).isFalse();
            });
    assertThat(stopped.journal()).isNull();
    assertThat(service.stop()).isEqualTo(stopped);
  }
}
