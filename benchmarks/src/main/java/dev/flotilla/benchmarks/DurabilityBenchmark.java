package dev.flotilla.benchmarks;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.persistence.DurableEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Group commit, measured: a deployment of 2,000 targets x 5 zero-duration steps, durable on
 * LevelDB with fsync on, against the same plan in memory. Prints the medians and their ratio
 * (target: durable under 3x in memory). Run: {@code benchmarks/run durability [--runs N]}.
 */
public final class DurabilityBenchmark {

  private DurabilityBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 1 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 5;
    int targets = 2_000;
    int steps = 5;
    Config config = ConfigFactory.load();
    EngineSettings settings = EngineSettings.fromConfig(config);
    DeploymentPlan plan = Fleet.plan("durability", targets, steps, "0ms", 10);

    List<Double> memory = new ArrayList<>();
    List<Double> durable = new ArrayList<>();
    try (Flotilla engine = Flotilla.start(settings, config)) {
      run(engine, plan); // warm-up
      for (int i = 0; i < runs; i++) {
        memory.add(run(engine, plan));
      }
    }
    Path dir = Files.createTempDirectory("flotilla-durability");
    try (Flotilla engine = DurableEngine.start(dir, settings, config)) {
      run(engine, plan); // warm-up
      for (int i = 0; i < runs; i++) {
        durable.add(run(engine, plan));
      }
    }
    double memoryMs = median(memory);
    double durableMs = median(durable);
    int executions = targets * steps;
    System.out.printf(Locale.ROOT, "plan: %d targets x %d steps, zero-duration actions, cap 10, %d runs each%n",
        targets, steps, runs);
    System.out.printf(Locale.ROOT, "in memory: median %.0f ms (%.0f executions/s)%n", memoryMs,
        executions / (memoryMs / 1000));
    System.out.printf(Locale.ROOT, "durable (LevelDB, fsync on): median %.0f ms (%.0f executions/s)%n", durableMs,
        executions / (durableMs / 1000));
    double ratio = durableMs / memoryMs;
    System.out.printf(Locale.ROOT, "durable / in memory = %.2fx (target < 3x): %s%n", ratio,
        ratio < 3 ? "MET" : "MISSED");
  }

  private static double run(Flotilla engine, DeploymentPlan plan) throws Exception {
    long start = System.nanoTime();
    DeploymentResult result = engine.submit(plan).result().toCompletableFuture().get(10, TimeUnit.MINUTES);
    double ms = (System.nanoTime() - start) / 1e6;
    if (result.status() != DeploymentStatus.SUCCEEDED) {
      throw new IllegalStateException("benchmark deployment ended " + result.status());
    }
    return ms;
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
