package dev.flotilla.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code --time-scale F} of the commands that run deployments. */
final class TimeScale {

  static final String DESCRIPTION =
      "Multiplies every simulated duration: 0.1 runs a simulation ten times faster. "
          + "Scripts always run in real time. Default: ${DEFAULT-VALUE}.";

  private TimeScale() {}

  /** The scale, if it is a number greater than 0; else a usage error. */
  static double check(double timeScale, CommandSpec spec) {
    if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
      throw new ParameterException(
          spec.commandLine(), "--time-scale must be a number greater than 0, not " + timeScale);
    }
    return timeScale;
  }
}
