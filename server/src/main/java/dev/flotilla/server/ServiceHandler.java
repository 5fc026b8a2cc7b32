package dev.flotilla.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.plan.InvalidPlanException;
import dev.flotilla.engine.plan.PlanProblem;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineJson;
import dev.flotilla.persistence.DeploymentHistory.JournalReadException;
import dev.flotilla.server.waterfall.WaterfallPage;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every route of the service, behind one top-level handler that answers every failure with a status
 * and a JSON body {@code {"error": ...}}: a bad request with a 4xx that says what is wrong,
 * anything unexpected with a 500 that says nothing more (the exception goes to the log, never to
 * the client).
 *
 * <p>Every request, to a route or not, first shows the service's bearer token ({@link
 * ServiceAuth}): without it, 401 with {@code WWW-Authenticate: Bearer}, before the path is even
 * read. A browser cannot send that header when it opens a page, so the waterfall's 401 is a small
 * page instead of JSON, whose script takes the token from the link's fragment ({@code #token=...},
 * which a browser never sends to a server, so it reaches no log), keeps it in the tab's {@code
 * sessionStorage} and loads the waterfall with the header; the waterfall's own fetches send it from
 * there too.
 *
 * <pre>
 * GET  /                                  links
 * GET  /deployments                       the deployments known, newest first
 * POST /deployments[?set=key=value...]    a YAML plan: 201, or 400 with its problems
 * GET  /deployments/{id}                  its timeline JSON as it stands (on a cluster, plus "node")
 * GET  /deployments/{id}/events           its events as server-sent events, from the start
 * POST /deployments/{id}/cancel           {"reason": ...} optional: 202, or 409 once finished
 * GET  /deployments/{id}/waterfall        the waterfall page, refreshing while it runs
 * GET  /deployments/{id}/timeline.json    the timeline the page refreshes from
 * GET  /deployments/{id}/interventions    its interventions (guided failure, manual steps)
 * POST /deployments/{id}/interventions/{n} {"decision": ..., "note": ..., "by": ...}: 200; 400 for a
 *                                         decision it does not allow; 409 once answered or over
 * </pre>
 */
final class ServiceHandler implements HttpHandler {

  private static final Logger log = LoggerFactory.getLogger(ServiceHandler.class);

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String DEPLOYMENTS = "deployments";
  private static final String GET = "GET";
  private static final String POST = "POST";
  private static final String SET_PARAMETER = "set";
  private static final String DEFAULT_CANCEL_REASON = "cancelled over HTTP";
  private static final String INTERVENTIONS = "interventions";

  /** Who answered, when an answer names nobody. */
  private static final String DEFAULT_ANSWERED_BY = "http";

  /** How long an answer may take to be recorded before the request gives up. */
  private static final long ANSWER_TIMEOUT_SECONDS = 30;

  /** Engine ids look like {@code 20261126T101500-3f9a1c}; this accepts any id of that alphabet. */
  private static final Pattern DEPLOYMENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /** The waterfall's path: its 401 is the page that brings the token from the fragment. */
  private static final Pattern WATERFALL = Pattern.compile("/deployments/[^/]+/waterfall/?");

  private final Deployments deployments;
  private final ServiceSettings settings;
  private final ServiceAuth auth;
  private final Semaphore eventStreams;

  ServiceHandler(Deployments deployments, ServiceSettings settings, ServiceAuth auth) {
    this.deployments = deployments;
    this.settings = settings;
    this.auth = auth;
    this.eventStreams = new Semaphore(settings.maxEventStreams());
  }

