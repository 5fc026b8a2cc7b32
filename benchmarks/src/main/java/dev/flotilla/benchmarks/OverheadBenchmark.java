package dev.flotilla.benchmarks;

import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.model.DeploymentPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The engine's own cost: N targets x M steps of zero-duration {@code simulate} actions, at cap 10
 * and cap 100, in memory and durable (LevelDB, fsync on). Every shape is run once to warm up, then
 * {@code runs} times; the median wall time from submit to result gives executions per second and
 * microseconds per execution. Quick mode leaves out N = 100. Targets at N = 10,000: in memory >=
 * 300,000/s; durable >= 20,000/s at cap 10 and >= 50,000/s at cap 100.
 */
final class OverheadBenchmark {

  static final int TARGET_FLEET = 10_000;
  static final double MEMORY_TARGET = 300_000;
  static final double DURABLE_CAP_10_TARGET = 20_000;
  static final double DURABLE_CAP_100_TARGET = 50_000;

  private enum Store {
    MEMORY("memory"),
    DURABLE("durable");

    final String label;

    Store(String label) {
      this.label = label;
    }
  }

  private record Row(Store store, int cap, int targets, int steps, double medianMs) {
    int executions() {
      return targets * steps;
    }

    double perSecond() {
      return executions() / (medianMs / 1000);
    }

    double microsPerExecution() {
      return medianMs * 1000 / executions();
    }
  }

  private OverheadBenchmark() {}

  static void run(BenchmarkSuite suite) throws Exception {
    Report report = suite.report();
    int[] fleets = suite.quick() ? new int[] {1_000, 10_000} : new int[] {100, 1_000, 10_000};
    int[] stepCounts = {1, 5};
    int[] caps = {10, 100};
    int runs = suite.runs();
    FsyncBenchmark.Latency fsync = suite.fsync();
    report.line(
        "zero-duration simulate actions; each engine warmed up until its times settle, then per row"
            + " 1 unmeasured run + median of %d runs; wall time from submit to result",
        runs);
    report.line(
        "%-8s %5s %8s %6s %11s %10s %14s %9s",
        "store", "cap", "targets", "steps", "executions", "median ms", "executions/s", "us/exec");

    List<Row> rows = new ArrayList<>();
    EngineSettings settings = FlotillaRuns.settings(new Ledger());
    for (Store store : Store.values()) {
      Path dir = suite.newDirectory("overhead-");
      try (Flotilla engine =
          store == Store.MEMORY
              ? FlotillaRuns.inMemory(settings)
              : FlotillaRuns.durable(dir, settings)) {
        warmUp(engine);
        for (int cap : caps) {
          for (int targets : fleets) {
            for (int steps : stepCounts) {
              DeploymentPlan plan = Fleet.plan("overhead", targets, steps, "0ms", cap);
              FlotillaRuns.run(engine, plan);
              List<Double> walls = new ArrayList<>();
              for (int r = 0; r < runs; r++) {
                walls.add(FlotillaRuns.run(engine, plan).wallMs());
              }
              Row row = new Row(store, cap, targets, steps, Stats.median(walls));
              rows.add(row);
              report.line(
                  "%-8s %5d %,8d %6d %,11d %10.1f %,14.0f %9.2f",
                  store.label,
                  cap,
                  targets,
                  steps,
                  row.executions(),
                  row.medianMs(),
                  row.perSecond(),
                  row.microsPerExecution());
            }
          }
        }
      } finally {
        BenchmarkSuite.delete(dir);
      }
    }

    for (Row row : rows) {
      if (row.targets() != TARGET_FLEET) {
        continue;
      }
      double target =
          row.store() == Store.MEMORY
              ? MEMORY_TARGET
              : row.cap() == 10 ? DURABLE_CAP_10_TARGET : DURABLE_CAP_100_TARGET;
      report.target(
          String.format(
              Locale.ROOT,
              "%s, cap %d, %,d x %d",
              row.store().label,
              row.cap(),
              row.targets(),
              row.steps()),
          String.format(Locale.ROOT, "%,.0f executions/s", row.perSecond()),
          String.format(Locale.ROOT, ">= %,.0f/s", target),
          row.perSecond() >= target);
    }
    for (Row row : rows) {
      if (row.store() == Store.DURABLE && row.cap() == 10 && row.targets() == TARGET_FLEET) {
        report.line(
            "durable, cap 10, %,d x %d: %,.0f/s = %.2f x the bound without group commit "
                + "(cap / fsync latency = 10 / %.3f ms = %,.0f/s)",
            row.targets(),
            row.steps(),
            row.perSecond(),
            row.perSecond() / fsync.perFsyncBound(10),
            fsync.medianMs(),
            fsync.perFsyncBound(10));
      }
    }
  }

  /**
   * Lets the JIT compile the engine's paths before anything is measured: runs deployments until
   * their times settle. On two cores C2 takes a few hundred thousand executions to finish (the
   * first runs are up to 10x slower than the settled ones), so a fixed handful of warm-up runs
   * would leave a cold baseline and flatter every ratio measured against it.
   */
  static void warmUp(Flotilla engine) throws Exception {
    for (int cap : new int[] {10, 100}) {
      FlotillaRuns.run(engine, Fleet.plan("warm-up", TARGET_FLEET, 1, "0ms", cap));
    }
    FlotillaRuns.warmUntilSteady(engine, Fleet.plan("warm-up", TARGET_FLEET / 5, 5, "0ms", 10));
  }
}
