package dev.flotilla.benchmarks;

import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.timeline.LowerBound;
import dev.flotilla.engine.timeline.Timeline;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scheduling quality: how close the makespan comes to the lower bound no scheduler could beat
 * ({@link LowerBound}), for 50 ms actions (and 500 ms in full mode), on three shapes: steps one
 * after another, a block of parallel steps contending for the same targets' guards, and a rolling
 * step. Every run's ledger is checked. Target: within 2% of the bound for 50 ms actions.
 */
final class SchedulingBenchmark {

  static final double TARGET_RATIO = 1.02;
  private static final int CAP = 10;

  /** One shape of plan with the rules its ledger must obey. */
  private record Scenario(String name, DeploymentPlan plan, LedgerChecker.Rules rules, int cap) {}

  private SchedulingBenchmark() {}

  static void run(BenchmarkSuite suite) throws Exception {
    Report report = suite.report();
    int runs = suite.runs();
    Ledger ledger = new Ledger();
    try (Flotilla engine = FlotillaRuns.inMemory(FlotillaRuns.settings(ledger))) {
      OverheadBenchmark.warmUp(engine);
      report.line(
          "median of %d runs (after 1 warm-up); bound = LowerBound.of(timeline); overhead/exec = "
              + "(makespan - bound) x cap / executions",
          runs);
      report.line(
          "%-52s %11s %9s %16s %14s  %s",
          "scenario",
          "makespan ms",
          "bound ms",
          "makespan/bound",
          "overhead/exec",
          "bound limited by");
      List<Long> durations = suite.quick() ? List.of(50L) : List.of(50L, 500L);
      boolean warmedUp = false;
      for (long d : durations) {
        for (Scenario scenario : scenarios(d)) {
          if (!warmedUp) {
            FlotillaRuns.run(engine, scenario.plan());
            ledger.drain();
            warmedUp = true;
          }
          List<Double> ratios = new ArrayList<>();
          List<Double> makespans = new ArrayList<>();
          List<Double> bounds = new ArrayList<>();
          Timeline last = null;
          LedgerChecker.Verdict verdict = null;
          for (int r = 0; r < runs; r++) {
            last = FlotillaRuns.run(engine, scenario.plan()).result().timeline();
            double bound = LowerBound.of(last);
            makespans.add(last.makespanMs());
            bounds.add(bound);
            ratios.add(last.makespanMs() / bound);
            verdict = suite.check(scenario.name(), ledger.drain(), scenario.rules());
          }
          double ratio = Stats.median(ratios);
          double makespan = Stats.median(makespans);
          double bound = Stats.median(bounds);
          int executions = scenario.rules().expectedEntries();
          double overheadMs = Math.max(0, makespan - bound) * scenario.cap() / executions;
          String limitedBy = LowerBound.blocks(last).get(0).limitedBy();
          report.line(
              "%-52s %11.1f %9.1f %16.4f %11.3f ms  %s",
              scenario.name(), makespan, bound, ratio, overheadMs, limitedBy);
          report.line("  %s", verdict.summary());
          if (d == 50) {
            report.target(
                scenario.name(),
                String.format(Locale.ROOT, "makespan %.4f x bound", ratio),
                "<= 1.02",
                ratio <= TARGET_RATIO);
          }
        }
      }
    }
  }

  private static List<Scenario> scenarios(long d) {
    List<Scenario> scenarios = new ArrayList<>();
    // Steps one after another: each step's work over its cap.
    Workload steps = d <= 50 ? new Workload(100, 3, d, CAP) : new Workload(40, 2, d, CAP);
    scenarios.add(
        new Scenario(
            String.format(
                Locale.ROOT,
                "%d ms: %d targets x %d steps, cap %d",
                d,
                steps.targets(),
                steps.steps(),
                CAP),
            Fleet.ledgerPlan("scheduling-steps", steps),
            LedgerChecker.Rules.of(steps),
            CAP));

    // Four steps started together on the same 20 targets, exclusive: the guards decide.
    int blockTargets = 20;
    int blockSteps = 4;
    Map<String, Integer> blockCaps = new HashMap<>();
    for (int s = 0; s < blockSteps; s++) {
      blockCaps.put(Workload.stepName(s), CAP);
    }
    scenarios.add(
        new Scenario(
            String.format(
                Locale.ROOT,
                "%d ms: %d parallel steps on the same %d targets",
                d,
                blockSteps,
                blockTargets),
            Fleet.parallelBlock("scheduling-block", blockTargets, blockSteps, d, CAP),
            new LedgerChecker.Rules(blockCaps, true, blockTargets * blockSteps),
            CAP));

    // A rolling step: each target runs two children in order, five targets in the window.
    int window = 5;
    int children = 2;
    int rollingTargets = d <= 50 ? 50 : 20;
    scenarios.add(
        new Scenario(
            String.format(
                Locale.ROOT,
                "%d ms: rolling, %d targets x %d children, window %d",
                d,
                rollingTargets,
                children,
                window),
            Fleet.rolling("scheduling-rolling", rollingTargets, window, children, d),
            new LedgerChecker.Rules(Map.of("rolling", window), true, rollingTargets * children),
            window));
    return scenarios;
  }
}