  @Override
  public void handle(HttpExchange exchange) {
    try {
      if (authenticated(exchange)) {
        route(exchange);
      }
    } catch (RequestError e) {
      answer(exchange, e);
    } catch (JournalReadException e) {
      log.error(
          "Cannot read the journal for {} {}",
          exchange.getRequestMethod(),
          exchange.getRequestURI(),
          e);
      answer(
          exchange,
          RequestError.of(Http.UNAVAILABLE, "cannot read the journal; see the service log"));
    } catch (IOException e) {
      // Mostly a client that went away mid-answer; nothing to tell it.
      log.debug("I/O failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | LinkageError | AssertionError e) {
      log.error("Failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      answer(exchange, RequestError.of(Http.INTERNAL_ERROR, "internal error; see the service log"));
    } finally {
      exchange.close();
    }
  }

  private void route(HttpExchange exchange)
      throws IOException, JournalReadException, InterruptedException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getRawPath();
    List<String> segments = segments(path);
    if (segments.isEmpty()) {
      allow(method, path, GET);
      index(exchange);
      return;
    }
    if (!segments.get(0).equals(DEPLOYMENTS) || segments.size() > 4) {
      throw unknownRoute(path);
    }
    if (segments.size() == 4) {
      if (!segments.get(2).equals(INTERVENTIONS)) {
        throw unknownRoute(path);
      }
      allow(method, path, POST);
      intervene(exchange, deploymentId(segments.get(1)), interventionNumber(segments.get(3)));
      return;
    }
    if (segments.size() == 1) {
      allow(method, path, GET, POST);
      if (method.equals(GET)) {
        list(exchange);
      } else {
        submit(exchange);
      }
      return;
    }
    if (segments.size() == 2) {
      allow(method, path, GET);
      deployment(exchange, deploymentId(segments.get(1)));
      return;
    }
    switch (segments.get(2)) {
      case "events" -> {
        allow(method, path, GET);
        events(exchange, deploymentId(segments.get(1)));
      }
      case "cancel" -> {
        allow(method, path, POST);
        cancel(exchange, deploymentId(segments.get(1)));
      }
      case "waterfall" -> {
        allow(method, path, GET);
        waterfall(exchange, deploymentId(segments.get(1)));
      }
      case "timeline.json" -> {
        allow(method, path, GET);
        timeline(exchange, deploymentId(segments.get(1)));
      }
      case INTERVENTIONS -> {
        allow(method, path, GET);
        interventions(exchange, deploymentId(segments.get(1)));
      }
      default -> throw unknownRoute(path);
    }
  }

  /**
   * Whether the request carries the token. If not, it is answered 401: the waterfall with the page
   * that brings the token (false is returned), anything else with a {@link RequestError} thrown.
   */
  private boolean authenticated(HttpExchange exchange) throws IOException {
    ServiceAuth.Verdict verdict =
        auth.judge(exchange.getRequestHeaders().getFirst("Authorization"));
    if (verdict == ServiceAuth.Verdict.ACCEPTED) {
      return true;
    }
    boolean refused = verdict == ServiceAuth.Verdict.REFUSED;
    exchange
        .getResponseHeaders()
        .set(
            "WWW-Authenticate",
            "Bearer realm=\"flotilla\"" + (refused ? ", error=\"invalid_token\"" : ""));
    String path = exchange.getRequestURI().getRawPath();
    if (exchange.getRequestMethod().equals(GET)
        && path != null
        && WATERFALL.matcher(path).matches()) {
      Http.send(
          exchange,
          Http.UNAUTHORIZED,
          Http.HTML,
          WaterfallPage.tokenPage().getBytes(StandardCharsets.UTF_8));
      return false;
    }
    throw RequestError.of(
        Http.UNAUTHORIZED,
        refused
            ? "the bearer token is not this service's: use the one the node took from "
                + ServiceAuth.TOKEN_VARIABLE
                + " or wrote to its token file (a node writes a new one each time it starts)"
            : "this service needs its token: send 'Authorization: Bearer TOKEN', with the token"
                + " the node took from "
                + ServiceAuth.TOKEN_VARIABLE
                + " or wrote to its token file (~/.flotilla/token unless --token-file); a"
                + " browser opens a waterfall as .../waterfall#token=TOKEN");
  }

  // ---- routes ----

  private void index(HttpExchange exchange) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service", "flotilla deployments");
    body.put("links", Map.of(DEPLOYMENTS, "/" + DEPLOYMENTS));
    Http.sendJson(exchange, Http.OK, body);
  }

  private void list(HttpExchange exchange) throws IOException, JournalReadException {
    Http.sendJson(
        exchange,
        Http.OK,
        Map.of(
            DEPLOYMENTS,
            deployments.list().stream()
                .map(
                    listed -> {
                      Map<String, Object> entry = new LinkedHashMap<>();
                      entry.put("id", listed.id());
                      entry.put("name", listed.name());
                      entry.put("status", listed.status());
                      entry.put("startedAt", listed.startedAt());
                      entry.put("makespanMs", listed.makespanMs());
                      if (listed.problem() != null) {
                        entry.put("problem", listed.problem());
                      }
                      if (deployments.clustered()) {
                        entry.put("node", listed.node());
                      }
                      entry.put("links", links(listed.id()));
                      return entry;
                    })
                .toList()));
  }

