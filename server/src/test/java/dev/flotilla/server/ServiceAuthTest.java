package dev.flotilla.server;

import static dev.flotilla.server.ServiceClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/** Every route needs the service's bearer token, and the token reaches no log. */
class ServiceAuthTest {

  private static final String LONG =
      """
      name: %s
      targets: [{ name: db-1, roles: [db] }]
      steps:
        - { name: Migrate, roles: [db], action: { type: simulate, duration: 1h } }
      """;

  private static final String QUICK =
      """
      name: quick
      targets: [{ name: db-9, roles: [db] }]
      steps:
        - { name: Check, roles: [db], action: { type: simulate, duration: 1ms } }
      """;

  private static final String WRONG_TOKEN = "wrong-token-0123456789-abcdefghijklmnopqrstu";

  /** Every route of {@link ServiceHandler}, and two requests that match none. */
  private record Route(String method, String path) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private static DeploymentService service;
  private static ServiceClient client;
  private static String id;
  private static String finished;

  @BeforeAll
  static void start() throws Exception {
    service =
        DeploymentService.start(DeploymentService.Options.inMemory(0, 1.0, ServiceClient.AUTH));
    client = new ServiceClient(service.uri());
    id = client.submit(LONG.formatted("guarded"));
    finished = client.submit(QUICK);
    client.eventsToTheEnd(finished);
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  static Stream<Route> routes() {
    return Stream.of(
        new Route("GET", "/"),
        new Route("GET", "/deployments"),
        new Route("POST", "/deployments"),
        new Route("GET", "/deployments/{id}"),
        new Route("GET", "/deployments/{id}/events"),
        new Route("POST", "/deployments/{id}/cancel"),
        new Route("GET", "/deployments/{id}/waterfall"),
        new Route("GET", "/deployments/{id}/timeline.json"),
        new Route("GET", "/no-such-route"),
        new Route("DELETE", "/deployments/{id}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("routes")
  void everyRouteAnswers401WithABearerChallengeWithoutAToken(Route route) {
    // Proves no route, known or not, answers anything but 401 to a request without a token.
    HttpResponse<String> response = send(new ServiceClient(service.uri(), null), route);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"flotilla\"");
    assertThat(response.body()).doesNotContain("guarded").doesNotContain(ServiceClient.TOKEN);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("routes")
  void everyRouteAnswers401WithAnInvalidTokenChallengeToAWrongToken(Route route) {
    // Proves a wrong token is refused as invalid_token (RFC 6750) on every route.
    HttpResponse<String> response = send(new ServiceClient(service.uri(), WRONG_TOKEN), route);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"flotilla\", error=\"invalid_token\"");
    assertThat(response.body()).doesNotContain("guarded").doesNotContain(WRONG_TOKEN);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("routes")
  void everyRouteGetsPastTheTokenCheckWithTheToken(Route route) {
    // Proves the table above covers real routes: with the token, none of them answers 401. On a
    // finished deployment (its event stream ends), POSTs sent as GETs (a 405, changing nothing).
    Route harmless = route.method().equals("POST") ? new Route("GET", route.path()) : route;
    HttpResponse<String> response = send(client, harmless, finished);

    assertThat(response.statusCode()).as(response.body()).isNotEqualTo(401);
  }

  @Test
  void aPlanPostedWithoutTheTokenStartsNothing() {
    // Proves the check comes before the route: the refused plan is not among the deployments.
    HttpResponse<String> refused =
        new ServiceClient(service.uri(), null).post("/deployments", LONG.formatted("intruder"));

    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(client.get("/deployments").body()).doesNotContain("intruder");
  }

  @Test
  void theSchemeIsCaseInsensitiveAndTheTokenMustMatchExactly() {
    // Proves "bearer" is read as RFC 6750 says, and a token that only starts like the right one
    // is refused.
    ServiceClient anonymous = new ServiceClient(service.uri(), null);
    HttpResponse<String> lower =
        anonymous.send(
            anonymous
                .request("/deployments")
                .header("Authorization", "bearer " + ServiceClient.TOKEN)
                .GET()
                .build());
    HttpResponse<String> prefix =
        anonymous.send(
            anonymous
                .request("/deployments")
                .header("Authorization", "Bearer " + ServiceClient.TOKEN.substring(1))
                .GET()
                .build());
    HttpResponse<String> basic =
        anonymous.send(
            anonymous
                .request("/deployments")
                .header("Authorization", "Basic " + ServiceClient.TOKEN)
                .GET()
                .build());

    assertThat(lower.statusCode()).isEqualTo(200);
    assertThat(prefix.statusCode()).isEqualTo(401);
    assertThat(basic.statusCode()).isEqualTo(401);
  }

  @Test
  void theWaterfallWithoutATokenIsThePageThatBringsItAndHoldsNoData() {
    // Proves a browser opening the waterfall gets the page that reads #token=, never the timeline.
    HttpResponse<String> response =
        new ServiceClient(service.uri(), null).get("/deployments/" + id + "/waterfall");

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(Http.HTML);
    assertThat(response.body())
        .contains("Token needed")
        .contains("sessionStorage")
        .doesNotContain("guarded")
        .doesNotContain("Migrate");
  }

  @Test
  void aServiceWithoutATokenAnswersWithoutOneOnLoopback() throws Exception {
    // Proves --no-auth's service: no header needed, loopback only.
    try (DeploymentService open =
        DeploymentService.start(DeploymentService.Options.inMemory(0, 1.0, ServiceAuth.none()))) {
      HttpResponse<String> response = new ServiceClient(open.uri(), null).get("/deployments");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(json(response).path("deployments").isArray()).isTrue();
    }
  }

  @Test
  void aServiceWithoutATokenIsRefusedOnAnAddressOtherMachinesReach() {
    // Proves no-auth cannot be combined with a bind beyond loopback, before anything starts.
    assertThatThrownBy(
            () -> new DeploymentService.Options("0.0.0.0", 0, null, 1.0, ServiceAuth.none()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loopback")
        .hasMessageContaining("0.0.0.0");
    assertThat(new DeploymentService.Options("0.0.0.0", 0, null, 1.0, ServiceClient.AUTH).host())
        .isEqualTo("0.0.0.0");
    assertThat(new DeploymentService.Options("::1", 0, null, 1.0, ServiceAuth.none()).host())
        .isEqualTo("::1");
  }

  @Test
  void aShortOrUnprintableTokenIsRefusedWithoutShowingIt() {
    // Proves weak tokens are refused, and the message never echoes the token.
    assertThatThrownBy(() -> ServiceAuth.token("hunter2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 32 characters")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> ServiceAuth.token("a token with spaces in it, long enough though"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("printable ASCII")
        .hasMessageNotContaining("spaces in it");
    assertThat(ServiceClient.AUTH.toString()).doesNotContain(ServiceClient.TOKEN);
  }

  @Test
  void theTokenReachesNoLogEvenWithEveryLoggerAtItsMostVerbose() throws Exception {
    // Proves the access paths (the JDK server's own request log included) and the error paths log
    // neither the right token nor a wrong one.
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    ListAppender<ILoggingEvent> logback = new ListAppender<>();
    logback.start();
    root.addAppender(logback);
    // Everything goes to the capture only, not to the test's output.
    Appender<ILoggingEvent> console = root.getAppender("STDERR");
    root.detachAppender(console);
    root.setLevel(Level.ALL);
    java.util.logging.Logger jdk = java.util.logging.Logger.getLogger("com.sun.net.httpserver");
    java.util.logging.Level jdkBefore = jdk.getLevel();
    List<String> jdkRecords = new ArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            jdkRecords.add(record.getMessage() + " " + record.getThrown());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    capture.setLevel(java.util.logging.Level.ALL);
    jdk.setLevel(java.util.logging.Level.ALL);
    jdk.addHandler(capture);
    try {
      ServiceClient wrong = new ServiceClient(service.uri(), WRONG_TOKEN);
      routes().forEach(route -> send(wrong, route));
      client.post("/deployments", "not: [a plan");
      client.get("/deployments/no-such-deployment");
      client.post("/deployments/" + id + "/cancel", "{\"reason\": 42}");
      String other = client.submit(LONG.formatted("logged"));
      client.post("/deployments/" + other + "/cancel", "");
      client.eventsToTheEnd(other);
    } finally {
      root.detachAppender(logback);
      root.addAppender(console);
      root.setLevel(before);
      jdk.removeHandler(capture);
      jdk.setLevel(jdkBefore);
    }

    List<String> logged = new ArrayList<>(jdkRecords);
    logback.list.forEach(
        event ->
            logged.add(
                event.getFormattedMessage()
                    + (event.getThrowableProxy() == null
                        ? ""
                        : " " + event.getThrowableProxy().getMessage())));
    assertThat(logged).as("something was logged, so the check means something").isNotEmpty();
    assertThat(logged)
        .allSatisfy(
            line ->
                assertThat(line)
                    .doesNotContain(ServiceClient.TOKEN)
                    .doesNotContain(WRONG_TOKEN)
                    .doesNotContain("Bearer "));
  }

  @Test
  void theTokenFileIsReadableByItsOwnerOnlyFromTheMomentItExists(@TempDir Path dir)
      throws Exception {
    // Proves mode 600 in a new directory of mode 700, and that an old file readable by others is
    // replaced, not rewritten in place.
    Path file = dir.resolve("home/.flotilla/token");
    String token = TokenFile.generate();

    TokenFile.write(file, token);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    assertThat(TokenFile.read(file)).isEqualTo(token);

    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    String next = TokenFile.generate();
    TokenFile.write(file, next);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(TokenFile.read(file)).isEqualTo(next);
    try (Stream<Path> left = Files.list(file.getParent())) {
      assertThat(left).containsExactly(file);
    }
  }

  @Test
  void aGeneratedTokenIs256RandomBitsInUrlSafeBase64() {
    // Proves the format (43 URL-safe characters, no padding) and that two are never alike.
    String one = TokenFile.generate();
    String two = TokenFile.generate();

    assertThat(one).matches("[A-Za-z0-9_-]{43}");
    assertThat(two).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(one);
    assertThat(ServiceAuth.token(one).required()).isTrue();
  }

  private static HttpResponse<String> send(ServiceClient as, Route route) {
    return send(as, route, id);
  }

  private static HttpResponse<String> send(ServiceClient as, Route route, String deployment) {
    String path = route.path().replace("{id}", deployment);
    HttpRequest.BodyPublisher body =
        route.method().equals("POST")
            ? HttpRequest.BodyPublishers.ofString(
                path.endsWith("/cancel") ? "" : LONG.formatted("refused"))
            : HttpRequest.BodyPublishers.noBody();
    return as.send(as.request(path).method(route.method(), body).build());
  }
}
