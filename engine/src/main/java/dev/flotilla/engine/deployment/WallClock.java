package dev.flotilla.engine.deployment;

import java.time.Instant;

/**
 * Event times: microseconds since the epoch, from the wall clock, so timelines stay consistent
 * across restarts. The one place that converts between them and {@link Instant}.
 */
public final class WallClock {

  private static final long MICROS_PER_SECOND = 1_000_000L;
  private static final long NANOS_PER_MICRO = 1_000L;

  private WallClock() {}

  /** Now, in microseconds since the epoch. */
  public static long nowMicros() {
    return toMicros(Instant.now());
  }

  /** {@code instant} in microseconds since the epoch (nanoseconds are dropped). */
  public static long toMicros(Instant instant) {
    return instant.getEpochSecond() * MICROS_PER_SECOND + instant.getNano() / NANOS_PER_MICRO;
  }

  /** The instant {@code epochMicros} stands for; also before the epoch. */
  public static Instant toInstant(long epochMicros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(epochMicros, MICROS_PER_SECOND),
        Math.floorMod(epochMicros, MICROS_PER_SECOND) * NANOS_PER_MICRO);
  }
}