  private void submit(HttpExchange exchange) throws IOException, InterruptedException {
    Map<String, String> overrides = overrides(exchange.getRequestURI().getRawQuery());
    String yaml =
        Http.utf8(Http.readBody(exchange, settings.maxPlanBytes(), "the plan"), "the plan");
    Deployments.Tracked tracked;
    try {
      tracked = deployments.submit(yaml, overrides);
    } catch (InvalidPlanException e) {
      List<PlanProblem> problems = e.problems();
      throw RequestError.invalidPlan(
          "the plan has "
              + problems.size()
              + (problems.size() == 1 ? " problem" : " problems")
              + "; nothing was started",
          problems.stream().map(PlanProblem::toString).toList());
    }
    String id = tracked.handle().deploymentId();
    Timeline timeline = tracked.timeline();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("name", timeline.name());
    body.put("status", timeline.status());
    body.put("links", links(id));
    exchange.getResponseHeaders().set("Location", self(id));
    Http.sendJson(exchange, Http.CREATED, body);
  }

  /**
   * The timeline JSON; on a cluster with one more field, {@code node}: the node that runs the
   * deployment while it has not finished (null once it has).
   */
  private void deployment(HttpExchange exchange, String id)
      throws IOException, JournalReadException {
    if (!deployments.clustered()) {
      timeline(exchange, id);
      return;
    }
    Timeline timeline = deployments.timeline(id).orElseThrow(() -> unknownDeployment(id));
    ObjectNode body = (ObjectNode) JSON.readTree(TimelineJson.toJson(timeline));
    body.put("node", deployments.node(id, timeline.status()));
    Http.send(exchange, Http.OK, Http.JSON, JSON.writeValueAsBytes(body));
  }

  private void timeline(HttpExchange exchange, String id) throws IOException, JournalReadException {
    Timeline timeline = deployments.timeline(id).orElseThrow(() -> unknownDeployment(id));
    Http.send(
        exchange,
        Http.OK,
        Http.JSON,
        TimelineJson.toJson(timeline).getBytes(StandardCharsets.UTF_8));
  }

  private void events(HttpExchange exchange, String id)
      throws IOException, JournalReadException, InterruptedException {
    EventFeed feed = deployments.feed(id).orElseThrow(() -> unknownDeployment(id));
    int after = lastEventId(exchange.getRequestHeaders().getFirst("Last-Event-ID"));
    if (!eventStreams.tryAcquire()) {
      throw RequestError.of(
          Http.UNAVAILABLE,
          "too many event streams open (flotilla.service.max-event-streams = "
              + settings.maxEventStreams()
              + "); try again later");
    }
    try {
      EventStream.serve(exchange, feed, after, settings.keepAliveInterval());
    } finally {
      eventStreams.release();
    }
  }

