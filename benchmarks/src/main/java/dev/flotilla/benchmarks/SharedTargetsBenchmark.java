package dev.flotilla.benchmarks;

import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.model.DeploymentPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fifty deployments at once over the same 1,000 targets (engine max-deployments 50), each target
 * contended by every deployment. No deadlock: all complete within the timeout. Every guard let one
 * holder in at a time: the checker finds no overlap on any target across all fifty deployments'
 * ledger entries, and each deployment's step kept its cap.
 */
final class SharedTargetsBenchmark {

  private static final int DEPLOYMENTS = 50;
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private SharedTargetsBenchmark() {}

  static void run(BenchmarkSuite suite) throws Exception {
    Report report = suite.report();
    Workload each = new Workload(1_000, 1, 1, 10);
    Ledger ledger = new Ledger();
    List<DeploymentPlan> plans = new ArrayList<>();
    Map<String, Integer> caps = new HashMap<>();
    for (int d = 0; d < DEPLOYMENTS; d++) {
      String prefix = String.format(Locale.ROOT, "d%02d-", d);
      plans.add(Fleet.ledgerPlan("shared-" + prefix + "release", each, prefix));
      for (int s = 0; s < each.steps(); s++) {
        caps.put(prefix + Workload.stepName(s), each.cap());
      }
    }
    report.line(
        "%d deployments submitted at once, each %s, all on the same target names; timeout %d min",
        DEPLOYMENTS, each, TIMEOUT.toMinutes());
    try (Flotilla engine =
        FlotillaRuns.inMemory(FlotillaRuns.settings(ledger).withMaxDeployments(DEPLOYMENTS))) {
      OverheadBenchmark.warmUp(engine);
      ledger.drain();
      long start = System.nanoTime();
      List<CompletableFuture<DeploymentResult>> results = new ArrayList<>();
      for (DeploymentPlan plan : plans) {
        DeploymentHandle handle = engine.submit(plan);
        results.add(handle.result().toCompletableFuture());
      }
      try {
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        long done = results.stream().filter(CompletableFuture::isDone).count();
        report.target(
            "all deployments complete",
            done + " of " + DEPLOYMENTS + " after " + TIMEOUT.toMinutes() + " min",
            "all, no deadlock",
            false);
        return;
      }
      double wallMs = (System.nanoTime() - start) / 1e6;
      long succeeded = results.stream().filter(r -> r.join().succeeded()).count();
      int executions = DEPLOYMENTS * each.executions();
      double boundMs =
          Math.max(
              DEPLOYMENTS * each.durationMs(),
              (double) executions * each.durationMs() / (DEPLOYMENTS * each.cap()));
      report.line(
          "all %d ended (%d succeeded) in %,.0f ms: %,.0f executions/s; makespan %.1f x the bound of "
              + "%.0f ms (the larger of a target's %d actions in a row and all work over %d x %d slots)",
          DEPLOYMENTS,
          succeeded,
          wallMs,
          executions / (wallMs / 1000),
          wallMs / boundMs,
          boundMs,
          DEPLOYMENTS,
          DEPLOYMENTS,
          each.cap());
      LedgerChecker.Verdict verdict =
          suite.check(
              "shared targets", ledger.drain(), new LedgerChecker.Rules(caps, true, executions));
      report.line("%s", verdict.summary());
      report.target(
          "all deployments complete, no overlap on any target",
          String.format(
              Locale.ROOT,
              "%d of %d succeeded in %,.0f ms, %d overlaps",
              succeeded,
              DEPLOYMENTS,
              wallMs,
              verdict.overlaps()),
          "all, none",
          succeeded == DEPLOYMENTS && verdict.passed());
    }
  }
}
