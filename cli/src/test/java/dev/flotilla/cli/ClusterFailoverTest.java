package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.persistence.testing.LoopbackPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code flotilla node} JVMs on the loopback PostgreSQL (skipped without it, failed under CI),
 * killed with SIGKILL and stopped with SIGTERM while they run deployments. The plans' scripts
 * append to two files: {@code began} when an attempt starts and the {@code ledger} ({@code start
 * end target step attempt deployment node-pid}, times in epoch nanoseconds) when it ran to its end;
 * while it runs it writes the time to a file of its own every tenth of a second. A script on target
 * {@code shared} (or {@code sig}) waits for a gate file the test creates, so the test decides when
 * its attempt may end. From those files, the replayed timelines ({@code flotilla replay
 * --journal-url}) and the kill times, the test checks what the cluster promises: every deployment
 * completes, nothing recorded as finished runs again, never two actions on one target at once,
 * never more deployments running than the cap.
 *
 * <p>The nodes ({@link NodeCluster}, logs under {@code target/cluster-nodes/ClusterFailoverTest/})
 * are started once for the class, four of them so that after two kills a majority remains for the
 * Split Brain Resolver (keep-majority); the SIGTERM test runs after the kills on the nodes left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailoverTest {

  private static final int CAP = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An attempt that started ({@code began}); {@code start} in epoch nanoseconds. */
  private record Began(long start, String target, String step, int attempt, String id, long pid) {
    String key() {
      return id + " " + step + " on " + target + " #" + attempt;
    }
  }

  /** An attempt whose script ran to its end (the ledger). */
  private record Entry(
      long start, long end, String target, String step, int attempt, String id, long pid) {
    String key() {
      return id + " " + step + " on " + target + " #" + attempt;
    }
  }

  private Path dir;
  private String url;
  private NodeCluster cluster;
  private final HttpClient http = HttpClient.newHttpClient();

  /**
   * When each node killed with SIGKILL was gone, its scripts with it (epoch nanoseconds), by pid:
   * the latest an attempt it ran can have ended.
   */
  private final Map<Long, Long> killedAt = new HashMap<>();

  @BeforeAll
  void startNodes() throws Exception {
    LoopbackPostgres postgres = LoopbackPostgres.get();
    url = postgres.urlWithCredentials(postgres.newJournal());
    cluster =
        NodeCluster.start(
            "ClusterFailoverTest",
            url,
            "flotilla.max-deployments = "
                + CAP
                + "\n"
                // Guards' leftover checks often enough for the test's time budget.
                + "flotilla.cluster.guard-check-interval = 3s\n",
            4);
    dir = cluster.directory();
    Files.writeString(dir.resolve("action.sh"), action(dir));
    Files.createFile(dir.resolve("began"));
    Files.createFile(dir.resolve("ledger"));
    Files.createDirectories(dir.resolve("alive"));
  }

  @AfterAll
  void stopNodes() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void killingTheGuardHolderAndThenTheOldestNodeLosesNoDeploymentAndRunsNothingTwice()
      throws Exception {
    assertThat(cluster.alive()).as("the class's four nodes").hasSize(4);
    URI first = cluster.alive().get(0).uri();
    // alpha and beta both start on target 'shared': one holds its guard (its script waits for the
    // gate), the other waits for it; gamma waits for a slot (cap 2).
    String alpha = submit(first, plan("alpha", "shared", "a1", "a2"));
    String beta = submit(cluster.alive().get(1).uri(), plan("beta", "shared", "b1", "b2"));
    String gamma = submit(cluster.alive().get(2).uri(), plan("gamma", "c1", "c2"));
    List<String> ids = List.of(alpha, beta, gamma);

    // (i) + (iii): kill the node whose execution holds 'shared' while the other deployment waits.
    Began[] holder = new Began[1];
    cluster.awaitTrue(
        () -> {
          holder[0] =
              began().stream().filter(b -> b.target().equals("shared")).findFirst().orElse(null);
          if (holder[0] == null) {
            return false;
          }
          String waiter = holder[0].id().equals(alpha) ? beta : alpha;
          JsonNode timeline = timeline(first, waiter);
          if (timeline == null) {
            return false;
          }
          for (JsonNode execution : timeline.path("executions")) {
            if (execution.path("target").asText().equals("shared")
                && execution.path("status").asText().equals("WAITING")) {
              return true;
            }
          }
          return false;
        },
        "one deployment holds 'shared' while the other waits for it");
    NodeCluster.Node guardHolder = cluster.byPid(holder[0].pid());
    kill(guardHolder);
    Files.createFile(dir.resolve("gate-shared"));

    // (ii): once the cluster has removed it, kill the oldest node (the shard coordinator's).
    cluster.awaitMembers(cluster.alive());
    NodeCluster.Node oldest = cluster.oldest();
    kill(oldest);

    URI survivor = cluster.alive().get(0).uri();
    Map<String, JsonNode> live = new LinkedHashMap<>();
    for (String id : ids) {
      live.put(id, awaitFinished(survivor, id));
    }
    for (JsonNode timeline : live.values()) {
      assertThat(timeline.path("status").asText()).as(timeline.toString()).isEqualTo("SUCCEEDED");
    }
    Map<String, JsonNode> replayed = replay(ids);
    checkLedger(replayed);
    // The execution the kill cut short was recorded INTERRUPTED and run again.
    assertThat(executions(replayed.get(holder[0].id())))
        .anySatisfy(
            e -> {
              assertThat(e.path("target").asText()).isEqualTo("shared");
              assertThat(e.path("status").asText()).isEqualTo("INTERRUPTED");
            });
    assertCapKept(replayed.values());
    assertThat(guardHolder.readLog() + oldest.readLog())
        .as("the killed nodes logged their membership")
        .contains("Cluster members: ");
  }

  @Test
  @Order(2)
  void sigtermToTheNodeRunningADeploymentExitsZeroAndTheDeploymentFinishesOnAnotherNode()
      throws Exception {
    assertThat(cluster.alive()).as("nodes left for the hand-over").hasSizeGreaterThanOrEqualTo(2);
    String id = submit(cluster.alive().get(0).uri(), plan("delta", "sig", "d1"));
    Began[] running = new Began[1];
    cluster.awaitTrue(
        () -> {
          running[0] =
              began().stream()
                  .filter(b -> b.id().equals(id) && b.target().equals("sig"))
                  .findFirst()
                  .orElse(null);
          return running[0] != null;
        },
        "delta runs on 'sig'");
    NodeCluster.Node node = cluster.byPid(running[0].pid());
    node.process().terminate();
    int exit = node.process().await(NodeCluster.PATIENCE);
    assertThat(exit).as(node.process().toString()).isZero();
    assertThat(node.process().out()).contains("left the cluster");
    Files.createFile(dir.resolve("gate-sig"));

    URI other = cluster.alive().get(0).uri();
    JsonNode timeline = awaitFinished(other, id);
    assertThat(timeline.path("status").asText()).as(timeline.toString()).isEqualTo("SUCCEEDED");
    Map<String, JsonNode> replayed = replay(List.of(id));
    checkLedger(replayed);
    // Another node ran 'sig' to its end.
    assertThat(ledger())
        .anySatisfy(
            entry -> {
              assertThat(entry.id()).isEqualTo(id);
              assertThat(entry.target()).isEqualTo("sig");
              assertThat(entry.pid()).isNotEqualTo(node.pid());
            });
  }

  /**
   * Checks the ledger and the began file against the replayed timelines of {@code replayed}: each
   * attempt began at most once; every attempt recorded SUCCEEDED ran to its end exactly once,
   * within its recorded start and end; an attempt that ran to its end is recorded SUCCEEDED, or
   * INTERRUPTED when its node died before it could record it; nothing ran after a success of the
   * same execution; never two attempts on one target at once (an attempt cut short by a kill counts
   * as running until its node was gone).
   */
  private void checkLedger(Map<String, JsonNode> replayed) {
    List<Began> began = began().stream().filter(b -> replayed.containsKey(b.id())).toList();
    List<Entry> ledger = ledger().stream().filter(e -> replayed.containsKey(e.id())).toList();
    Map<String, Began> beganByKey = new HashMap<>();
    for (Began attempt : began) {
      assertThat(beganByKey.put(attempt.key(), attempt))
          .as("%s began twice", attempt.key())
          .isNull();
    }
    Map<String, Entry> endedByKey = new HashMap<>();
    for (Entry entry : ledger) {
      assertThat(endedByKey.put(entry.key(), entry)).as("%s ended twice", entry.key()).isNull();
    }
    Map<String, Integer> succeeded = new HashMap<>();
    Map<String, Integer> lastAttempt = new HashMap<>();
    for (Map.Entry<String, JsonNode> deployment : replayed.entrySet()) {
      Instant origin = Instant.parse(deployment.getValue().path("startedAt").asText());
      for (JsonNode execution : executions(deployment.getValue())) {
        String action =
            deployment.getKey()
                + " "
                + execution.path("step").asText()
                + " on "
                + execution.path("target").asText();
        String key = action + " #" + execution.path("attempt").asInt();
        String status = execution.path("status").asText();
        lastAttempt.merge(action, execution.path("attempt").asInt(), Math::max);
        Entry entry = endedByKey.get(key);
        if (status.equals("SUCCEEDED")) {
          succeeded.merge(action, 1, Integer::sum);
          assertThat(entry)
              .as("%s is recorded SUCCEEDED but its script never ended", key)
              .isNotNull();
          long startNanos = nanos(origin, execution.path("startMs").asDouble());
          long endNanos = nanos(origin, execution.path("endMs").asDouble());
          long slack = 50_000_000L;
          assertThat(entry.start())
              .as("%s began within its record", key)
              .isBetween(startNanos - slack, endNanos + slack);
          assertThat(entry.end())
              .as("%s ended within its record", key)
              .isBetween(startNanos - slack, endNanos + slack);
        } else if (entry != null) {
          assertThat(status).as("%s ran to its end", key).isEqualTo("INTERRUPTED");
        }
        if (!status.equals("INTERRUPTED") && !status.equals("SUCCEEDED")) {
          throw new AssertionError(key + " is " + status + " in " + deployment.getValue());
        }
      }
    }
    assertThat(succeeded)
        .as("every execution succeeded exactly once")
        .allSatisfy((action, count) -> assertThat(count).as(action).isOne());
    for (Began attempt : began) {
      String action = attempt.id() + " " + attempt.step() + " on " + attempt.target();
      assertThat(lastAttempt).as("%s is in its timeline", attempt.key()).containsKey(action);
      assertThat(attempt.attempt())
          .as("%s began after the last recorded attempt", attempt.key())
          .isLessThanOrEqualTo(lastAttempt.get(action));
    }
    for (Entry entry : ledger) {
      assertThat(beganByKey).as("%s ended without beginning", entry.key()).containsKey(entry.key());
    }
    // Never two attempts on one target at once: each runs from its start to its end; cut short, to
    // the moment its node was killed (SIGKILL), or else (stopped by its node) to the last time it
    // was seen alive: had it gone on, it would have written the time again every tenth of a second.
    Map<String, List<long[]>> byTarget = new HashMap<>();
    for (Began attempt : began) {
      Entry entry = endedByKey.get(attempt.key());
      Long end =
          entry != null
              ? Long.valueOf(entry.end())
              : killedAt.containsKey(attempt.pid())
                  ? killedAt.get(attempt.pid())
                  : lastAlive(attempt);
      assertThat(end).as("%s neither ended nor was its node stopped", attempt.key()).isNotNull();
      byTarget
          .computeIfAbsent(attempt.target(), t -> new ArrayList<>())
          .add(new long[] {attempt.start(), end});
    }
    for (Map.Entry<String, List<long[]>> target : byTarget.entrySet()) {
      List<long[]> spans = target.getValue();
      spans.sort(Comparator.comparingLong(span -> span[0]));
      for (int i = 1; i < spans.size(); i++) {
        assertThat(spans.get(i)[0])
            .as("two attempts at once on %s", target.getKey())
            .isGreaterThanOrEqualTo(spans.get(i - 1)[1]);
      }
    }
  }

  /** Never more than the cap of deployments between their start and their end. */
  private static void assertCapKept(Iterable<JsonNode> timelines) {
    List<long[]> spans = new ArrayList<>();
    for (JsonNode timeline : timelines) {
      Instant origin = Instant.parse(timeline.path("startedAt").asText());
      spans.add(
          new long[] {
            nanos(origin, timeline.path("startMs").asDouble()),
            nanos(origin, timeline.path("endMs").asDouble())
          });
    }
    for (long[] span : spans) {
      long running =
          spans.stream().filter(other -> other[0] <= span[0] && span[0] < other[1]).count();
      assertThat(running).as("deployments running at once").isLessThanOrEqualTo(CAP);
    }
  }

  private static long nanos(Instant origin, double millis) {
    return origin.getEpochSecond() * 1_000_000_000L
        + origin.getNano()
        + Math.round(millis * 1_000_000.0);
  }

  /** SIGKILL to the node and its scripts; remembers when they were gone. */
  private void kill(NodeCluster.Node node) throws InterruptedException {
    node.process().kill();
    killedAt.put(node.pid(), System.currentTimeMillis() * 1_000_000L);
  }

  /** Replays each deployment from the journal, as {@code flotilla replay --journal-url} does. */
  private Map<String, JsonNode> replay(List<String> ids) throws IOException {
    Map<String, JsonNode> replayed = new LinkedHashMap<>();
    for (String id : ids) {
      Path json = dir.resolve("replay-" + id + ".json");
      CliRun run =
          CliRun.of("replay", id, "--journal-url", url, "--timeline-json", json.toString());
      assertThat(run.exitCode()).as(run.toString()).isZero();
      replayed.put(id, JSON.readTree(json.toFile()));
    }
    return replayed;
  }

  private static List<JsonNode> executions(JsonNode timeline) {
    List<JsonNode> executions = new ArrayList<>();
    timeline.path("executions").forEach(executions::add);
    return executions;
  }

  /**
   * The action of every step: records its start; works for half a second, or on targets 'shared'
   * and 'sig' until the test creates their gate, writing the time to its own file in {@code alive/}
   * every tenth of a second; records its end. Sourced by the shell the node starts, so $PPID is the
   * node.
   */
  private static String action(Path dir) {
    return "b=$(date +%s%N)\n"
        + "key=\"$FLOTILLA_TARGET $FLOTILLA_STEP $FLOTILLA_ATTEMPT $FLOTILLA_DEPLOYMENT\"\n"
        + "echo \"$b $key $PPID\" >> "
        + dir.resolve("began")
        + "\n"
        + "alive=\""
        + dir.resolve("alive")
        + "/$FLOTILLA_DEPLOYMENT.$FLOTILLA_STEP.$FLOTILLA_TARGET.$FLOTILLA_ATTEMPT\"\n"
        + "n=0\n"
        + "while [ $n -lt 5 ]; do\n"
        + "  date +%s%N > \"$alive\"\n"
        + "  case \"$FLOTILLA_TARGET\" in\n"
        + "    shared|sig) [ -e "
        + dir.resolve("gate-")
        + "$FLOTILLA_TARGET ] && n=$((n + 1)) ;;\n"
        + "    *) n=$((n + 1)) ;;\n"
        + "  esac\n"
        + "  sleep 0.1\n"
        + "done\n"
        + "echo \"$b $(date +%s%N) $key $PPID\" >> "
        + dir.resolve("ledger")
        + "\n";
  }

  /**
   * When an attempt that never reached its end was last seen alive: the latest of its start, the
   * last time it wrote to its file and that file's last modification (a script stopped while it
   * writes leaves the file empty, truncated while it was alive).
   */
  private Long lastAlive(Began attempt) {
    Path file =
        dir.resolve("alive")
            .resolve(
                attempt.id()
                    + "."
                    + attempt.step()
                    + "."
                    + attempt.target()
                    + "."
                    + attempt.attempt());
    long seen = attempt.start();
    try {
      if (Files.exists(file)) {
        seen = Math.max(seen, Files.getLastModifiedTime(file).to(TimeUnit.NANOSECONDS));
        String text = Files.readString(file).trim();
        if (!text.isEmpty()) {
          seen = Math.max(seen, Long.parseLong(text));
        }
      }
      return seen;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Two steps over the targets, two at a time, the first target first. */
  private String plan(String name, String... targets) {
    StringBuilder plan = new StringBuilder("name: " + name + "\nmaxParallelism: 2\ntargets:\n");
    for (String target : targets) {
      plan.append("  - { name: ").append(target).append(", roles: [app] }\n");
    }
    String action = "{ type: script, run: '. " + dir.resolve("action.sh") + "' }";
    plan.append("steps:\n")
        .append("  - { name: first, roles: [app], action: ")
        .append(action)
        .append(" }\n")
        .append("  - { name: second, roles: [app], action: ")
        .append(action)
        .append(" }\n");
    return plan.toString();
  }

  private List<Began> began() {
    List<Began> began = new ArrayList<>();
    for (String[] fields : lines(dir.resolve("began"), 6)) {
      began.add(
          new Began(
              Long.parseLong(fields[0]),
              fields[1],
              fields[2],
              Integer.parseInt(fields[3]),
              fields[4],
              Long.parseLong(fields[5])));
    }
    return began;
  }

  private List<Entry> ledger() {
    List<Entry> entries = new ArrayList<>();
    for (String[] fields : lines(dir.resolve("ledger"), 7)) {
      entries.add(
          new Entry(
              Long.parseLong(fields[0]),
              Long.parseLong(fields[1]),
              fields[2],
              fields[3],
              Integer.parseInt(fields[4]),
              fields[5],
              Long.parseLong(fields[6])));
    }
    return entries;
  }

  /** The complete lines of a file the scripts append to (a line being written is left out). */
  private static List<String[]> lines(Path file, int fields) {
    try {
      List<String[]> lines = new ArrayList<>();
      String text = Files.readString(file);
      int end = text.lastIndexOf('\n');
      if (end < 0) {
        return lines;
      }
      for (String line : text.substring(0, end).split("\n")) {
        String[] split = line.trim().split(" ");
        if (split.length != fields) {
          throw new AssertionError("malformed line in " + file + ": " + line);
        }
        lines.add(split);
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String submit(URI node, String plan) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(node.resolve("deployments"))
                .timeout(NodeCluster.PATIENCE)
                .POST(HttpRequest.BodyPublishers.ofString(plan))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return JSON.readTree(response.body()).path("id").asText();
  }

  /** The timeline as the node answers it now, or null when it does not (yet). */
  private JsonNode timeline(URI node, String id) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(node.resolve("deployments/" + id))
                  .timeout(NodeCluster.PATIENCE)
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private JsonNode awaitFinished(URI node, String id) throws InterruptedException {
    JsonNode[] timeline = new JsonNode[1];
    cluster.awaitTrue(
        () -> {
          timeline[0] = timeline(node, id);
          return timeline[0] != null && timeline[0].path("endMs").isNumber();
        },
        "deployment " + id + " finished");
    return timeline[0];
  }
}
