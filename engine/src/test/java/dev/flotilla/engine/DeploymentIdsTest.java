package dev.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DeploymentIdsTest {

  private static final String SHAPE = "\\d{8}T\\d{6}\\.\\d{3}Z-[0-9a-hjkmnp-tv-z]{16}";

  /** 2026-11-26T10:15:00.123Z */
  private static final long SOME_MILLISECOND = 1_795_688_100_123L;

  /**
   * A random source that always draws the same bits, to make ids collide if anything would let
   * them.
   */
  private static final class FixedRandom extends SecureRandom {
    private final long bits;

    FixedRandom(long bits) {
      this.bits = bits;
    }

    @Override
    public int nextInt() {
      return (int) bits;
    }

    @Override
    public long nextLong() {
      return bits;
    }
  }

  @Test
  void anIdIsTheUtcTimeToTheMillisecondThenEightyRandomBits() {
    String id = new DeploymentIds(new SecureRandom(), () -> SOME_MILLISECOND).next();

    assertThat(id).matches(SHAPE).startsWith("20261126T101500.123Z-");
  }

  @Test
  void idsSortByTheTimeTheyWereMade() {
    AtomicLong clock = new AtomicLong(SOME_MILLISECOND);
    DeploymentIds ids = new DeploymentIds(new SecureRandom(), clock::get);
    List<String> made = new ArrayList<>();
    for (long step : new long[] {0, 1, 999, 1000, 60_000, 86_400_000L}) {
      clock.set(SOME_MILLISECOND + step);
      made.add(ids.next());
    }

    assertThat(made).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void idsOfOneMillisecondOrOfAClockSteppingBackStillIncrease() {
    AtomicLong clock = new AtomicLong(SOME_MILLISECOND);
    DeploymentIds ids = new DeploymentIds(new FixedRandom(-1L), clock::get);
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      made.add(ids.next());
    }
    clock.set(SOME_MILLISECOND - 5_000);
    made.add(ids.next());

    assertThat(made).isSorted().doesNotHaveDuplicates().allMatch(id -> id.matches(SHAPE));
  }

  @Test
  void twoEnginesStartingDeploymentsInTheSameMillisecondDrawDifferentIds() {
    DeploymentIds one = new DeploymentIds(new SecureRandom(), () -> SOME_MILLISECOND);
    DeploymentIds other = new DeploymentIds(new SecureRandom(), () -> SOME_MILLISECOND);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      seen.add(one.next());
      seen.add(other.next());
    }

    assertThat(seen).hasSize(20_000);
  }
}
