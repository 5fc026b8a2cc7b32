package dev.flotilla.benchmarks;

import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.model.DeploymentPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Group commit, measured: a deployment of 2,000 targets x 5 zero-duration steps, durable on LevelDB
 * with fsync on, against the same plan in memory. Prints the medians and their ratio (target:
 * durable under 3x in memory) and the least that ratio can be on this machine's disk. Run: {@code
 * benchmarks/run --only durability}.
 */
final class DurabilityBenchmark {

  private static final int TARGETS = 2_000;
  private static final int STEPS = 5;
  private static final int CAP = 10;
  private static final double TARGET_RATIO = 3;

  private DurabilityBenchmark() {}

  static void run(BenchmarkSuite suite) throws Exception {
    int runs = suite.runs();
    EngineSettings settings = FlotillaRuns.settings(new Ledger());
    DeploymentPlan plan = Fleet.plan("durability", TARGETS, STEPS, "0ms", CAP);

    List<Double> memory = new ArrayList<>();
    List<Double> durable = new ArrayList<>();
    try (Flotilla engine = FlotillaRuns.inMemory(settings)) {
      measure(engine, plan, runs, memory);
    }
    Path dir = suite.newDirectory("durability-");
    JournalFloor floor;
    try (Flotilla engine = FlotillaRuns.durable(dir, settings)) {
      measure(engine, plan, runs, durable);
      floor = JournalFloor.measure(engine.system(), dir, CAP, TARGETS * STEPS);
    } finally {
      BenchmarkSuite.delete(dir);
    }
    double memoryMs = Stats.median(memory);
    double durableMs = Stats.median(durable);
    int executions = TARGETS * STEPS;
    Report report = suite.report();
    report.line(
        "plan: %,d targets x %d steps, zero-duration actions, cap 10, median of %d runs each",
        TARGETS, STEPS, runs);
    report.line(
        "in memory: %.0f ms (%,.0f executions/s)", memoryMs, executions / (memoryMs / 1000));
    report.line(
        "durable (LevelDB, fsync on): %.0f ms (%,.0f executions/s)",
        durableMs, executions / (durableMs / 1000));
    report.line(
        "disk floor: at least %,d writes (%,d write-ahead starts, at most %d per write), each one entry of %d"
            + " events in %,d bytes, which LevelDB writes and syncs here in %.3f ms (median of a probe): %.0f ms = %.2fx"
            + " in memory, before the engine does anything",
        floor.writes(),
        executions,
        CAP,
        floor.eventsPerWrite(),
        floor.entryBytes(),
        floor.medianWriteMs(),
        floor.floorMs(),
        floor.floorMs() / memoryMs);
    // At the fewest writes each one holds the starts of every slot, so nothing the engine does for
    // the next write can overlap it: a durable round is an in-memory round plus the write.
    report.line(
        "so durable / in memory is at least 1 + %.2f = %.2fx on this disk: with %,d writes each holds the"
            + " starts of all %d slots, and the engine's work for the next write waits for this one (more writes of"
            + " fewer starts each raise the floor instead)",
        floor.floorMs() / memoryMs, 1 + floor.floorMs() / memoryMs, floor.writes(), CAP);
    double ratio = durableMs / memoryMs;
    report.target(
        "durable / in memory",
        String.format(Locale.ROOT, "%.2fx", ratio),
        "< 3x",
        ratio < TARGET_RATIO);
  }

  private static void measure(Flotilla engine, DeploymentPlan plan, int runs, List<Double> into)
      throws Exception {
    OverheadBenchmark.warmUp(engine);
    FlotillaRuns.warmUntilSteady(engine, plan);
    for (int i = 0; i < runs; i++) {
      into.add(FlotillaRuns.run(engine, plan).wallMs());
    }
  }
}
