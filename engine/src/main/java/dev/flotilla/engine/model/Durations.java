package dev.flotilla.engine.model;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The duration syntax of plans: {@code 250ms}, {@code 2s}, {@code 1.5s}, {@code 1m}, {@code 1h}.
 */
public final class Durations {

  private static final Pattern SYNTAX = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

  private Durations() {}

  /**
   * Parses a plan duration.
   *
   * @throws IllegalArgumentException saying what is accepted
   */
  public static Duration parse(String text) {
    Matcher matcher = text == null ? null : SYNTAX.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (matcher == null || !matcher.matches()) {
      throw new IllegalArgumentException(
          "\""
              + text
              + "\" is not a duration (write a number and a unit: 250ms, 2s, 1.5s, 1m, 1h)");
    }
    BigDecimal amount = new BigDecimal(matcher.group(1));
    BigDecimal nanosPerUnit =
        BigDecimal.valueOf(
            switch (matcher.group(2)) {
              case "ms" -> 1_000_000L;
              case "s" -> 1_000_000_000L;
              case "m" -> 60_000_000_000L;
              default -> 3_600_000_000_000L;
            });
    try {
      return Duration.ofNanos(amount.multiply(nanosPerUnit).longValueExact());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "\""
              + text
              + "\" is out of range (a duration is whole nanoseconds, up to about 292 years)");
    }
  }

  /** Formats a duration the way a person reads it: {@code 850ms}, {@code 2.4s}, {@code 3m05s}. */
  public static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis < 1_000) {
      return millis + "ms";
    }
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
    long seconds = millis / 1000;
    return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
  }
}
