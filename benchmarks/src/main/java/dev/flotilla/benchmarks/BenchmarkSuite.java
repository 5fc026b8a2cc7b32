package dev.flotilla.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs Flotilla's benchmarks and prints their figures, each target as MET or MISSED:
 *
 * <pre>
 * benchmarks/run --quick            a few minutes: a subset of every benchmark, to see it works
 * benchmarks/run                    the full suite (take figures on an idle machine)
 * benchmarks/run --only NAME[,NAME] some benchmarks (--list names them)
 * benchmarks/run --jmh [JMH args]   the JMH micro benchmarks
 * </pre>
 *
 * Other options: {@code --runs R} (measured runs per figure, median reported; default 3 quick, 5
 * full) and {@code --dir DIR} (where journals and ledgers go; default {@code
 * benchmarks/target/bench-data}, on the disk a durable engine would use). Exits 1 if a benchmark
 * failed or a ledger failed its check; a MISSED target is a figure, not a failure.
 */
public final class BenchmarkSuite {

  /** One benchmark of the suite. */
  @FunctionalInterface
  interface Benchmark {
    void run(BenchmarkSuite suite) throws Exception;
  }

  private record Entry(String name, String title, Benchmark benchmark) {}

  private static final List<Entry> BENCHMARKS =
      List.of(
          new Entry("fsync", "fsync latency of the journal's disk", FsyncBenchmark::run),
          new Entry(
              "overhead",
              "N targets x M steps of zero-duration actions: executions per second",
              OverheadBenchmark::run),
          new Entry(
              "durability",
              "group commit: durable against in memory on 2,000 targets x 5 steps",
              DurabilityBenchmark::run),
          new Entry(
              "postgres",
              "durable on PostgreSQL against LevelDB: 10,000 targets x 5 steps at cap 10 and 100",
              PostgresJournalBenchmark::run),
          new Entry(
              "cluster",
              "a 3-node cluster against one node on PostgreSQL: overhead per execution",
              ClusterBenchmark::run),
          new Entry(
              "failover",
              "3 cluster nodes on PostgreSQL: kill -9 of the node running a deployment -> resumed",
              FailoverBenchmark::run),
          new Entry(
              "recovery", "replay and resume time against journal size", BenchmarkSuite::recovery),
          new Entry("scheduling", "makespan over its lower bound", SchedulingBenchmark::run),
          new Entry(
              "scale",
              "one step over 100,000 targets: completion time and peak heap",
              ScaleBenchmark::run),
          new Entry(
              "shared-targets",
              "50 deployments at once over 1,000 shared targets",
              SharedTargetsBenchmark::run),
          new Entry(
              "peers",
              "a bare executor, Temporal and Ansible on the same plans as Flotilla",
              PeersBenchmark::run),
          new Entry(
              "ssh",
              "200 targets x 2 steps of `true` over loopback SSH: OpenSSH with masters and Ansible",
              SshBenchmark::run));

  private static final long RECOVERY_TARGET_EVENTS = 100_000;
  private static final double RECOVERY_TARGET_MS = 5_000;

  private final boolean quick;
  private final Integer runs;
  private final Path dataDir;
  private final Report report = new Report();
  private FsyncBenchmark.Latency fsync;
  private boolean failed;

  private BenchmarkSuite(boolean quick, Integer runs, Path dataDir) {
    this.quick = quick;
    this.runs = runs;
    this.dataDir = dataDir;
  }