  private void cancel(HttpExchange exchange, String id) throws IOException, JournalReadException {
    String reason =
        cancelReason(Http.readBody(exchange, settings.maxCancelBytes(), "the cancel request"));
    Deployments.CancelOutcome outcome = deployments.cancel(id, reason);
    if (outcome.status() == null) {
      throw unknownDeployment(id);
    }
    if (!outcome.requested()) {
      throw RequestError.of(
          Http.CONFLICT,
          outcome.status().isFinal()
              ? "deployment "
                  + id
                  + " has already finished ("
                  + outcome.status()
                  + "); there is nothing to cancel"
              : "deployment " + id + " is not running in this service; there is nothing to cancel");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("cancelRequested", true);
    body.put("reason", reason);
    body.put("links", links(id));
    Http.sendJson(exchange, Http.ACCEPTED, body);
  }

  /**
   * Every intervention of the deployment, in the order raised; the pending ones can be answered.
   */
  private void interventions(HttpExchange exchange, String id)
      throws IOException, JournalReadException {
    Timeline timeline = deployments.timeline(id).orElseThrow(() -> unknownDeployment(id));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("status", timeline.status());
    body.put(
        INTERVENTIONS,
        timeline.interventions().stream().map(entry -> intervention(id, entry)).toList());
    Http.sendJson(exchange, Http.OK, body);
  }

  private static Map<String, Object> intervention(String id, Timeline.InterventionEntry entry) {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("number", entry.number());
    item.put("step", entry.step());
    item.put("target", entry.target());
    item.put("attempt", entry.attempt());
    item.put("kind", entry.manual() ? "manual" : "guidedFailure");
    item.put("reason", entry.reason());
    if (entry.responsible() != null) {
      item.put("responsible", entry.responsible());
    }
    item.put("allowed", entry.pending() ? entry.allowed() : List.of());
    item.put("pending", entry.pending());
    item.put("raisedAtMs", entry.raisedAtMs());
    if (!entry.pending()) {
      item.put("answeredAtMs", entry.answeredAtMs());
      item.put("decision", entry.decision());
      item.put("answeredBy", entry.answeredBy());
      item.put("note", entry.note());
    }
    item.put("answer", self(id) + "/" + INTERVENTIONS + "/" + entry.number());
    return item;
  }

  /** Answers intervention {@code number}: 200 once recorded, or why not. */
  private void intervene(HttpExchange exchange, String id, int number)
      throws IOException, JournalReadException, InterruptedException {
    Answer answer = answer(Http.readBody(exchange, settings.maxCancelBytes(), "the answer"));
    Deployments.Tracked tracked = deployments.tracked(id).orElse(null);
    if (tracked == null) {
      Timeline recorded = deployments.timeline(id).orElseThrow(() -> unknownDeployment(id));
      throw RequestError.of(
          Http.CONFLICT,
          "deployment "
              + id
              + (recorded.status().isFinal()
                  ? " has finished (" + recorded.status() + "); its interventions closed with it"
                  : " is not running in this service; nothing can answer it here"));
    }
    InterventionReply reply;
    try {
      reply =
          tracked
              .handle()
              .answer(number, answer.decision(), answer.by(), answer.note())
              .toCompletableFuture()
              .get(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw RequestError.of(
          Http.UNAVAILABLE, "the deployment did not record the answer in time; try again");
    }
    switch (reply.outcome()) {
      case ACCEPTED -> {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("number", number);
        body.put("decision", answer.decision().wireName());
        body.put("by", answer.by());
        body.put("note", answer.note());
        body.put("message", reply.message());
        body.put("links", links(id));
        Http.sendJson(exchange, Http.OK, body);
      }
      case NOT_ALLOWED -> throw RequestError.badRequest(reply.message());
      case UNKNOWN_INTERVENTION, UNKNOWN_DEPLOYMENT -> throw RequestError.notFound(reply.message());
      default -> throw RequestError.of(Http.CONFLICT, reply.message());
    }
  }

  private void waterfall(HttpExchange exchange, String id)
      throws IOException, JournalReadException {
    Timeline timeline = deployments.timeline(id).orElseThrow(() -> unknownDeployment(id));
    boolean live = !timeline.status().isFinal() && deployments.tracked(id).isPresent();
    Http.send(
        exchange,
        Http.OK,
        Http.HTML,
        WaterfallPage.render(timeline, live).getBytes(StandardCharsets.UTF_8));
  }

  // ---- request parts ----

  /** The path's segments, decoded; {@code /deployments/} is {@code /deployments}. */
  private static List<String> segments(String rawPath) {
    String path = rawPath == null ? "" : rawPath;
    if (path.startsWith("/")) {
      path = path.substring(1);
    }
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.isEmpty()) {
      return List.of();
    }
    List<String> segments = List.of(path.split("/", -1));
    if (segments.stream().anyMatch(String::isEmpty)) {
      throw unknownRoute(rawPath);
    }
    return segments.stream().map(segment -> decode(segment, "the path")).toList();
  }

  private static String deploymentId(String segment) {
    if (!DEPLOYMENT_ID.matcher(segment).matches()) {
      throw RequestError.badRequest(
          "malformed deployment id (expected letters, digits, '.', '_' or '-', such as "
              + "20261126T101500-3f9a1c)");
    }
    return segment;
  }

  /** {@code ?set=key=value}, repeatable, as the CLI's {@code --set}; a later one wins. */
  private static Map<String, String> overrides(String rawQuery) {
    Map<String, String> overrides = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return overrides;
    }
    for (String parameter : rawQuery.split("&")) {
      if (parameter.isEmpty()) {
        continue;
      }
      int equals = parameter.indexOf('=');
      String name = decode(equals < 0 ? parameter : parameter.substring(0, equals), "the query");
      if (!name.equals(SET_PARAMETER)) {
        throw RequestError.badRequest(
            "unknown query parameter \"" + name + "\" (known: " + SET_PARAMETER + ")");
      }
      String setting = equals < 0 ? "" : decode(parameter.substring(equals + 1), "the query");
      int split = setting.indexOf('=');
      if (split <= 0 || setting.substring(0, split).isBlank()) {
        throw RequestError.badRequest("set needs key=value, not \"" + setting + "\"");
      }
      overrides.put(setting.substring(0, split).trim(), setting.substring(split + 1));
    }
    return overrides;
  }

  private static int interventionNumber(String segment) {
    try {
      int number = Integer.parseInt(segment);
      if (number < 1) {
        throw new NumberFormatException();
      }
      return number;
    } catch (NumberFormatException e) {
      throw RequestError.badRequest(
          "an intervention is named by its number (1, 2, ...), not \"" + segment + "\"");
    }
  }

