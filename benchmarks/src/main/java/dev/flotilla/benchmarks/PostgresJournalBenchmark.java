package dev.flotilla.benchmarks;

import com.typesafe.config.Config;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.PostgresSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Durable executions per second on PostgreSQL against LevelDB in the same run: 10,000 targets x 5
 * zero-duration steps at cap 10 and cap 100, fsync and synchronous_commit on for both. PostgreSQL
 * is the database at {@code FLOTILLA_BENCHMARK_JOURNAL_URL} (with its tables), else a throwaway
 * cluster of {@code persistence/loopback-postgres} on this machine. Target: PostgreSQL at least
 * 0.5x LevelDB at cap 100. Run: {@code benchmarks/run --only postgres}.
 */
final class PostgresJournalBenchmark {

  private static final int TARGETS = 10_000;
  private static final int QUICK_TARGETS = 1_000;
  private static final int STEPS = 5;
  private static final int[] CAPS = {10, 100};
  private static final double TARGET_RATIO = 0.5;

  private PostgresJournalBenchmark() {}

  static void run(BenchmarkSuite suite) throws Exception {
    int runs = suite.runs();
    int targets = suite.quick() ? QUICK_TARGETS : TARGETS;
    int executions = targets * STEPS;
    EngineSettings settings = FlotillaRuns.settings(new Ledger());
    Config config = FlotillaRuns.config();
    Report report = suite.report();
    String given = System.getenv("FLOTILLA_BENCHMARK_JOURNAL_URL");
    Path cluster = given == null ? suite.newDirectory("postgres-") : null;
    try {
      DurableJournal.Postgres postgres =
          DurableJournal.postgres(given != null ? given : startCluster(cluster), config);
      PostgresSchema.init(postgres);
      report.line(
          "plan: %,d targets x %d steps, zero-duration actions, median of %d runs each;"
              + " PostgreSQL %s, pool of %d, fsync and synchronous_commit on",
          targets, STEPS, runs, given != null ? "given" : "15 on loopback", postgres.poolSize());
      for (int cap : CAPS) {
        DeploymentPlan plan = Fleet.plan("postgres-" + cap, targets, STEPS, "0ms", cap);
        Path dir = suite.newDirectory("leveldb-");
        double levelDbMs;
        try (Flotilla engine = FlotillaRuns.durable(dir, settings)) {
          levelDbMs = median(engine, plan, runs);
        } finally {
          BenchmarkSuite.delete(dir);
        }
        double postgresMs;
        try (Flotilla engine = DurableEngine.start(postgres, settings, config)) {
          postgresMs = median(engine, plan, runs);
        }
        double levelDbRate = executions / (levelDbMs / 1000);
        double postgresRate = executions / (postgresMs / 1000);
        report.line(
            "cap %d: LevelDB %.0f ms (%,.0f executions/s), PostgreSQL %.0f ms (%,.0f executions/s):"
                + " %.2fx",
            cap, levelDbMs, levelDbRate, postgresMs, postgresRate, postgresRate / levelDbRate);
        if (cap == CAPS[CAPS.length - 1]) {
          report.target(
              "PostgreSQL / LevelDB durable executions/s at cap " + cap,
              String.format(Locale.ROOT, "%.2fx", postgresRate / levelDbRate),
              ">= 0.5x",
              postgresRate / levelDbRate >= TARGET_RATIO);
        }
      }
    } finally {
      if (cluster != null) {
        script("stop", cluster.toString());
        BenchmarkSuite.delete(cluster);
      }
    }
  }

  private static double median(Flotilla engine, DeploymentPlan plan, int runs) throws Exception {
    OverheadBenchmark.warmUp(engine);
    FlotillaRuns.warmUntilSteady(engine, plan);
    List<Double> wall = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      wall.add(FlotillaRuns.run(engine, plan).wallMs());
    }
    return Stats.median(wall);
  }

  /** Starts the loopback cluster; its URL with the user and password. */
  static String startCluster(Path directory) throws IOException, InterruptedException {
    String url = null;
    String user = null;
    String password = null;
    for (String line : script("start", directory.toString()).split("\n")) {
      if (line.startsWith("url=")) {
        url = line.substring(4);
      } else if (line.startsWith("user=")) {
        user = line.substring(5);
      } else if (line.startsWith("password=")) {
        password = line.substring(9);
      }
    }
    if (url == null) {
      throw new IllegalStateException("persistence/loopback-postgres printed no url= line");
    }
    return url + "?user=" + user + "&password=" + password;
  }

  static String script(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of("persistence", "loopback-postgres").toAbsolutePath().toString());
    command.addAll(List.of(args));
    if (!Files.isExecutable(Path.of(command.get(0)))) {
      throw new IllegalStateException(
          "no "
              + command.get(0)
              + ": run the benchmarks from the repository (benchmarks/run does)");
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("loopback-postgres " + args[0] + " failed:\n" + output);
    }
    return output;
  }
}
