package dev.flotilla.engine.deployment;

import java.time.Instant;

/** Event times: microseconds since the epoch, so timelines stay consistent across restarts. */
final class WallClock {

  private WallClock() {}

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
