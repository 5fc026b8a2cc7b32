package dev.flotilla.benchmarks;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.persistence.DurableEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starting engines the way a host embeds them, and timing one deployment from submit to result. */
final class FlotillaRuns {

  /** How long one benchmark deployment may take before the benchmark gives up on it. */
  static final Duration DEPLOYMENT_TIMEOUT = Duration.ofMinutes(10);

  /**
   * One deployment, timed.
   *
   * @param wallMs from submit to the result: queueing, every execution and the final record
   */
  record Measured(double wallMs, DeploymentResult result) {}

  private FlotillaRuns() {}

  static Config config() {
    return ConfigFactory.load();
  }

  /** The engine's own settings from the configuration, plus the {@code ledger} action type. */
  static EngineSettings settings(Ledger ledger) {
    return EngineSettings.fromConfig(config()).withActionType(new LedgerActionType(ledger));
  }

  static Flotilla inMemory(EngineSettings settings) {
    return Flotilla.start(settings, config());
  }

  /** A durable engine on LevelDB with fsync on (the persistence module's default). */
  static Flotilla durable(Path directory, EngineSettings settings) throws Exception {
    Config config = config();
    if (!config.getBoolean("flotilla.journal.fsync")) {
      throw new IllegalStateException(
          "flotilla.journal.fsync is off: durable figures would not be durable");
    }
    return DurableEngine.start(directory, settings, config);
  }

  /**
   * Runs one deployment to its end; anything but SUCCEEDED is an error (the figures would mean
   * nothing).
   */
  static Measured run(Flotilla engine, DeploymentPlan plan) throws Exception {
    long start = System.nanoTime();
    DeploymentResult result =
        engine
            .submit(plan)
            .result()
            .toCompletableFuture()
            .get(DEPLOYMENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    double ms = (System.nanoTime() - start) / 1e6;
    if (!result.succeeded()) {
      throw new IllegalStateException(
          "benchmark deployment " + plan.name() + " ended " + result.status());
    }
    return new Measured(ms, result);
  }

  /** The most runs {@link #warmUntilSteady} makes, and the longest it takes. */
  private static final int WARM_UP_MAX_RUNS = 80;

  private static final Duration WARM_UP_MAX_TIME = Duration.ofMinutes(2);

  /**
   * Runs compared per window, and how close two windows' medians must be to call the times settled.
   */
  private static final int WARM_UP_WINDOW = 5;

  private static final double WARM_UP_TOLERANCE = 0.10;

  /**
   * Runs {@code plan} until its times settle: the median of the last {@value #WARM_UP_WINDOW} runs
   * is within 10% of the median of the {@value #WARM_UP_WINDOW} before them (at most {@value
   * #WARM_UP_MAX_RUNS} runs or two minutes).
   *
   * @return how many runs it took
   */
  static int warmUntilSteady(Flotilla engine, DeploymentPlan plan) throws Exception {
    List<Double> walls = new ArrayList<>();
    long deadline = System.nanoTime() + WARM_UP_MAX_TIME.toNanos();
    while (walls.size() < WARM_UP_MAX_RUNS && System.nanoTime() < deadline) {
      walls.add(run(engine, plan).wallMs());
      int n = walls.size();
      if (n >= 2 * WARM_UP_WINDOW) {
        double before = Stats.median(walls.subList(n - 2 * WARM_UP_WINDOW, n - WARM_UP_WINDOW));
        double last = Stats.median(walls.subList(n - WARM_UP_WINDOW, n));
        if (Math.abs(last - before) <= WARM_UP_TOLERANCE * before) {
          break;
        }
      }
    }
    return walls.size();
  }
}
