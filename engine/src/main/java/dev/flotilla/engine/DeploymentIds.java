package dev.flotilla.engine;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Deployment ids in the manner of a ULID: a readable UTC time to the millisecond, then 80 random
 * bits from {@link SecureRandom} in Crockford's base 32, e.g. {@code
 * 20261126T101500.123Z-3f9a1c0k2m7p4q8r}. Ids sort by the time they were made as plain strings; ids
 * made in the same millisecond (or while the clock steps back) continue from the previous one's
 * random part plus one, so the ids of one generator strictly increase. Two generators collide only
 * if they draw the same 80 bits in the same millisecond.
 */
final class DeploymentIds {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  /**
   * Crockford's base 32, lower case: no i, l, o or u; in ascending order, so sorting keeps numeric
   * order.
   */
  private static final char[] DIGITS = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();

  private static final int RANDOM_CHARS = 16;
  private static final long HIGH_MASK = 0xFFFFL;

  /**
   * The last id's time and its 80 random bits: the top 16 in {@code high}, the rest in {@code low}.
   */
  private record Last(long millis, long high, long low) {}

  private final SecureRandom random;
  private final LongSupplier clock;
  private final AtomicReference<Last> last = new AtomicReference<>(new Last(Long.MIN_VALUE, 0, 0));

  DeploymentIds() {
    this(new SecureRandom(), System::currentTimeMillis);
  }

  DeploymentIds(SecureRandom random, LongSupplier clock) {
    this.random = random;
    this.clock = clock;
  }

  /** A new id, greater than every id this generator made before. */
  String next() {
    while (true) {
      Last previous = last.get();
      long now = clock.getAsLong();
      Last next;
      if (now > previous.millis()) {
        next = new Last(now, random.nextInt() & HIGH_MASK, random.nextLong());
      } else {
        next = increment(previous);
      }
      if (last.compareAndSet(previous, next)) {
        return format(next);
      }
    }
  }

  private static Last increment(Last previous) {
    long low = previous.low() + 1;
    long high = low == 0 ? (previous.high() + 1) & HIGH_MASK : previous.high();
    if (low == 0 && high == 0) {
      // All 80 bits overflowed: move on to the next millisecond, whatever the clock says.
      return new Last(previous.millis() + 1, 0, 0);
    }
    return new Last(previous.millis(), high, low);
  }

  private static String format(Last id) {
    StringBuilder text =
        new StringBuilder(TIME.format(Instant.ofEpochMilli(id.millis()))).append('-');
    char[] digits = new char[RANDOM_CHARS];
    long low = id.low();
    long high = id.high();
    for (int i = RANDOM_CHARS - 1; i >= 0; i--) {
      digits[i] = DIGITS[(int) (low & 31)];
      // Shift the 80-bit number right by five: the high part's lowest bits move into the low part.
      low = (low >>> 5) | ((high & 31) << 59);
      high >>>= 5;
    }
    return text.append(digits).toString();
  }
}