  /** An answer as posted. */
  private record Answer(InterventionDecision decision, String note, String by) {}

  /** {@code {"decision": "retry", "note": "...", "by": "..."}}; only the decision is required. */
  private static Answer answer(byte[] body) {
    String text = Http.utf8(body, "the answer");
    String example = "{\"decision\": \"retry\", \"note\": \"...\"}";
    JsonNode root;
    try {
      root = text.isBlank() ? null : Http.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw RequestError.badRequest("the answer must be JSON such as " + example);
    }
    if (root == null || !root.isObject()) {
      throw RequestError.badRequest("the answer must be a JSON object such as " + example);
    }
    String known =
        String.join(
            ", ",
            java.util.Arrays.stream(InterventionDecision.values())
                .map(InterventionDecision::wireName)
                .toList());
    JsonNode decisionNode = root.get("decision");
    if (decisionNode == null || !decisionNode.isTextual()) {
      throw RequestError.badRequest("the answer needs a decision, one of: " + known);
    }
    InterventionDecision decision = InterventionDecision.parse(decisionNode.asText());
    if (decision == null) {
      throw RequestError.badRequest(
          "\"" + decisionNode.asText() + "\" is not a decision; expected one of: " + known);
    }
    return new Answer(decision, optionalText(root, "note"), optionalText(root, "by"));
  }

  private static String optionalText(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return field.equals("by") ? DEFAULT_ANSWERED_BY : null;
    }
    if (!node.isTextual()) {
      throw RequestError.badRequest(field + " must be a string");
    }
    return node.asText();
  }

  private static int lastEventId(String header) {
    if (header == null || header.isBlank()) {
      return 0;
    }
    try {
      int id = Integer.parseInt(header.trim());
      if (id < 0) {
        throw new NumberFormatException();
      }
      return id;
    } catch (NumberFormatException e) {
      throw RequestError.badRequest(
          "Last-Event-ID must be an event id this service sent (a number)");
    }
  }

  /** The reason of {@code {"reason": "..."}}; an empty body or no reason takes the default. */
  private static String cancelReason(byte[] body) {
    String text = Http.utf8(body, "the cancel request");
    if (text.isBlank()) {
      return DEFAULT_CANCEL_REASON;
    }
    JsonNode root;
    try {
      root = Http.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw RequestError.badRequest(
          "the cancel request must be JSON such as {\"reason\": \"...\"}");
    }
    if (root == null || !root.isObject()) {
      throw RequestError.badRequest(
          "the cancel request must be a JSON object such as {\"reason\": \"...\"}");
    }
    JsonNode reason = root.get("reason");
    if (reason == null || reason.isNull()) {
      return DEFAULT_CANCEL_REASON;
    }
    if (!reason.isTextual()) {
      throw RequestError.badRequest("reason must be a string");
    }
    return reason.asText();
  }

  private static String decode(String raw, String where) {
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw RequestError.badRequest("malformed percent-encoding in " + where);
    }
  }

  private static void allow(String method, String path, String... allowed) {
    if (!List.of(allowed).contains(method)) {
      throw RequestError.methodNotAllowed(method, path, String.join(", ", allowed));
    }
  }

  // ---- answers ----

  private static Map<String, String> links(String id) {
    Map<String, String> links = new LinkedHashMap<>();
    links.put("self", self(id));
    links.put("events", self(id) + "/events");
    links.put("cancel", self(id) + "/cancel");
    links.put("waterfall", self(id) + "/waterfall");
    links.put("timeline", self(id) + "/timeline.json");
    links.put(INTERVENTIONS, self(id) + "/" + INTERVENTIONS);
    return links;
  }

  private static String self(String id) {
    return "/" + DEPLOYMENTS + "/" + id;
  }

  private static RequestError unknownRoute(String path) {
    return RequestError.notFound("no such resource: " + path + " (see GET /" + DEPLOYMENTS + ")");
  }

  private static RequestError unknownDeployment(String id) {
    return RequestError.notFound("no deployment " + id);
  }

  /** Answers with the error's status and JSON body, unless an answer has already begun. */
  private static void answer(HttpExchange exchange, RequestError error) {
    if (exchange.getResponseCode() != -1) {
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", error.getMessage());
    if (!error.problems().isEmpty()) {
      body.put("problems", error.problems());
    }
    try {
      if (error.allow() != null) {
        exchange.getResponseHeaders().set("Allow", error.allow());
      }
      Http.sendJson(exchange, error.status(), body);
    } catch (IOException e) {
      log.debug("Could not answer {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
    }
  }
}
