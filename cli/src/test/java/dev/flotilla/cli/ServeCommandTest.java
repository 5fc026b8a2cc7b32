package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.server.ServiceAuth;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flotilla serve}: runs the service until the signal, then says how it stopped. */
class ServeCommandTest {

  /** The token the services of these tests take from FLOTILLA_TOKEN. */
  static final String TOKEN = "serve-test-token-0123456789-abcdefghijklmnop";

  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final Pattern LISTENING =
      Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+/)");
  private static final String LONG =
      """
      name: serve-long
      targets: [{ name: db-1, roles: [db] }]
      steps:
        - { name: Migrate, roles: [db], action: { type: simulate, duration: 1h } }
      """;

  @TempDir Path dir;

  @Test
  void stopSaysItStopsThatARunningDeploymentIsForgottenInMemoryAndThatItStopped() throws Exception {
    // Proves a stopped service says so, names the deployment it cut short and what became of it.
    Served served = serve("--port", "0");
    String id = served.submit(LONG);

    String printed = served.stop();

    assertThat(printed)
        .contains("flotilla serve: stopping")
        .contains("flotilla serve: 1 deployment was still running: " + id + " (serve-long, ")
        .contains("in memory, it is forgotten")
        .endsWith("flotilla serve: stopped" + System.lineSeparator());
  }

  @Test
  void stopWithAJournalSaysTheDeploymentResumesAtTheNextStart() throws Exception {
    // Proves the durable variant: the unfinished deployment is kept, and the command that resumes
    // it is named.
    Path journal = dir.resolve("journal");
    Served served = serve("--port", "0", "--journal", journal.toString());
    String id = served.submit(LONG);

    String printed = served.stop();

    assertThat(printed)
        .contains("1 deployment was still running: " + id)
        .contains(
            "the journal keeps it: it resumes when 'flotilla serve --journal "
                + journal
                + "' starts again")
        .contains("flotilla serve: stopped");
  }

  @Test
  void stopWithNothingRunningSaysSo() throws Exception {
    // Proves an idle service's stop still reports, rather than going silent.
    Served served = serve("--port", "0");

    assertThat(served.stop())
        .contains("flotilla serve: no deployment was running")
        .contains("flotilla serve: stopped");
  }

  /**
   * Starts {@code flotilla serve} on a thread of its own and returns once it has registered for the
   * signal.
   */
  private static Served serve(String... args) throws Exception {
    return run("serve", Map.of(ServiceAuth.TOKEN_VARIABLE, TOKEN), args);
  }

  /** Starts {@code flotilla COMMAND ARGS} so, with {@code environment} as its environment. */
  static Served run(String name, Map<String, String> environment, String... args) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<InterruptSignal.Handler> handler = new CompletableFuture<>();
    InterruptSignal signal =
        registered -> {
          handler.complete(registered);
          return () -> {};
        };
    String[] command = new String[args.length + 1];
    command[0] = name;
    System.arraycopy(args, 0, command, 1, args.length);
    CompletableFuture<Integer> exitCode =
        CompletableFuture.supplyAsync(
            () ->
                FlotillaCli.run(
                    command,
                    new PrintWriter(out, true),
                    new PrintWriter(err, true),
                    signal,
                    environment));
    // The command registers for the signal once it listens and has printed where.
    CompletableFuture.anyOf(handler, exitCode).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    assertThat(handler).as("serve should be running; stdout: %s stderr: %s", out, err).isDone();
    Matcher listening = LISTENING.matcher(out.toString());
    assertThat(listening.find()).as(out.toString()).isTrue();
    return new Served(URI.create(listening.group(1)), handler.join(), exitCode, out, err);
  }

  record Served(
      URI uri,
      InterruptSignal.Handler handler,
      CompletableFuture<Integer> exitCode,
      StringWriter out,
      StringWriter err) {

    String submit(String plan) throws Exception {
      return submit(plan, TOKEN);
    }

    String submit(String plan, String token) throws Exception {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(uri.resolve("deployments"))
                      .header("Authorization", "Bearer " + token)
                      .timeout(PATIENCE)
                      .POST(HttpRequest.BodyPublishers.ofString(plan))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
      return new ObjectMapper().readTree(response.body()).path("id").asText();
    }

    /** Fires the signal as Ctrl-C would; returns what the command printed once it has ended. */
    String stop() throws Exception {
      assertThat(handler.onInterrupt()).isEqualTo(FlotillaCli.SUCCEEDED);
      assertThat(exitCode.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
          .as("stderr: %s", err)
          .isEqualTo(FlotillaCli.SUCCEEDED);
      return out.toString();
    }
  }
}
