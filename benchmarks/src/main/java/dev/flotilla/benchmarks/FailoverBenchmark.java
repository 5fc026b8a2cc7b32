package dev.flotilla.benchmarks;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.PostgresSchema;
import java.io.File;
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
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Failover time of a three-node cluster: {@code flotilla node} JVMs on one PostgreSQL journal run a
 * long deployment of one-second script actions, one at a time; the node running it is killed with
 * SIGKILL (its scripts with it), and the figure is the time from the kill to the start of the first
 * execution on another node (the resumed deployment's), over at least 5 kills, each on a cluster of
 * three nodes Up (a fresh node replaces the killed one in between). Reported next to the configured
 * detection (heartbeat interval + acceptable heartbeat pause) + {@code stable-after}; target: at
 * most that sum + 5 s. Each kill is broken down from the survivors' logs: unreachable, the
 * resolver's decision to down it, the deployment hosted again. Node settings can be tried with
 * {@code FLOTILLA_BENCHMARK_NODE_CONFIG=FILE} (HOCON, as {@code flotilla node --config} takes).
 * Run: {@code benchmarks/run --only failover}.
 */
final class FailoverBenchmark {

  private static final int NODES = 3;
  private static final int DEPLOYMENTS = 3;
  private static final int MIN_KILLS = 5;
  private static final double MARGIN_S = 5;
  private static final Duration PATIENCE = Duration.ofSeconds(240);
  private static final Pattern LISTENING =
      Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+/)");
  private static final Pattern MEMBERS = Pattern.compile("Cluster members: (.*)");
  private static final Pattern LOG_TIME = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d) ");
  private static final String OWN = "flotilla.cluster.own-system.pekko.cluster.";

  private FailoverBenchmark() {}

  /** One node JVM. */
  private record Node(int number, Process process, int port, Path log, Path out) {
    String address() {
      return "127.0.0.1:" + port;
    }
  }

  /** One kill: seconds after it until each milestone (NaN when a log did not show it). */
  private record Kill(
      double unreachableS,
      double downedS,
      double hostedS,
      double firstExecutionS,
      String node,
      boolean oldest) {}

  static void run(BenchmarkSuite suite) throws Exception {
    Report report = suite.report();
    int kills = suite.quick() ? 2 : Math.max(MIN_KILLS, suite.runs());
    Path dir = suite.newDirectory("failover-");
    String given = System.getenv("FLOTILLA_BENCHMARK_JOURNAL_URL");
    // A directory of its own: the script hands it to the postgres user, who cannot enter dir.
    Path database = given == null ? suite.newDirectory("postgres-") : null;
    List<Node> nodes = new ArrayList<>();
    try {
      String url = given != null ? given : PostgresJournalBenchmark.startCluster(database);
      PostgresSchema.init(DurableJournal.postgres(url, ConfigFactory.load()));
      Path config = dir.resolve("node.conf");
      String extra = System.getenv("FLOTILLA_BENCHMARK_NODE_CONFIG");
      Files.writeString(
          config,
          "flotilla.cluster.own-system.pekko.loglevel = INFO\n"
              + "jdbc-read-journal.refresh-interval = 100ms\n"
              + (extra != null ? Files.readString(Path.of(extra)) + "\n" : ""));
      Config settings = ConfigFactory.parseFile(config.toFile()).withFallback(ConfigFactory.load());
      double heartbeat = seconds(settings, OWN + "failure-detector.heartbeat-interval");
      double pause = seconds(settings, OWN + "failure-detector.acceptable-heartbeat-pause");
      double stableAfter = seconds(settings, OWN + "split-brain-resolver.stable-after");
      String margin =
          settings.hasPath(OWN + "down-removal-margin")
              ? settings.getString(OWN + "down-removal-margin")
              : "off";
      double configured = heartbeat + pause + stableAfter;
      Files.writeString(dir.resolve("logback-node.xml"), LOGBACK);
      Path began = dir.resolve("began");
      Files.createFile(began);

      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < NODES; i++) {
        ports.add(freePort());
      }
      List<String> seeds = List.of("127.0.0.1:" + ports.get(0), "127.0.0.1:" + ports.get(1));
      for (int port : ports) {
        nodes.add(start(dir, nodes.size() + 1, port, seeds, url, config));
      }
      awaitMembers(nodes);
      URI api = listening(nodes.get(0));
      // Three deployments, so that they spread over the nodes: the kills alternate between the
      // oldest node (the shard coordinator's) and another one, each running a deployment.
      for (int i = 1; i <= DEPLOYMENTS; i++) {
        submit(api, plan("failover-" + i, began));
      }

      List<Kill> measured = new ArrayList<>();
      long lastKill = 0;
      for (int k = 0; k < kills; k++) {
        List<Node> alive = alive(nodes);
        long since = lastKill;
        boolean wantOldest = k % 2 == 0;
        // Waits until every deployment ran an action since the last kill, then picks its victim.
        Node victim =
            await(
                () -> {
                  Map<String, Long> latest = latestPids(lines(began), since);
                  if (latest.size() < DEPLOYMENTS) {
                    return null;
                  }
                  String oldest = oldestAddress(alive.get(0));
                  Node fallback = null;
                  for (Node node : alive) {
                    if (!latest.containsValue(node.process().pid())) {
                      continue;
                    }
                    if (node.address().equals(oldest) == wantOldest) {
                      return node;
                    }
                    fallback = node;
                  }
                  return fallback;
                },
                "every deployment running on a node that is Up");
        Set<String> moving = new HashSet<>();
        latestPids(lines(began), since)
            .forEach(
                (deployment, pid) -> {
                  if (pid == victim.process().pid()) {
                    moving.add(deployment);
                  }
                });
        boolean oldest = victim.address().equals(oldestAddress(alive.get(0)));
        long killedAt = epochNanos();
        kill(victim.process());
        lastKill = killedAt;
        long[] first = new long[1];
        await(
            () -> {
              for (String[] line : lines(began)) {
                if (Long.parseLong(line[0]) > killedAt && moving.contains(line[2])) {
                  first[0] = Long.parseLong(line[0]);
                  return Boolean.TRUE;
                }
              }
              return null;
            },
            "an execution of a deployment of the killed node after the kill");
        List<Node> survivors = alive(nodes);
        Kill kill =
            new Kill(
                after(survivors, killedAt, "Marking node as UNREACHABLE"),
                after(survivors, killedAt, "SBR took decision"),
                after(survivors, killedAt, "is hosted on node"),
                (first[0] - killedAt) / 1e9,
                victim.address() + (oldest ? " (oldest)" : ""),
                oldest);
        measured.add(kill);
        report.line(
            "kill %d of node %s: unreachable +%.1f s, downed +%.1f s, hosted again +%.1f s,"
                + " first execution +%.1f s",
            k + 1,
            kill.node(),
            kill.unreachableS(),
            kill.downedS(),
            kill.hostedS(),
            kill.firstExecutionS());
        // A fresh node replaces it, so every kill is of one node out of three Up.
        // Its seeds are nodes still alive: the first two may be dead by now.
        List<String> live = alive(nodes).stream().map(Node::address).toList();
        nodes.add(start(dir, nodes.size() + 1, freePort(), live, url, config));
        awaitMembers(alive(nodes));
      }
      List<Double> failover = measured.stream().map(Kill::firstExecutionS).toList();
      for (boolean ofOldest : new boolean[] {true, false}) {
        List<Double> some =
            measured.stream()
                .filter(kill -> kill.oldest() == ofOldest)
                .map(Kill::firstExecutionS)
                .toList();
        if (!some.isEmpty()) {
          report.line(
              "kills of %s: %d, median %.1f s, max %.1f s",
              ofOldest ? "the oldest node (the shard coordinator's)" : "another node",
              some.size(),
              Stats.median(some),
              Stats.percentile(some, 100));
        }
      }
      double median = Stats.median(failover);
      double max = Stats.percentile(failover, 100);
      report.line(
          "settings: heartbeat %.0f s + acceptable pause %.0f s + stable-after %.0f s = %.0f s"
              + " configured; down-removal-margin %s (off: the resolver uses stable-after)",
          heartbeat, pause, stableAfter, configured, margin);
      report.line(
          "kill -9 of the node running the deployment -> first resumed execution: median %.1f s,"
              + " max %.1f s over %d kills (configured detection + stable-after %.0f s)",
          median, max, measured.size(), configured);
      report.target(
          "failover time (max over " + measured.size() + " kills)",
          String.format(Locale.ROOT, "median %.1f s, max %.1f s", median, max),
          String.format(Locale.ROOT, "<= %.0f s + %.0f s", configured, MARGIN_S),
          max <= configured + MARGIN_S);
    } finally {
      for (Node node : nodes) {
        if (node.process().isAlive()) {
          kill(node.process());
        }
      }
      if (database != null) {
        PostgresJournalBenchmark.script("stop", database.toString());
        BenchmarkSuite.delete(database);
      }
      BenchmarkSuite.delete(dir);
    }
  }

  private static final String LOGBACK =
      """
      <configuration>
        <statusListener class="ch.qos.logback.core.status.NopStatusListener"/>
        <appender name="FILE" class="ch.qos.logback.core.FileAppender">
          <file>${flotilla.node.log}</file>
          <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
        </appender>
        <logger name="dev.flotilla" level="INFO"/>
        <logger name="org.apache.pekko.cluster" level="INFO"/>
        <root level="WARN"><appender-ref ref="FILE"/></root>
      </configuration>
      """;

  /** 5,000 one-second actions, one at a time: longer than any run of this benchmark. */
  private static String plan(String name, Path began) {
    String run = "echo \"$(date +%s%N) $PPID $FLOTILLA_DEPLOYMENT\" >> " + began + "; sleep 1";
    return "name: "
        + name
        + "\nmaxParallelism: 1\ntargets: [{ name: \"t{1..5000}\", roles: [app] }]\n"
        + "steps:\n  - { name: work, roles: [app], action: { type: script, run: '"
        + run
        + "' } }\n";
  }

  private static Node start(
      Path dir, int number, int port, List<String> seeds, String url, Path config)
      throws IOException {
    Path log = dir.resolve("node" + number + ".log");
    Path out = dir.resolve("node" + number + ".out");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-Dlogback.configurationFile=" + dir.resolve("logback-node.xml"),
            "-Dflotilla.node.log=" + log,
            "-Xmx512m",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.flotilla.cli.FlotillaCli",
            "node",
            "--no-auth",
            "--http-port",
            "0",
            "--cluster-port",
            String.valueOf(port),
            "--journal-url",
            url,
            "--config",
            config.toString()));
    for (String seed : seeds) {
      command.add("--seed");
      command.add(seed);
    }
    Process process =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(dir.resolve("node" + number + ".err").toFile())
            .start();
    return new Node(number, process, port, log, out);
  }

  private static URI listening(Node node) throws Exception {
    return await(
        () -> {
          Matcher matcher = LISTENING.matcher(read(node.out()));
          return matcher.find() ? URI.create(matcher.group(1)) : null;
        },
        "node " + node.number() + " listening");
  }

  /** Waits until every node of {@code expected} logs exactly those nodes, all Up. */
  private static void awaitMembers(List<Node> expected) throws Exception {
    List<String> wanted = expected.stream().map(Node::address).sorted().toList();
    await(
        () -> {
          for (Node node : expected) {
            if (!upMembers(node).equals(wanted)) {
              return null;
            }
          }
          return Boolean.TRUE;
        },
        "nodes " + wanted + " Up");
  }

  /** The members a node logged last, when all are Up and reachable; else an empty list. */
  private static List<String> upMembers(Node node) {
    String members = lastMembers(node);
    List<String> up = new ArrayList<>();
    for (String member : members.split(", ")) {
      String[] words = member.split(" ");
      if (words.length < 2 || !words[1].equals("Up") || member.endsWith("unreachable")) {
        return List.of();
      }
      up.add(words[0]);
    }
    return up.stream().sorted().toList();
  }

  private static String lastMembers(Node node) {
    String members = "";
    Matcher matcher = MEMBERS.matcher(read(node.log()));
    while (matcher.find()) {
      members = matcher.group(1);
    }
    return members;
  }

  /** The address of the oldest member in the node's last membership line, or "". */
  private static String oldestAddress(Node node) {
    for (String member : lastMembers(node).split(", ")) {
      if (member.contains("(oldest)")) {
        return member.substring(0, member.indexOf(' '));
      }
    }
    return "";
  }

  /** By deployment, the pid of the node that ran its latest action begun after {@code since}. */
  private static Map<String, Long> latestPids(List<String[]> lines, long since) {
    Map<String, Long> latest = new HashMap<>();
    for (String[] line : lines) {
      if (Long.parseLong(line[0]) > since) {
        latest.put(line[2], Long.valueOf(line[1]));
      }
    }
    return latest;
  }

  /**
   * Seconds from {@code since} (epoch nanoseconds) to the first line of the survivors' logs that
   * contains {@code text} and was logged after it; NaN if none did.
   */
  private static double after(List<Node> survivors, long since, String text) {
    double first = Double.NaN;
    for (Node node : survivors) {
      for (String line : read(node.log()).split("\n")) {
        Matcher time = LOG_TIME.matcher(line);
        if (!line.contains(text) || !time.find()) {
          continue;
        }
        Instant at =
            LocalDate.now(ZoneId.systemDefault())
                .atTime(LocalTime.parse(time.group(1)))
                .atZone(ZoneId.systemDefault())
                .toInstant();
        double seconds = (at.getEpochSecond() * 1e9 + at.getNano() - since) / 1e9;
        if (seconds >= 0 && (Double.isNaN(first) || seconds < first)) {
          first = seconds;
        }
      }
    }
    return first;
  }

  private static void submit(URI node, String plan) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(node.resolve("deployments"))
                    .timeout(PATIENCE)
                    .POST(HttpRequest.BodyPublishers.ofString(plan))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException("submit: " + response.statusCode() + " " + response.body());
    }
  }

  /** SIGKILL, its scripts after it (listed first, so none is missed). */
  private static void kill(Process process) throws InterruptedException {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    process.waitFor();
    descendants.forEach(ProcessHandle::destroyForcibly);
  }

  private static List<Node> alive(List<Node> nodes) {
    return nodes.stream().filter(node -> node.process().isAlive()).toList();
  }

  private static List<String[]> lines(Path file) {
    String text = read(file);
    int end = text.lastIndexOf('\n');
    List<String[]> lines = new ArrayList<>();
    if (end < 0) {
      return lines;
    }
    for (String line : text.substring(0, end).split("\n")) {
      String[] fields = line.trim().split(" ");
      if (fields.length == 3) {
        lines.add(fields);
      }
    }
    return lines;
  }

  /** A value, asked every 100 ms until it is not null; fails past the patience. */
  private static <T> T await(java.util.function.Supplier<T> probe, String what)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(PATIENCE);
    while (true) {
      T value = probe.get();
      if (value != null) {
        return value;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(what + ": not within " + PATIENCE);
      }
      Thread.sleep(100);
    }
  }

  private static long epochNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private static double seconds(Config config, String path) {
    return config.getDuration(path).toMillis() / 1000.0;
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
