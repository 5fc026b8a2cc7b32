package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.persistence.testing.LoopbackPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code flotilla node} JVMs on the loopback PostgreSQL (skipped without it, failed under
 * CI), the node running a deployment killed with SIGKILL: the deployment completes on the others,
 * no execution that had finished runs again, and no two actions overlap on a target, as the ledger
 * the plan's scripts append to shows.
 */
class ClusterFailoverTest {

  private static final Duration PATIENCE = Duration.ofSeconds(240);
  private static final Pattern LISTENING =
      Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+/)");
  @TempDir Path dir;

  /** One line of the ledger: an action that ran to its end. */
  private record Entry(long start, long end, String target, String step, int attempt, long node) {}

  @Test
  void killingTheNodeRunningADeploymentFinishesItElsewhereWithoutRedoingFinishedWork()
      throws Exception {
    String url = LoopbackPostgres.get().urlWithCredentials(LoopbackPostgres.get().newJournal());
    Path ledger = dir.resolve("ledger");
    Files.createFile(ledger);
    int[] clusterPorts = {freePort(), freePort(), freePort()};
    List<CliProcess> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        nodes.add(
            CliProcess.start(
                dir,
                "node" + i,
                "node",
                "--no-auth",
                "--http-port",
                String.valueOf(freePort()),
                "--cluster-port",
                String.valueOf(clusterPorts[i]),
                "--seed",
                "127.0.0.1:" + clusterPorts[0],
                "--seed",
                "127.0.0.1:" + clusterPorts[1],
                "--journal-url",
                url));
      }
      List<URI> uris = new ArrayList<>();
      for (CliProcess node : nodes) {
        awaitTrue(() -> LISTENING.matcher(node.out()).find(), "node listening", nodes);
        Matcher listening = LISTENING.matcher(node.out());
        assertThat(listening.find()).isTrue();
        uris.add(URI.create(listening.group(1)));
      }

      String id = submit(uris.get(0), plan(ledger));
      awaitTrue(() -> !entries(ledger).isEmpty(), "a first action finished", nodes);
      // A script's parent is the JVM of the node that runs its deployment.
      long pid = entries(ledger).get(0).node();
      int hosting = -1;
      for (int i = 0; i < nodes.size(); i++) {
        if (nodes.get(i).process().pid() == pid) {
          hosting = i;
        }
      }
      assertThat(hosting).as("the node of pid %s", pid).isNotNegative();
      List<Entry> beforeKill = entries(ledger);
      nodes.get(hosting).kill();

      URI survivor = uris.get((hosting + 1) % 3);
      JsonNode timeline = awaitFinished(survivor, id, nodes);

      assertThat(timeline.path("status").asText()).as(timeline.toString()).isEqualTo("SUCCEEDED");
      List<Entry> entries = entries(ledger);
      assertThat(entries).containsAll(beforeKill);
      // Each action succeeded exactly once in the journal, and no execution recorded as finished
      // ran again: an action that ran to its end in another attempt (a ledger line) is one the
      // journal had not recorded as finished when its node died.
      Map<String, String> recorded = new HashMap<>();
      Map<String, Integer> succeeded = new HashMap<>();
      for (JsonNode execution : timeline.path("executions")) {
        String action =
            execution.path("step").asText() + " on " + execution.path("target").asText();
        recorded.put(
            action + " #" + execution.path("attempt").asInt(), execution.path("status").asText());
        if (execution.path("status").asText().equals("SUCCEEDED")) {
          succeeded.merge(action, 1, Integer::sum);
        }
      }
      assertThat(succeeded).hasSize(12).allSatisfy((action, count) -> assertThat(count).isOne());
      Map<String, Integer> ran = new HashMap<>();
      for (Entry entry : entries) {
        ran.merge(entry.step() + " on " + entry.target() + " #" + entry.attempt(), 1, Integer::sum);
      }
      assertThat(ran).allSatisfy((execution, count) -> assertThat(count).as(execution).isOne());
      for (Entry entry : entries) {
        String execution = entry.step() + " on " + entry.target() + " #" + entry.attempt();
        assertThat(recorded).containsKey(execution);
        String action = entry.step() + " on " + entry.target();
        long later =
            recorded.keySet().stream()
                .filter(key -> key.startsWith(action + " #"))
                .filter(
                    key -> Integer.parseInt(key.substring(action.length() + 2)) > entry.attempt())
                .count();
        assertThat(later == 0 || !"SUCCEEDED".equals(recorded.get(execution)))
            .as("%s was recorded as finished and ran again: %s", execution, recorded)
            .isTrue();
      }
      // Never two actions on one target at once.
      Map<String, List<Entry>> byTarget = new HashMap<>();
      entries.forEach(
          entry -> byTarget.computeIfAbsent(entry.target(), t -> new ArrayList<>()).add(entry));
      for (List<Entry> onTarget : byTarget.values()) {
        onTarget.sort(Comparator.comparingLong(Entry::start));
        for (int i = 1; i < onTarget.size(); i++) {
          assertThat(onTarget.get(i).start())
              .as("%s after %s", onTarget.get(i), onTarget.get(i - 1))
              .isGreaterThanOrEqualTo(onTarget.get(i - 1).end());
        }
      }
    } finally {
      for (CliProcess node : nodes) {
        if (node.process().isAlive()) {
          node.process().destroy();
        }
      }
      for (CliProcess node : nodes) {
        if (node.process().isAlive()) {
          node.await(Duration.ofSeconds(60));
        }
      }
    }
  }

  /** Six targets, two steps, two at a time: each action appends its line to the ledger. */
  private static String plan(Path ledger) {
    String run =
        "s=$(date +%s%N); sleep 2; echo \"$s $(date +%s%N) $FLOTILLA_TARGET $FLOTILLA_STEP"
            + " $FLOTILLA_ATTEMPT $PPID\" >> "
            + ledger;
    return "name: failover\nmaxParallelism: 2\ntargets: [{ name: \"t{1..6}\", roles: [app] }]\n"
        + "steps:\n"
        + "  - { name: first, roles: [app], action: { type: script, run: '"
        + run
        + "' } }\n"
        + "  - { name: second, roles: [app], action: { type: script, run: '"
        + run
        + "' } }\n";
  }

  private static List<Entry> entries(Path ledger) {
    try {
      List<Entry> entries = new ArrayList<>();
      for (String line : Files.readAllLines(ledger)) {
        String[] fields = line.trim().split(" ");
        if (fields.length == 6) {
          entries.add(
              new Entry(
                  Long.parseLong(fields[0]),
                  Long.parseLong(fields[1]),
                  fields[2],
                  fields[3],
                  Integer.parseInt(fields[4]),
                  Long.parseLong(fields[5])));
        }
      }
      return entries;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String submit(URI node, String plan) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(node.resolve("deployments"))
                    .timeout(PATIENCE)
                    .POST(HttpRequest.BodyPublishers.ofString(plan))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return new ObjectMapper().readTree(response.body()).path("id").asText();
  }

  private static JsonNode awaitFinished(URI node, String id, List<CliProcess> nodes)
      throws Exception {
    JsonNode[] timeline = new JsonNode[1];
    awaitTrue(
        () -> {
          try {
            HttpResponse<String> response =
                HttpClient.newHttpClient()
                    .send(
                        HttpRequest.newBuilder(node.resolve("deployments/" + id))
                            .timeout(PATIENCE)
                            .GET()
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
              return false;
            }
            timeline[0] = new ObjectMapper().readTree(response.body());
            return timeline[0].path("endMs").isNumber();
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        },
        "deployment finished",
        nodes);
    return timeline[0];
  }

  /** Checks {@code condition} every 200 ms until it holds; fails with the nodes' output past it. */
  private static void awaitTrue(BooleanSupplier condition, String what, List<CliProcess> nodes)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(PATIENCE);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        StringBuilder output = new StringBuilder();
        nodes.forEach(node -> output.append(node).append('\n'));
        throw new AssertionError(what + ": not within " + PATIENCE + "\n" + output);
      }
      Thread.sleep(200);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
