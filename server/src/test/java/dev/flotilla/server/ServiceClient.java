package dev.flotilla.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Talks to a running {@link DeploymentService} over loopback, as any HTTP client would. */
final class ServiceClient {

  /** The longest any answer or stream may take: a hang fails the test instead of blocking it. */
  static final Duration PATIENCE = Duration.ofSeconds(30);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The token the tests' services require, and their clients send. */
  static final String TOKEN = "test-token-0123456789-abcdefghijklmnopqrstu";

  /** What the tests' services are started with. */
  static final ServiceAuth AUTH = ServiceAuth.token(TOKEN);

  /** One server-sent event. */
  record Event(long id, String event, JsonNode data) {}

  private final URI root;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(PATIENCE).build();

  /** A client that sends {@link #TOKEN}. */
  ServiceClient(URI root) {
    this(root, TOKEN);
  }

  /**
   * @param token the bearer token to send, or null for none
   */
  ServiceClient(URI root, String token) {
    this.root = root;
    this.token = token;
  }

  HttpResponse<String> get(String path) {
    return send(request(path).GET().build());
  }

  HttpResponse<String> post(String path, String body) {
    return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  HttpResponse<String> post(String path, byte[] body) {
    return send(request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  HttpResponse<String> send(String method, String path) {
    return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()).build());
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("request failed: " + request, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(root.resolve(path)).timeout(PATIENCE);
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }

  /** Submits a plan; returns the new deployment's id. */
  String submit(String plan) {
    HttpResponse<String> response = post("/deployments", plan);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return json(response).path("id").asText();
  }

  /**
   * Opens a deployment's event stream and returns once the server has answered; the events are read
   * on a thread of their own, and the future completes when the server closes the stream.
   */
  CompletableFuture<List<Event>> events(String id) throws Exception {
    HttpRequest request = request("/deployments/" + id + "/events").GET().build();
    HttpResponse<Stream<String>> response =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
            .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
    return CompletableFuture.supplyAsync(
        () -> parse(response.body()), reader -> new Thread(reader, "event-stream-reader").start());
  }

  /**
   * The deployment's whole event stream, read until the server closes it after DeploymentFinished.
   */
  List<Event> eventsToTheEnd(String id) throws Exception {
    return events(id).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Reads a deployment's event stream from its start until an event named {@code name} matches,
   * then closes the stream.
   */
  Event awaitEvent(String id, String name, Predicate<JsonNode> matches) throws Exception {
    HttpRequest request = request("/deployments/" + id + "/events").GET().build();
    HttpResponse<Stream<String>> response =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
            .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    CompletableFuture<Event> found =
        CompletableFuture.supplyAsync(
            () -> {
              try (Stream<String> lines = response.body()) {
                return parse(lines, read -> read.event().equals(name) && matches.test(read.data()));
              }
            },
            reader -> new Thread(reader, "event-stream-reader").start());
    Event event = found.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(event).as("a %s event in the stream of %s", name, id).isNotNull();
    return event;
  }

  static JsonNode json(HttpResponse<String> response) {
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  /**
   * Asserts an error answer: its status, and a JSON body whose {@code error} says something and
   * shows nothing of the service's insides.
   */
  static JsonNode assertError(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode body = json(response);
    assertThat(body.path("error").asText()).isNotBlank();
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("at dev.");
    return body;
  }

  private static List<Event> parse(Stream<String> lines) {
    List<Event> events = new ArrayList<>();
    parse(
        lines,
        event -> {
          events.add(event);
          return false;
        });
    return events;
  }

  /** Reads events until {@code last} says so; returns that event, or null if the stream ended. */
  private static Event parse(Stream<String> lines, Predicate<Event> last) {
    long id = -1;
    String event = null;
    StringBuilder data = new StringBuilder();
    for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
      String line = it.next();
      if (line.isEmpty()) {
        if (event != null) {
          Event read = new Event(id, event, readTree(data.toString()));
          if (last.test(read)) {
            return read;
          }
        }
        id = -1;
        event = null;
        data.setLength(0);
      } else if (line.startsWith("id: ")) {
        id = Long.parseLong(line.substring("id: ".length()));
      } else if (line.startsWith("event: ")) {
        event = line.substring("event: ".length());
      } else if (line.startsWith("data: ")) {
        data.append(line.substring("data: ".length()));
      }
    }
    return null;
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError("event data is not JSON: " + json, e);
    }
  }
}
