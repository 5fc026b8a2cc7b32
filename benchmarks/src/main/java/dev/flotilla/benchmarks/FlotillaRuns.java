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
      throw new IllegalStateException("flotilla.journal.fsync is off: durable figures would not be durable");
    }
    return DurableEngine.start(directory, settings, config);
  }

  /** Runs one deployment to its end; anything but SUCCEEDED is an error (the figures would mean nothing). */
  static Measured run(Flotilla engine, DeploymentPlan plan) throws Exception {
    long start = System.nanoTime();
    DeploymentResult result = engine.submit(plan).result().toCompletableFuture()
        .get(DEPLOYMENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    double ms = (System.nanoTime() - start) / 1e6;
    if (!result.succeeded()) {
      throw new IllegalStateException("benchmark deployment " + plan.name() + " ended " + result.status());
    }
    return new Measured(ms, result);
  }
}
