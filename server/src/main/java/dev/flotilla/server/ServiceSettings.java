package dev.flotilla.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;

/**
 * How the service serves, from the {@code flotilla.service} section of the configuration (defaults
 * in the server module's {@code reference.conf}).
 *
 * @param httpThreads threads answering requests; an open event stream holds one
 * @param httpQueue requests that may wait for a thread before connections are refused
 * @param maxEventStreams event streams open at once, kept below {@code httpThreads}
 * @param maxPlanBytes the largest plan accepted
 * @param maxCancelBytes the largest cancel request body accepted
 * @param keepAliveInterval how often a quiet event stream sends a comment
 * @param maxLogLines output lines kept per deployment for its event stream
 * @param stopGrace how long open requests may take to finish when the service stops
 */
record ServiceSettings(
    int httpThreads,
    int httpQueue,
    int maxEventStreams,
    long maxPlanBytes,
    long maxCancelBytes,
    Duration keepAliveInterval,
    int maxLogLines,
    Duration stopGrace) {

  ServiceSettings {
    if (maxEventStreams < 1 || maxEventStreams >= httpThreads) {
      // Streams hold their thread while open: some threads must stay free for everything else.
      throw new IllegalArgumentException(
          "flotilla.service.max-event-streams must be between 1 and http-threads - 1, was "
              + maxEventStreams
              + " with http-threads = "
              + httpThreads);
    }
    if (httpQueue < 1 || maxPlanBytes < 1 || maxCancelBytes < 1 || maxLogLines < 0) {
      throw new IllegalArgumentException(
          "flotilla.service: http-queue, max-plan-bytes and max-cancel-bytes must be"
              + " positive and max-log-lines 0 or more");
    }
    if (keepAliveInterval.isNegative() || keepAliveInterval.isZero()) {
      throw new IllegalArgumentException(
          "flotilla.service.keep-alive-interval must be positive, was " + keepAliveInterval);
    }
    if (stopGrace.isNegative()) {
      throw new IllegalArgumentException(
          "flotilla.service.stop-grace must be 0 or more, was " + stopGrace);
    }
  }

  /** The host's configuration with the service's defaults under it. */
  static Config withDefaults(Config config) {
    return config.withFallback(ConfigFactory.defaultReference()).resolve();
  }

  /** Reads the settings from a configuration that has the defaults (see {@link #withDefaults}). */
  static ServiceSettings fromConfig(Config config) {
    Config service = config.getConfig("flotilla.service");
    return new ServiceSettings(
        service.getInt("http-threads"),
        service.getInt("http-queue"),
        service.getInt("max-event-streams"),
        service.getBytes("max-plan-bytes"),
        service.getBytes("max-cancel-bytes"),
        service.getDuration("keep-alive-interval"),
        service.getInt("max-log-lines"),
        service.getDuration("stop-grace"));
  }
}
