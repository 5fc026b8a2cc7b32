package dev.flotilla.cli.progress;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;

/**
 * How the live progress panel looks, from the {@code flotilla.cli} section of the configuration
 * (defaults in the cli module's {@code reference.conf}).
 *
 * @param mode {@code auto}, {@code bars} or {@code lines}; {@code FLOTILLA_PROGRESS} or {@code
 *     -Dflotilla.cli.progress} override it
 * @param redrawInterval how often the panel is redrawn
 * @param barWidth the cells of one step's bar
 * @param stepsShown the most running steps the panel shows one by one; the rest are counted
 */
public record ProgressSettings(String mode, Duration redrawInterval, int barWidth, int stepsShown) {

  public ProgressSettings {
    ProgressMode.choose(mode, false);
    if (redrawInterval.isNegative() || redrawInterval.isZero()) {
      throw new IllegalArgumentException(
          "flotilla.cli.progress-redraw-interval must be positive, was " + redrawInterval);
    }
    if (barWidth < 1 || stepsShown < 1) {
      throw new IllegalArgumentException(
          "flotilla.cli.progress-bar-width and progress-steps-shown must be at least 1");
    }
  }

  public static ProgressSettings fromConfig(Config config) {
    Config cli = config.getConfig("flotilla.cli");
    return new ProgressSettings(
        cli.getString("progress"),
        cli.getDuration("progress-redraw-interval"),
        cli.getInt("progress-bar-width"),
        cli.getInt("progress-steps-shown"));
  }

  /** The settings of the cli module's {@code reference.conf}, with the environment's override. */
  public static ProgressSettings defaults() {
    return fromConfig(ConfigFactory.defaultReference());
  }

  /** The mode to show the progress in, given whether the output is a terminal. */
  public ProgressMode mode(boolean terminal) {
    return ProgressMode.choose(mode, terminal);
  }
}
