package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.server.DeploymentService;
import dev.flotilla.server.ServiceAuth;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flotilla deploy PLAN --server URL} against a service in this JVM: the same progress,
 * summary and exit codes as a local deploy, the token from {@code FLOTILLA_TOKEN} or the token
 * file, and Ctrl-C detaching.
 */
class DeployOnServerTest {

  private static final String TOKEN = "cli-test-token-0123456789-abcdefghijklmnopq";
  private static final Map<String, String> WITH_TOKEN = Map.of(ServiceAuth.TOKEN_VARIABLE, TOKEN);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Three targets, a plain step, a rolling step with two children and a step on the engine. */
  private static final String PLAN =
      """
      name: %s
      seed: 7
      targets:
        - { name: "web-{1..3}", roles: [web] }
      steps:
        - name: Deploy web
          roles: [web]
          action: { type: simulate, duration: %s%s }
        - name: Restart
          roles: [web]
          rolling: { windowSize: 2 }
          children:
            - { name: Drain, action: { type: simulate, duration: 5ms } }
            - { name: Start, action: { type: simulate, duration: 5ms } }
        - name: Notify
          runOnServer: true
          condition: always
          action: { type: script, run: "echo notified" }
      """;

  private static final String BROKEN =
      """
      name: broken
      targets:
        - { name: web-1, roles: [web] }
      steps:
        - name: Deploy
          roles: [web]
          startTrigger: withPrevious
          timeout: soon
          action: { type: simulate, duration: 1s }
      """;

  /** A duration printed in the summary (Durations.format), which differs from run to run. */
  private static final Pattern DURATION =
      Pattern.compile("\\b\\d+(\\.\\d+)?(ms|s)\\b|\\b\\d+m\\d{2}s\\b");

  @TempDir static Path dir;

  private static DeploymentService service;
  private static String url;

