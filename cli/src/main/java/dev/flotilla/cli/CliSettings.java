package dev.flotilla.cli;

import com.typesafe.config.Config;
import dev.flotilla.cli.progress.ProgressSettings;
import java.time.Duration;

/**
 * How the CLI shows a deployment, from the {@code flotilla.cli} section of the configuration
 * (defaults in this module's {@code reference.conf}).
 *
 * @param statusInterval how often a status line is printed, and the most often one step's waiting
 *     executions are summarized
 * @param outputMaxRunning script output is shown only while at most this many executions run
 * @param outputLinesPerSecond the most script output lines shown a second
 * @param failuresShownPerStep failed executions shown one by one per step
 * @param cancelGrace after Ctrl-C, how long to wait for the cancelled deployment to end
 * @param progress bars or lines, and how the live panel looks
 */
record CliSettings(
    Duration statusInterval,
    int outputMaxRunning,
    int outputLinesPerSecond,
    int failuresShownPerStep,
    Duration cancelGrace,
    ProgressSettings progress) {

  CliSettings {
    if (statusInterval.isNegative() || statusInterval.isZero()) {
      throw new IllegalArgumentException(
          "flotilla.cli.status-interval must be positive, was " + statusInterval);
    }
  }

  /** With the progress settings of {@code reference.conf}. */
  CliSettings(
      Duration statusInterval,
      int outputMaxRunning,
      int outputLinesPerSecond,
      int failuresShownPerStep,
      Duration cancelGrace) {
    this(
        statusInterval,
        outputMaxRunning,
        outputLinesPerSecond,
        failuresShownPerStep,
        cancelGrace,
        ProgressSettings.defaults());
  }

  static CliSettings fromConfig(Config config) {
    Config cli = config.getConfig("flotilla.cli");
    return new CliSettings(
        cli.getDuration("status-interval"),
        cli.getInt("output-max-running"),
        cli.getInt("output-lines-per-second"),
        cli.getInt("failures-shown-per-step"),
        cli.getDuration("cancel-grace"),
        ProgressSettings.fromConfig(config));
  }
}
