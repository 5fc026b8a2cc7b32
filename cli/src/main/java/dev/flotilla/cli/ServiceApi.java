package dev.flotilla.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.typesafe.config.Config;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentListener.ExecutionLogLine;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineJson;
import dev.flotilla.server.ServiceAuth;
import dev.flotilla.server.TokenFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The CLI's client of a running node's HTTP service ({@code --server URL}): submits plans, follows
 * a deployment's event stream, reads timelines and lists, cancels. Every request carries the token
 * of {@link #token}. Every failure is a {@link Failure} whose message names the service and says
 * what to do.
 */
final class ServiceApi {

  /** How long connecting, and any answer but the event stream, may take. */
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The events a stream may name, by their message name (their record's simple name). */
  private static final Map<String, Class<?>> EVENTS =
      Arrays.stream(DeploymentEvent.class.getPermittedSubclasses())
          .collect(Collectors.toMap(Class::getSimpleName, type -> type));

  /** The service could not be used; the message says why and what to do. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message, null, false, false);
    }
  }

  /** The service refused the plan (400): its message and its problems, one per line. */
  static final class PlanRejected extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    PlanRejected(String message, List<String> problems) {
      super(message, null, false, false);
      this.problems = List.copyOf(problems);
    }

    List<String> problems() {
      return problems;
    }
  }

  /**
   * Where the token came from, for messages.
   *
   * @param token null if none was found (a node with --no-auth needs none)
   * @param source such as {@code "FLOTILLA_TOKEN"} or {@code "the token file
   *     /home/me/.flotilla/token"}
   */
  record Token(String token, String source) {}

  private final URI root;
  private final Token token;
  private final HttpClient http;

  private ServiceApi(URI root, Token token) {
    this.root = root;
    this.token = token;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(PATIENCE)
            .build();
  }

  /**
   * A client of the service at {@code url} with the token of {@link #token}.
   *
   * @throws IllegalArgumentException when the URL is not an http(s) URL
   */
  static ServiceApi of(String url, Token token) {
    URI uri;
    try {
      uri = new URI(url.endsWith("/") ? url : url + "/");
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "--server " + url + " is not a URL (such as http://127.0.0.1:8080)");
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "--server " + url + " is not an http URL (such as http://127.0.0.1:8080)");
    }
    return new ServiceApi(uri, token);
  }

  /**
   * The token a client sends: {@code FLOTILLA_TOKEN}, else the token file ({@code --token-file},
   * else {@code flotilla.cli.token-file}); none if neither has one.
   */
  static Token token(Map<String, String> environment, Path tokenFile, Config config)
      throws Failure {
    String given = environment.get(ServiceAuth.TOKEN_VARIABLE);
    if (given != null && !given.isEmpty()) {
      return new Token(given, ServiceAuth.TOKEN_VARIABLE);
    }
    Path file =
        (tokenFile != null ? tokenFile : Path.of(config.getString("flotilla.cli.token-file")))
            .toAbsolutePath()
            .normalize();
    try {
      return new Token(TokenFile.read(file), "the token file " + file);
    } catch (NoSuchFileException e) {
      if (tokenFile != null) {
        throw new Failure("--token-file: no file at " + file);
      }
      return new Token(
          null, "no token (" + ServiceAuth.TOKEN_VARIABLE + " unset, no " + file + ")");
    } catch (IOException e) {
      throw new Failure("cannot read the token file " + file + ": " + e.getMessage());
    }
  }

  /** The token this client sends; null when the node takes none. */
  String token() {
    return token == null ? null : token.token();
  }

  URI root() {
    return root;
  }

  /** Submits a plan; returns the new deployment's id. */
  String submit(String yaml, Map<String, String> overrides) throws Failure, PlanRejected {
    String query =
        overrides.entrySet().stream()
            .map(entry -> "set=" + encode(entry.getKey() + "=" + entry.getValue()))
            .collect(Collectors.joining("&"));
    URI uri = root.resolve("deployments" + (query.isEmpty() ? "" : "?" + query));
    HttpResponse<String> response =
        send(
            request(uri)
                .header("Content-Type", "application/yaml; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(yaml, StandardCharsets.UTF_8))
                .build());
    if (response.statusCode() == 400) {
      JsonNode body = parse(response.body());
      List<String> problems = new ArrayList<>();
      body.path("problems").forEach(problem -> problems.add(problem.asText()));
      throw new PlanRejected(body.path("error").asText(), problems);
    }
    expect(response, 201);
    return parse(response.body()).path("id").asText();
  }

  /** A deployment's timeline as it stands. */
  Timeline timeline(String id) throws Failure {
    HttpResponse<String> response = send(request(deployment(id)).GET().build());
    expect(response, 200);
    try {
      return TimelineJson.parse(response.body());
    } catch (IOException e) {
      throw new Failure("the service at " + root + " sent a timeline this CLI cannot read: " + e);
    }
  }

  /** The deployments the service knows, newest first, as it lists them. */
  JsonNode list() throws Failure {
    HttpResponse<String> response = send(request(root.resolve("deployments")).GET().build());
    expect(response, 200);
    return parse(response.body()).path("deployments");
  }

  /**
   * An answer whose status the caller judges (the intervention routes answer 404, 409 and 400 with
   * a message the CLI prints as it is).
   */
  record Answer(int status, JsonNode body) {
    String error() {
      return body.path("error").asText("HTTP " + status);
    }
  }

  /** A deployment's interventions, answered and pending, as the service lists them. */
  Answer interventions(String id) throws Failure {
    return judged(send(request(URI.create(deployment(id) + "/interventions")).GET().build()));
  }

  /**
   * Answers intervention {@code number} of a deployment.
   *
   * @param note why, for the record; may be null
   * @param by who answers, for the record; may be null (the service then records "http")
   */
  Answer answer(String id, int number, String decision, String note, String by) throws Failure {
    ObjectNode body = JSON.createObjectNode().put("decision", decision);
    if (note != null) {
      body.put("note", note);
    }
    if (by != null) {
      body.put("by", by);
    }
    return judged(
        send(
            request(URI.create(deployment(id) + "/interventions/" + number))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build()));
  }

  /** A JSON answer; a refused token is still a {@link Failure} naming where the token came from. */
  private Answer judged(HttpResponse<String> response) throws Failure {
    if (response.statusCode() == 401) {
      throw refused(401, response.body());
    }
    JsonNode body = response.body().isBlank() ? JSON.createObjectNode() : parse(response.body());
    return new Answer(response.statusCode(), body);
  }

  /** Asks the service to cancel a deployment; a finished one has nothing to cancel (409). */
  void cancel(String id, String reason) throws Failure {
    ObjectNode body = JSON.createObjectNode().put("reason", reason);
    HttpResponse<String> response =
        send(
            request(URI.create(deployment(id) + "/cancel"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build());
    if (response.statusCode() != 409) {
      expect(response, 202);
    }
  }

  /**
   * Opens a deployment's event stream, from its start; the caller reads it with {@link
   * Events#next}, on one thread, and may close it from another.
   */
  Events events(String id) throws Failure {
    HttpRequest request =
        request(URI.create(deployment(id) + "/events"))
            // The stream lasts as long as the deployment; a quiet one still sends keep-alives.
            .timeout(Duration.ofDays(365))
            .header("Accept", "text/event-stream")
            .GET()
            .build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted while connecting to " + root);
    } catch (IOException e) {
      throw unreachable(e);
    }
    if (response.statusCode() == 204) {
      closeQuietly(response.body());
      return new Events(null);
    }
    if (response.statusCode() != 200) {
      String body;
      try (InputStream in = response.body()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        body = "";
      }
      throw refused(response.statusCode(), body);
    }
    return new Events(response.body());
  }

  /** A deployment's event stream, as {@link #events} opened it. */
  final class Events implements AutoCloseable {

    private final InputStream body;
    private final BufferedReader lines;

    private Events(InputStream body) {
      this.body = body;
      this.lines =
          body == null
              ? null
              : new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /**
     * Reads up to the next message and hands it to {@code listener}: an event, an output line, or
     * nothing for a message this CLI does not show.
     *
     * @return false once the stream has ended
     * @throws IOException when the connection fails, or was closed by {@link #close}
     */
    boolean next(DeploymentListener listener) throws IOException, Failure {
      if (lines == null) {
        return false;
      }
      String event = null;
      StringBuilder data = new StringBuilder();
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isEmpty()) {
          if (event != null) {
            deliver(event, data.toString(), listener);
            return true;
          }
          data.setLength(0);
        } else if (line.startsWith("event: ")) {
          event = line.substring("event: ".length());
        } else if (line.startsWith("data: ")) {
          data.append(line.substring("data: ".length()));
        }
      }
      return false;
    }

    /** Ends the stream; a read in progress on another thread fails. */
    @Override
    public void close() {
      if (body != null) {
        closeQuietly(body);
      }
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // Closing is all that was asked; the stream is gone either way.
    }
  }

  /** One message of the stream, decoded back into what the server encoded (its EventJson). */
  private void deliver(String event, String data, DeploymentListener listener) throws Failure {
    ObjectNode node = (ObjectNode) parse(data);
    node.remove("type");
    try {
      if (event.equals("log")) {
        listener.onLogLine(JSON.treeToValue(node, ExecutionLogLine.class));
      } else if (event.equals(DeploymentAccepted.class.getSimpleName())) {
        listener.onEvent(
            new DeploymentAccepted(
                node.path("deploymentId").asText(),
                JSON.treeToValue(node.path("plan"), DeploymentPlan.class),
                node.path("atMicros").asLong()));
      } else if (EVENTS.containsKey(event)) {
        node.remove("stepName");
        listener.onEvent((DeploymentEvent) JSON.treeToValue(node, EVENTS.get(event)));
      }
      // Anything else (log-truncated, or an event of a newer server) is not shown.
    } catch (JsonProcessingException e) {
      throw new Failure(
          "the service at " + root + " sent a " + event + " event this CLI cannot read: " + e);
    }
  }

  /** A link to the deployment's waterfall page, without the token. */
  URI waterfall(String id) {
    return URI.create(deployment(id) + "/waterfall");
  }

  private URI deployment(String id) {
    return root.resolve("deployments/" + encode(id));
  }

  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(PATIENCE);
    if (token.token() != null) {
      builder.header("Authorization", "Bearer " + token.token());
    }
    return builder;
  }

  private HttpResponse<String> send(HttpRequest request) throws Failure {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted while waiting for " + root);
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  private Failure unreachable(IOException e) {
    String why =
        e instanceof ConnectException
            ? "connection refused"
            : Optional.ofNullable(e.getMessage()).orElse(e.getClass().getSimpleName());
    return new Failure(
        "cannot reach the service at "
            + root
            + ": "
            + why
            + " (is 'flotilla node' running there?)");
  }

  private void expect(HttpResponse<String> response, int status) throws Failure {
    if (response.statusCode() != status) {
      throw refused(response.statusCode(), response.body());
    }
  }

  private Failure refused(int status, String body) {
    String error;
    try {
      error = JSON.readTree(body).path("error").asText(body);
    } catch (JsonProcessingException e) {
      error = body;
    }
    if (status == 401) {
      return new Failure(
          "the service at "
              + root
              + " refused the request (401): "
              + error
              + "; this CLI sent "
              + (token.token() == null
                  ? "none: " + token.source()
                  : "the token of " + token.source()));
    }
    return new Failure("the service at " + root + " answered " + status + ": " + error);
  }

  private JsonNode parse(String body) throws Failure {
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new Failure("the service at " + root + " answered with something other than JSON");
    }
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
