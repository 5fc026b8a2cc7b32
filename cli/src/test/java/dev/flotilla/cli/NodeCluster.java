package dev.flotilla.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code flotilla node} JVMs forming one cluster on a PostgreSQL journal, for process-level tests.
 * Each node logs (INFO for Flotilla and Pekko Cluster) to {@code NAME.log} under {@code
 * target/cluster-nodes/TEST/}, kept after the test so a failure in CI can be read from the build's
 * directory; its stdout and stderr are next to it. The tests act only once every node's log shows
 * the membership they expect ({@code Cluster members: ...}, logged on every change): submitting
 * before all nodes are Up, or killing a node before the cluster has removed the previous one, makes
 * a failover test a race.
 */
final class NodeCluster implements AutoCloseable {

  /** Long enough for JVMs starting on a loaded 2-core machine; a stuck test still ends. */
  static final Duration PATIENCE = Duration.ofSeconds(180);

  private static final Pattern LISTENING =
      Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+/)");
  private static final Pattern MEMBERS = Pattern.compile("Cluster members: (.*)");
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

  /** One node: its JVM, its cluster port, its HTTP API and its log. */
  record Node(String name, CliProcess process, int clusterPort, URI uri, Path log) {

    long pid() {
      return process.process().pid();
    }

    boolean alive() {
      return process.process().isAlive();
    }

    /** {@code 127.0.0.1:PORT}, as the membership log names it. */
    String address() {
      return "127.0.0.1:" + clusterPort;
    }

    String readLog() {
      return read(log);
    }

    /** The last membership this node logged, or an empty string before its first. */
    String members() {
      String members = "";
      Matcher matcher = MEMBERS.matcher(readLog());
      while (matcher.find()) {
        members = matcher.group(1);
      }
      return members;
    }
  }

  private final Path directory;
  private final String journalUrl;
  private final Path config;
  private final List<String> seeds;
  private final List<Node> nodes = new ArrayList<>();

  private NodeCluster(Path directory, String journalUrl, Path config, List<String> seeds) {
    this.directory = directory;
    this.journalUrl = journalUrl;
    this.config = config;
    this.seeds = seeds;
  }

  /**
   * Starts {@code count} nodes (the first two are the seeds) with {@code extraConfig} (HOCON) and
   * waits until every node's log shows all of them Up.
   */
  static NodeCluster start(String test, String journalUrl, String extraConfig, int count)
      throws IOException, InterruptedException {
    Path directory = Path.of("target", "cluster-nodes", test).toAbsolutePath();
    if (Files.exists(directory)) {
      try (Stream<Path> files = Files.walk(directory)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(file);
        }
      }
    }
    Files.createDirectories(directory);
    Files.writeString(directory.resolve("logback-node.xml"), LOGBACK);
    Path config = directory.resolve("node.conf");
    Files.writeString(
        config,
        "jdbc-read-journal.refresh-interval = 100ms\n"
            + "flotilla.cluster.own-system.pekko.loglevel = INFO\n"
            + extraConfig);
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ports.add(freePort());
    }
    List<String> seeds = List.of("127.0.0.1:" + ports.get(0), "127.0.0.1:" + ports.get(1));
    NodeCluster cluster = new NodeCluster(directory, journalUrl, config, seeds);
    try {
      for (int port : ports) {
        cluster.launch(port);
      }
      for (Node node : cluster.nodes) {
        cluster.awaitListening(node);
      }
      cluster.awaitMembers(cluster.nodes);
    } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** Every node started, dead or alive, in start order. */
  List<Node> nodes() {
    return List.copyOf(nodes);
  }

  List<Node> alive() {
    return nodes.stream().filter(Node::alive).toList();
  }

  Path directory() {
    return directory;
  }

  /** The node whose JVM has this pid (a script's parent). */
  Node byPid(long pid) {
    return nodes.stream()
        .filter(node -> node.pid() == pid)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no node has pid " + pid + "\n" + diagnostics()));
  }

  /** The oldest node (the shard coordinator's), as the first live node's log names it. */
  Node oldest() {
    String members = alive().get(0).members();
    for (String member : members.split(", ")) {
      if (member.contains("(oldest)")) {
        String address = member.substring(0, member.indexOf(' '));
        return nodes.stream()
            .filter(node -> node.address().equals(address))
            .findFirst()
            .orElseThrow();
      }
    }
    throw new AssertionError("no oldest node in: " + members);
  }

  /**
   * Waits until the log of every node of {@code expected} shows exactly those nodes, each Up and
   * reachable: after a start, every node has joined; after a kill, the dead node was downed and
   * removed.
   */
  void awaitMembers(List<Node> expected) throws InterruptedException {
    List<String> wanted = expected.stream().map(Node::address).sorted().toList();
    awaitTrue(
        () ->
            expected.stream()
                .allMatch(
                    node -> {
                      List<String> up = new ArrayList<>();
                      for (String member : node.members().split(", ")) {
                        String[] words = member.split(" ");
                        if (words.length < 2
                            || !words[1].equals("Up")
                            || member.endsWith("unreachable")) {
                          return false;
                        }
                        up.add(words[0]);
                      }
                      return up.stream().sorted().toList().equals(wanted);
                    }),
        "every node's log shows the members " + wanted + " Up");
  }

  /** Checks {@code condition} every 100 ms until it holds; fails with every node's log past it. */
  void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    Instant deadline = Instant.now().plus(PATIENCE);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(what + ": not within " + PATIENCE + "\n" + diagnostics());
      }
      Thread.sleep(100);
    }
  }

  /** Where the nodes' logs are, and the end of each. */
  String diagnostics() {
    StringBuilder text = new StringBuilder("node logs in " + directory + "\n");
    for (Node node : nodes) {
      String log = node.readLog();
      text.append("--- ")
          .append(node.name())
          .append(" (")
          .append(node.address())
          .append(node.alive() ? ", alive" : ", ended")
          .append(") last lines of its log ---\n")
          .append(log.substring(Math.max(0, log.length() - 4000)))
          .append(node.process())
          .append('\n');
    }
    return text.toString();
  }

  /** SIGTERM to every node still alive; SIGKILL to any that has not exited within a minute. */
  @Override
  public void close() throws InterruptedException {
    for (Node node : nodes) {
      if (node.alive()) {
        node.process().terminate();
      }
    }
    for (Node node : nodes) {
      if (node.alive()
          && !node.process().process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        node.process().kill();
      }
    }
  }

  private void launch(int clusterPort) throws IOException {
    String name = "node" + (nodes.size() + 1);
    Path log = directory.resolve(name + ".log");
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "node",
            "--no-auth",
            "--http-port",
            "0",
            "--cluster-port",
            String.valueOf(clusterPort),
            "--journal-url",
            journalUrl,
            "--config",
            config.toString()));
    for (String seed : seeds) {
      args.add("--seed");
      args.add(seed);
    }
    CliProcess process =
        CliProcess.start(
            directory,
            name,
            List.of(
                "-Dlogback.configurationFile=" + directory.resolve("logback-node.xml"),
                "-Dflotilla.node.log=" + log,
                "-Xmx256m"),
            args.toArray(String[]::new));
    nodes.add(new Node(name, process, clusterPort, null, log));
  }

  private void awaitListening(Node node) throws InterruptedException {
    awaitTrue(
        () -> !node.alive() || LISTENING.matcher(node.process().out()).find(),
        node.name() + " listening");
    Matcher listening = LISTENING.matcher(node.process().out());
    if (!listening.find()) {
      throw new AssertionError(node.name() + " ended before it listened\n" + diagnostics());
    }
    nodes.set(
        nodes.indexOf(node),
        new Node(
            node.name(),
            node.process(),
            node.clusterPort(),
            URI.create(listening.group(1)),
            node.log()));
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
