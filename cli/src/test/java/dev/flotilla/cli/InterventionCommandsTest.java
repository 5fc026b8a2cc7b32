package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.InterventionRaised;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.server.DeploymentService;
import dev.flotilla.server.ServiceAuth;
import java.io.BufferedReader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interventions from the command line: a deploy nobody could answer is refused, 'flotilla
 * interventions' and 'flotilla intervene' answer over a running service, and the interactive prompt
 * answers what a person types.
 */
class InterventionCommandsTest {

  private static final String GUIDED =
      """
      name: guided-cli
      guidedFailure: true
      targets: [{ name: "web-{1..2}", roles: [web] }]
      steps:
        - { name: Deploy, roles: [web], action: { type: simulate, duration: 1ms, failOn: [web-2] } }
        - { name: Approve, action: { type: manual, instructions: "Check staging" } }
      """;

  private static final String TOKEN = "cli-test-token-0123456789-abcdefghijklmnopq";

  @TempDir Path dir;

  @Test
  void aDeployNobodyCouldAnswerIsRefusedAtStartWithTheReason() throws Exception {
    // Proves a plan with guided failure or a manual step does not start outside a terminal
    // (exit 2, saying why and what to do), and turning guided failure off lets a plan run.
    Path plan = dir.resolve("guided.yaml");
    Files.writeString(plan, GUIDED);

    CliRun refused = CliRun.of("deploy", plan.toString(), "--in-memory");

    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(refused.err())
        .contains("may wait for a person")
        .contains("guided failure")
        .contains("manual step \"Approve\"")
        .contains("not interactive")
        .contains("flotilla intervene --server URL ID N DECISION");
    assertThat(refused.out()).doesNotContain("Deploying");

    Path unguided = dir.resolve("unguided.yaml");
    Files.writeString(
        unguided,
        GUIDED.replace(
            "  - { name: Approve, action: { type: manual, instructions: \"Check staging\" } }\n",
            ""));
    CliRun off =
        CliRun.of(
            "deploy",
            unguided.toString(),
            "--in-memory",
            "--set",
            "Octopus.UseGuidedFailure=false");
    assertThat(off.exitCode()).as(off.toString()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
  }

  @Test
  void interventionsAreListedAndAnsweredAgainstARunningService() throws Exception {
    // Proves the listing shows the exact command, intervene answers (0), a second answer is
    // refused (1), a decision not allowed is invalid input (2), and both commands send the node's
    // token from the token file or FLOTILLA_TOKEN, as deploy --server does.
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    Path wrongFile = dir.resolve("wrong-token");
    Files.writeString(wrongFile, "wrong-token-0123456789-abcdefghijklmnopqrstu\n");
    Map<String, String> withToken = Map.of(ServiceAuth.TOKEN_VARIABLE, TOKEN);
    try (DeploymentService service =
        DeploymentService.start(
            DeploymentService.Options.inMemory(0, 1.0, ServiceAuth.token(TOKEN)),
            ConfigFactory.load())) {
      String url = service.uri().toString();
      HttpResponse<String> submitted =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(url).resolve("/deployments"))
                      .header("Authorization", "Bearer " + TOKEN)
                      .POST(HttpRequest.BodyPublishers.ofString(GUIDED))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
      String id =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(submitted.body())
              .path("id")
              .asText();

      CliRun refused =
          CliRun.of("interventions", "--server", url, "--token-file", wrongFile.toString());
      assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
      assertThat(refused.err()).contains("401").contains("the token file " + wrongFile);

      CliRun listed = awaitListing(url, tokenFile, id, "intervention 1");
      assertThat(listed.out())
          .contains("step \"Deploy\" on web-2, attempt 1")
          .contains("allowed: retry, ignore, exclude, fail")
          .contains(
              "flotilla intervene --server " + url + " " + id + " 1 retry|ignore|exclude|fail");

      CliRun ignored =
          CliRun.with(
              withToken,
              InterruptSignal.NONE,
              "intervene",
              "--server",
              url,
              id,
              "1",
              "ignore",
              "--note",
              "known flaky");
      assertThat(ignored.exitCode()).as(ignored.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
      CliRun again =
          CliRun.with(
              withToken, InterruptSignal.NONE, "intervene", "--server", url, id, "1", "fail");
      assertThat(again.exitCode()).as(again.toString()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
      assertThat(again.err()).contains("already answered");

      CliRun manual = awaitListing(url, tokenFile, null, "intervention 2");
      assertThat(manual.out()).contains("manual step \"Approve\"");
      CliRun wrong =
          CliRun.with(
              withToken, InterruptSignal.NONE, "intervene", "--server", url, id, "2", "retry");
      assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
      assertThat(wrong.err()).contains("allowed: proceed, abort");
      assertThat(
              CliRun.of(
                      "intervene",
                      "--server",
                      url,
                      "--token-file",
                      tokenFile.toString(),
                      id,
                      "2",
                      "proceed")
                  .exitCode())
          .isEqualTo(FlotillaCli.SUCCEEDED);
    }
  }

  @Test
  void anUnreachableServiceIsInvalidInputSayingWhere() {
    // Proves a wrong --server fails fast with the address it tried.
    CliRun run = CliRun.of("interventions", "--server", "http://127.0.0.1:1");
    assertThat(run.exitCode()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("cannot reach the service at http://127.0.0.1:1");
  }

  @Test
  void thePromptAnswersWhatAPersonTypes() throws Exception {
    // Proves "i known flaky" answers the one waiting intervention, a bad word is explained, and
    // the deployment goes on.
    try (Flotilla engine = Flotilla.start(EngineSettings.fromConfig(ConfigFactory.load()))) {
      DeploymentPlan plan =
          new PlanLoader(engine.settings().actionTypes())
              .parse(
                  GUIDED.replace(
                      "  - { name: Approve, action: { type: manual, instructions: \"Check staging\" } }\n",
                      ""),
                  "guided.yaml",
                  Map.of());
      CompletableFuture<InterventionRaised> raised = new CompletableFuture<>();
      DeploymentHandle handle =
          engine.submit(
              plan,
              new DeploymentListener() {
                @Override
                public void onEvent(DeploymentEvent event) {
                  if (event instanceof InterventionRaised intervention) {
                    raised.complete(intervention);
                  }
                }
              });
      assertThat(raised.get(20, TimeUnit.SECONDS).target()).isEqualTo("web-2");
      List<String> said = new CopyOnWriteArrayList<>();
      InterventionPrompt prompt =
          new InterventionPrompt(
              handle,
              new BufferedReader(new StringReader("")),
              (label, text) -> said.add(label + ": " + text),
              "alice");

      prompt.answer("maybe");
      prompt.answer("i known flaky");

      assertThat(said.get(0)).contains("\"maybe\" is not a decision");
      assertThat(said.get(1)).startsWith("answered: intervention 1: ignore recorded (by alice)");
      assertThat(handle.result().toCompletableFuture().get(20, TimeUnit.SECONDS).status())
          .isEqualTo(DeploymentStatus.SUCCEEDED);
      assertThat(InterventionPrompt.decision("x")).isNull();
      assertThat(InterventionPrompt.decision("E")).isEqualTo(InterventionDecision.EXCLUDE);
    }
  }

  /** Runs 'flotilla interventions' until its output shows {@code expected} (at most 20 s). */
  private static CliRun awaitListing(String url, Path tokenFile, String id, String expected)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      CliRun run =
          id == null
              ? CliRun.of("interventions", "--server", url, "--token-file", tokenFile.toString())
              : CliRun.of(
                  "interventions", "--server", url, "--token-file", tokenFile.toString(), id);
      assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
      if (run.out().contains(expected)) {
        return run;
      }
      assertThat(System.nanoTime()).as("%s within 20 s: %s", expected, run).isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
