package dev.flotilla.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A small client of a running service's intervention routes, for {@code flotilla interventions} and
 * {@code flotilla intervene}. It sends {@code FLOTILLA_TOKEN}, when set, as a bearer token.
 */
final class InterventionClient {

  /** The service could not be used; the message says why and what to do. */
  static final class Unreachable extends Exception {
    private static final long serialVersionUID = 1L;

    Unreachable(String message) {
      super(message, null, false, false);
    }
  }

  /** An answer from the service: its status and its JSON body. */
  record Answer(int status, JsonNode body) {
    String error() {
      return body.path("error").asText("HTTP " + status);
    }
  }

  static final String TOKEN_VARIABLE = "FLOTILLA_TOKEN";
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI root;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(PATIENCE).build();

  private InterventionClient(URI root, String token) {
    this.root = root;
    this.token = token;
  }

  /**
   * @throws IllegalArgumentException if {@code url} is no http(s) URL
   */
  static InterventionClient of(String url, String token) {
    URI uri;
    try {
      uri = new URI(url.endsWith("/") ? url : url + "/");
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "--server " + url + " is not a URL (such as http://127.0.0.1:8080)");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "--server " + url + " is not an http URL (such as http://127.0.0.1:8080)");
    }
    return new InterventionClient(uri, token == null || token.isBlank() ? null : token);
  }

  Answer deployments() throws Unreachable {
    return send(request("deployments").GET().build());
  }

  Answer interventions(String deploymentId) throws Unreachable {
    return send(request("deployments/" + encode(deploymentId) + "/interventions").GET().build());
  }

  Answer answer(String deploymentId, int number, String decision, String note, String by)
      throws Unreachable {
    ObjectNode body = JSON.createObjectNode().put("decision", decision);
    if (note != null) {
      body.put("note", note);
    }
    if (by != null) {
      body.put("by", by);
    }
    return send(
        request("deployments/" + encode(deploymentId) + "/interventions/" + number)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build());
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(root.resolve(path)).timeout(PATIENCE);
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder;
  }

  private Answer send(HttpRequest request) throws Unreachable {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Unreachable(
          "cannot reach the service at "
              + root
              + " ("
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
              + "); is 'flotilla serve' running there?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted while asking " + root);
    }
    JsonNode body;
    try {
      body = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      throw new Unreachable(
          root
              + " answered HTTP "
              + response.statusCode()
              + " with no JSON: is it a flotilla service?");
    }
    if (response.statusCode() == 401) {
      throw new Unreachable(
          root + " refused the request (401): set " + TOKEN_VARIABLE + " to the service's token");
    }
    return new Answer(response.statusCode(), body);
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
