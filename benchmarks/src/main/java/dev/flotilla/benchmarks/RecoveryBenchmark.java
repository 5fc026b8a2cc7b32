package dev.flotilla.benchmarks;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Step;
import dev.flotilla.persistence.DeploymentHistory;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.Resumption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recovery against journal size: a durable deployment is stopped once its journal holds about E
 * events (its last step never ends), then a fresh engine (1) replays it into a timeline from the
 * read side and (2) resumes it (snapshot plus the events after it, then the interrupted executions
 * recorded). Targets: replaying 100,000 events under 5 s.
 */
public final class RecoveryBenchmark {

  private RecoveryBenchmark() {}

  /**
   * One journal size's figures.
   *
   * @param listMs listing the journal's deployments (what {@code flotilla deployments} does)
   */
  public record Figures(long events, double replayMs, double resumeMs, double listMs) {}

  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    List<Long> sizes = quick ? List.of(10_000L, 100_000L) : List.of(10_000L, 100_000L, 1_000_000L);
    for (long size : sizes) {
      Figures figures = measure(size);
      System.out.printf(
          Locale.ROOT,
          "journal of %,d events: replay %.0f ms (%.0f events/s), resume %.0f ms,"
              + " list %.0f ms%s%n",
          figures.events(),
          figures.replayMs(),
          figures.events() / (figures.replayMs() / 1000),
          figures.resumeMs(),
          figures.listMs(),
          size == 100_000L
              ? (figures.replayMs() < 5_000
                  ? "  [replay target < 5 s: MET]"
                  : "  [replay target < 5 s: MISSED]")
              : "");
    }
  }

  public static Figures measure(long events) throws Exception {
    Config config = ConfigFactory.load();
    EngineSettings settings = EngineSettings.fromConfig(config);
    Path dir = Files.createTempDirectory("flotilla-recovery");
    // About two events per execution (start, finish): a fleet whose first step produces them,
    // then a step that never ends keeps the deployment unfinished.
    int targets = (int) Math.max(100, events / 2);
    DeploymentPlan fleet = Fleet.plan("recovery", targets, 1, "0ms", 100);
    List<Step> steps = new ArrayList<>(fleet.steps());
    steps.add(
        Step.of("Never ends", new ActionSpec("simulate", Map.of("duration", "1h")), "fleet")
            .withMaxParallelism(1));
    DeploymentPlan plan =
        new DeploymentPlan(
            fleet.name(),
            null,
            null,
            fleet.maxParallelism(),
            fleet.targetIsolation(),
            Map.of(),
            fleet.targets(),
            steps,
            0L);
    String id;
    AtomicLong recorded = new AtomicLong();
    CountDownLatch stuck = new CountDownLatch(1);
    try (Flotilla engine = DurableEngine.start(dir, settings, config)) {
      DeploymentHandle handle =
          engine.submit(
              plan,
              new DeploymentListener() {
                @Override
                public void onEvent(DeploymentEvent event) {
                  recorded.incrementAndGet();
                  if (event instanceof DeploymentEvent.ExecutionStarted started
                      && started.step() == 1) {
                    stuck.countDown();
                  }
                }
              });
      id = handle.deploymentId();
      if (!stuck.await(30, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the deployment did not reach its last step");
      }
    }
    try (Flotilla engine = DurableEngine.start(dir, settings, config)) {
      DeploymentHistory history = new DeploymentHistory(engine.system());
      long start = System.nanoTime();
      if (history.replay(id).isEmpty()) {
        throw new IllegalStateException("the journal has no deployment " + id);
      }
      double replayMs = (System.nanoTime() - start) / 1e6;

      start = System.nanoTime();
      history.list();
      double listMs = (System.nanoTime() - start) / 1e6;

      CompletableFuture<Void> resumed = new CompletableFuture<>();
      start = System.nanoTime();
      Resumption.resumeUnfinished(
          engine,
          history,
          ignored ->
              new DeploymentListener() {
                @Override
                public void onEvent(DeploymentEvent event) {
                  if (event instanceof DeploymentEvent.ExecutionInterrupted) {
                    resumed.complete(null);
                  }
                }
              });
      resumed.get(30, TimeUnit.MINUTES);
      double resumeMs = (System.nanoTime() - start) / 1e6;
      return new Figures(recorded.get(), replayMs, resumeMs, listMs);
    }
  }
}
