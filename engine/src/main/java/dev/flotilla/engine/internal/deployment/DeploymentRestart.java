package dev.flotilla.engine.internal.deployment;

import com.typesafe.config.Config;
import java.time.Duration;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;

/**
 * How a durable deployment restarts after its journal failed ({@code flotilla.deployment-restart}
 * in the configuration): with backoff, as Pekko recommends for event-sourced actors, so a journal
 * that is briefly unavailable is not hammered, and a bounded number of times in a row.
 *
 * @param resetAfter a deployment that ran this long since its last restart counts failures afresh
 */
record DeploymentRestart(
    Duration minBackoff,
    Duration maxBackoff,
    double randomFactor,
    int maxRestarts,
    Duration resetAfter) {

  static DeploymentRestart fromConfig(Config config) {
    Config restart = config.getConfig("flotilla.deployment-restart");
    return new DeploymentRestart(
        restart.getDuration("min-backoff"),
        restart.getDuration("max-backoff"),
        restart.getDouble("random-factor"),
        restart.getInt("max-restarts"),
        restart.getDuration("reset-after"));
  }

  BackoffSupervisorStrategy strategy() {
    return SupervisorStrategy.restartWithBackoff(minBackoff, maxBackoff, randomFactor)
        .withMaxRestarts(maxRestarts)
        .withResetBackoffAfter(resetAfter);
  }
}
