package dev.flotilla.server.waterfall;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.server.DeploymentService;
import dev.flotilla.server.ServiceAuth;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live waterfall served by a service that needs its token, opened in headless Chromium as a user
 * opens it: {@code .../waterfall#token=TOKEN}. The token page takes the token from the fragment and
 * loads the waterfall with it; the waterfall's own fetches of {@code timeline.json} send it too.
 */
class WaterfallWithTokenInBrowserTest {

  private static final String TOKEN = "browser-token-0123456789-abcdefghijklmnopq";

  /** Enough page time for the live page to fetch timeline.json a few times (once a second). */
  private static final Duration PAGE_TIME = Duration.ofSeconds(4);

  private static final String LONG =
      """
      name: watched-in-a-browser
      targets: [{ name: "db-{1..2}", roles: [db] }]
      steps:
        - { name: Migrate, roles: [db], action: { type: simulate, duration: 1h } }
      """;

  @TempDir static Path dir;

  private static DeploymentService service;
  private static String waterfall;

  @BeforeAll
  static void startALiveDeployment() throws Exception {
    service =
        DeploymentService.start(
            DeploymentService.Options.inMemory(0, 1.0, ServiceAuth.token(TOKEN)));
    HttpResponse<String> created =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(service.uri().resolve("deployments"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(LONG))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = new ObjectMapper().readTree(created.body()).path("id").asText();
    waterfall = service.uri().resolve(URI.create("deployments/" + id + "/waterfall")).toString();
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void aLinkWithTheTokenInItsFragmentOpensTheLiveWaterfallAndItsFetchesSendTheToken()
      throws Exception {
    // Proves the page is drawn (its bars are there) and stays live: a fetch of timeline.json
    // without the token would get 401 and mark the live chip stale.
    String dom = HeadlessChromium.dumpDom(waterfall + "#token=" + TOKEN, PAGE_TIME, dir);

    assertThat(dom).contains("<h1 id=\"title\">watched-in-a-browser</h1>");
    assertThat(dom).containsPattern("<div id=\"bar-count\"[^>]*data-count=\"2\"");
    assertThat(dom).contains("<span id=\"live\" class=\"live\" title=\"\">live</span>");
    assertThat(dom).as("the token is never written into the page").doesNotContain(TOKEN);
  }

  @Test
  void aLinkWithoutTheTokenShowsHowToOpenItAndNoData() throws Exception {
    // Proves the 401 page a browser gets: what to do, and nothing of the deployment.
    String dom = HeadlessChromium.dumpDom(waterfall, PAGE_TIME, dir);

    assertThat(dom).contains("Token needed").contains("#token=TOKEN");
    assertThat(dom).doesNotContain("watched-in-a-browser").doesNotContain("Migrate");
  }

  @Test
  void aLinkWithAWrongTokenSaysTheServiceRefusedIt() throws Exception {
    // Proves a wrong token is reported as such, and the page shows no data.
    String dom =
        HeadlessChromium.dumpDom(
            waterfall + "#token=wrong-token-0123456789-abcdefghijklmnopq", PAGE_TIME, dir);

    assertThat(dom).contains("the service refused this token");
    assertThat(dom).doesNotContain("watched-in-a-browser");
  }
}