  @BeforeAll
  static void start() throws Exception {
    service =
        DeploymentService.start(
            DeploymentService.Options.inMemory(0, 1.0, ServiceAuth.token(TOKEN)));
    url = service.uri().toString();
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void aSucceedingPlanExitsZeroWithTheSameSummaryAsALocalDeploy() throws IOException {
    // Proves exit 0, the live progress lines, and a summary equal to the local one but for times.
    Path plan = write("same.yaml", PLAN.formatted("same-summary", "20ms", ""));

    CliRun remote =
        CliRun.with(WITH_TOKEN, InterruptSignal.NONE, "deploy", plan.toString(), "--server", url);
    CliRun local = CliRun.of("deploy", plan.toString(), "--in-memory");

    assertThat(remote.exitCode()).as(remote.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(local.exitCode()).as(local.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(remote.out())
        .contains("Deploying same-summary (deployment ")
        .contains("Node: " + url)
        .contains("started    Deploy web")
        .contains("[Notify/engine] notified")
        .contains("Deployment  same-summary SUCCEEDED");
    assertThat(summary(remote.out())).isEqualTo(summary(local.out()));
  }

  @Test
  void aFailingPlanExitsOneAndStillWritesTheServersTimeline() throws IOException {
    // Proves exit 1 for a failed deployment, its failure shown, and --timeline-json written.
    Path plan = write("failing.yaml", PLAN.formatted("failing", "20ms", ", failOn: [web-2]"));
    Path timeline = dir.resolve("failing.json");

    CliRun run =
        CliRun.with(
            WITH_TOKEN,
            InterruptSignal.NONE,
            "deploy",
            plan.toString(),
            "--server",
            url,
            "--timeline-json",
            timeline.toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(run.out())
        .contains("failed     Deploy web on web-2: simulated failure on web-2")
        .contains("Deployment  failing FAILED");
    assertThat(JSON.readTree(timeline.toFile()).path("status").asText()).isEqualTo("FAILED");
  }

  @Test
  void aBadPlanExitsTwoWithTheServersProblemsPrintedAsALocalDeployPrintsThem() throws IOException {
    // Proves the server's 400 is shown line for line as the local check shows it; nothing runs.
    Path plan = write("plan.yaml", BROKEN);

    CliRun remote =
        CliRun.with(WITH_TOKEN, InterruptSignal.NONE, "deploy", plan.toString(), "--server", url);
    CliRun local = CliRun.of("deploy", plan.toString(), "--in-memory");

    assertThat(remote.exitCode()).as(remote.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(remote.err())
        .contains("plan.yaml:7: step \"Deploy\": startTrigger")
        .contains("plan.yaml:8: step \"Deploy\": timeout")
        .isEqualTo(local.err());
    assertThat(remote.out()).isEmpty();
  }

  @Test
  void aServiceThatIsNotThereExitsTwoNamingTheUrl() throws Exception {
    // Proves connection refused is invalid input that names the URL, not a stack trace.
    String gone;
    try (DeploymentService stopped =
        DeploymentService.start(DeploymentService.Options.inMemory(0, 1.0, ServiceAuth.none()))) {
      gone = stopped.uri().toString();
    }
    Path plan = write("nowhere.yaml", PLAN.formatted("nowhere", "20ms", ""));

    CliRun run =
        CliRun.with(WITH_TOKEN, InterruptSignal.NONE, "deploy", plan.toString(), "--server", gone);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err())
        .contains("cannot reach the service at " + gone + ": connection refused")
        .contains("nothing was started")
        .doesNotContain("Exception");
  }

  @Test
  void aWrongTokenExitsTwoSayingWhereTheTokenCameFromButNotWhatItIs() throws IOException {
    // Proves a 401 is invalid input, names the token's source, and never prints the token.
    String wrong = "wrong-token-0123456789-abcdefghijklmnopqrstu";
    Path plan = write("refused.yaml", PLAN.formatted("refused", "20ms", ""));

    CliRun run =
        CliRun.with(
            Map.of(ServiceAuth.TOKEN_VARIABLE, wrong),
            InterruptSignal.NONE,
            "deploy",
            plan.toString(),
            "--server",
            url);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err())
        .contains("refused the request (401)")
        .contains("the token of FLOTILLA_TOKEN")
        .doesNotContain(wrong);
  }

  @Test
  void theTokenFileServesWhenFlotillaTokenIsUnset() throws IOException {
    // Proves the client reads the node's token file (--token-file) without FLOTILLA_TOKEN.
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    Path plan = write("from-file.yaml", PLAN.formatted("from-file", "1ms", ""));

    CliRun run =
        CliRun.with(
            Map.of(),
            InterruptSignal.NONE,
            "deploy",
            plan.toString(),
            "--server",
            url,
            "--token-file",
            tokenFile.toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
  }

  @Test
  void ctrlCDetachesAndTheDeploymentKeepsRunningOnTheNode() throws Exception {
    // Proves the --server Ctrl-C: exit 1, the summary as it stood, and the node still runs it.
    Path plan = write("detached.yaml", PLAN.formatted("detached", "10m", ""));
    CompletableFuture<Integer> interruptExitCode = new CompletableFuture<>();
    InterruptSignal interruptAtOnce =
        handler -> {
          new Thread(() -> interruptExitCode.complete(handler.onInterrupt()), "test-interrupt")
              .start();
          return () -> {};
        };

    CliRun run =
        CliRun.with(WITH_TOKEN, interruptAtOnce, "deploy", plan.toString(), "--server", url);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(interruptExitCode.join()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(run.err())
        .contains("interrupted (Ctrl-C): detaching; the service keeps running the deployment")
        .contains(" keeps running on " + url);
    Matcher id = Pattern.compile("Deploying detached \\(deployment (\\S+)\\)").matcher(run.out());
    assertThat(id.find()).as(run.out()).isTrue();
    HttpResponse<String> timeline =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url + "deployments/" + id.group(1)))
                    .header("Authorization", "Bearer " + TOKEN)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(JSON.readTree(timeline.body()).path("status").asText()).isIn("RUNNING", "QUEUED");
    HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url + "deployments/" + id.group(1) + "/cancel"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** The summary, from its header row on, with its times (which differ per run) masked. */
  private static String summary(String out) {
    String table = out.substring(out.indexOf("\nStep "));
    return DURATION
        .matcher(table)
        .replaceAll("T")
        .replaceAll("= \\d+\\.\\d+", "= R")
        .replaceAll("Id {10}\\S+", "Id ID")
        .replaceAll("[ \\t]+", " ");
  }

  private static Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }
}