  public static void main(String[] args) throws Exception {
    List<String> arguments = Arrays.asList(args);
    if (!arguments.isEmpty() && arguments.get(0).equals("--jmh")) {
      org.openjdk.jmh.Main.main(arguments.subList(1, arguments.size()).toArray(String[]::new));
      return;
    }
    boolean quick = false;
    Integer runs = null;
    Path dir = Path.of("benchmarks", "target", "bench-data");
    Set<String> only = new LinkedHashSet<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--only" -> only.addAll(Arrays.asList(value(args, ++i, "--only").split(",")));
        case "--runs" -> runs = Integer.parseInt(value(args, ++i, "--runs"));
        case "--dir" -> dir = Path.of(value(args, ++i, "--dir"));
        case "--list" -> {
          BENCHMARKS.forEach(
              b -> System.out.printf(Locale.ROOT, "%-15s %s%n", b.name(), b.title()));
          return;
        }
        case "--help", "-h" -> {
          usage();
          return;
        }
        default -> {
          System.err.println("unknown option: " + args[i]);
          usage();
          System.exit(2);
        }
      }
    }
    for (String name : only) {
      if (BENCHMARKS.stream().noneMatch(b -> b.name().equals(name))) {
        System.err.println("no benchmark named \"" + name + "\" (--list names them)");
        System.exit(2);
      }
    }
    Files.createDirectories(dir);
    // Logging starts now, not when Pekko's logger and the first benchmark race to start it.
    org.slf4j.LoggerFactory.getILoggerFactory();
    BenchmarkSuite suite = new BenchmarkSuite(quick, runs, dir.toAbsolutePath());
    System.exit(suite.runAll(only) ? 0 : 1);
  }

  private static String value(String[] args, int index, String option) {
    if (index >= args.length) {
      System.err.println(option + " needs a value");
      System.exit(2);
    }
    return args[index];
  }

  private static void usage() {
    System.out.println(
        """
        usage: benchmarks/run [--quick] [--only NAME[,NAME]] [--runs R] [--dir DIR]
               benchmarks/run --list
               benchmarks/run --jmh [JMH options, e.g. -f 1 -wi 2 -i 3]""");
  }

  private boolean runAll(Set<String> only) {
    long start = System.nanoTime();
    Machine.describe(quick, dataDir).forEach(System.out::println);
    for (Entry entry : BENCHMARKS) {
      if (!only.isEmpty() && !only.contains(entry.name())) {
        continue;
      }
      report.section(entry.name(), entry.title());
      long began = System.nanoTime();
      try {
        entry.benchmark().run(this);
      } catch (Exception | Error e) {
        failed = true;
        report.notRun(entry.name(), "FAILED: " + e);
        e.printStackTrace(System.out);
      }
      report.line("(%s took %.0f s)", entry.name(), (System.nanoTime() - began) / 1e9);
    }
    report.summary((System.nanoTime() - start) / 1e9);
    return !failed;
  }

  /** Quick mode: a subset, to check the suite works; figures only indicative. */
  boolean quick() {
    return quick;
  }

  /** Measured runs per figure: {@code --runs}, else 3 in quick mode and 5 in full. */
  int runs() {
    return runs != null ? runs : quick ? 3 : 5;
  }

  /** Measured runs of a slow peer: {@code --runs}, else 1 in quick mode and 3 in full. */
  int slowRuns() {
    return runs != null ? runs : quick ? 1 : 3;
  }

  Report report() {
    return report;
  }

  /** A fresh directory under the data directory; {@link #delete} it when done. */
  Path newDirectory(String prefix) throws IOException {
    return Files.createTempDirectory(dataDir, prefix);
  }

  /** The fsync latency of the data directory's disk, measured once per suite. */
  FsyncBenchmark.Latency fsync() throws IOException {
    if (fsync == null) {
      fsync = FsyncBenchmark.measure(dataDir, FsyncBenchmark.SAMPLES);
    }
    return fsync;
  }

  /** Checks a run's ledger; a failed check fails the suite and is listed in the summary. */
  LedgerChecker.Verdict check(String what, List<Ledger.Entry> ledger, LedgerChecker.Rules rules) {
    LedgerChecker.Verdict verdict = LedgerChecker.check(ledger, rules);
    if (!verdict.passed()) {
      failed = true;
      report.checkFailed(what, verdict);
    }
    return verdict;
  }

  /** {@link RecoveryBenchmark} in the suite: 10,000 and 100,000 events (full: also 1,000,000). */
  private static void recovery(BenchmarkSuite suite) throws Exception {
    List<Long> sizes =
        suite.quick() ? List.of(10_000L, 100_000L) : List.of(10_000L, 100_000L, 1_000_000L);
    for (long size : sizes) {
      RecoveryBenchmark.Figures figures = RecoveryBenchmark.measure(size);
      suite.report.line(
          "journal of %,d events: replay %,.0f ms (%,.0f events/s), resume %,.0f ms, list %,.0f ms",
          figures.events(),
          figures.replayMs(),
          figures.events() / (figures.replayMs() / 1000),
          figures.resumeMs(),
          figures.listMs());
      if (size == RECOVERY_TARGET_EVENTS) {
        suite.report.target(
            "replay of 100,000 events",
            String.format(Locale.ROOT, "%,.0f ms", figures.replayMs()),
            "< 5 s",
            figures.replayMs() < RECOVERY_TARGET_MS);
      }
    }
  }

  static void delete(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    List<Path> paths = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(directory)) {
      walk.forEach(paths::add);
    }
    for (int i = paths.size() - 1; i >= 0; i--) {
      Files.deleteIfExists(paths.get(i));
    }
  }
}
