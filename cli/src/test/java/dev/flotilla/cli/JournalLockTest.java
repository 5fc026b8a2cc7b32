package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Who holds a journal, as read from the lines of Linux's {@code /proc/locks}. */
class JournalLockTest {

  private static final List<String> PROC_LOCKS =
      List.of(
          "1: POSIX  ADVISORY  WRITE 30816 fe:00:2155189 0 EOF",
          "2: -> POSIX  ADVISORY  WRITE 555 fe:00:2147854 0 EOF",
          "2: POSIX  ADVISORY  WRITE 4242 fe:00:2147854 0 EOF",
          "3: FLOCK  ADVISORY  WRITE 29936 fe:00:2155470 0 EOF");

  @Test
  void holderIsTheProcessOfTheGrantedLockOnTheJournalsLockFile() {
    // Proves the holder is matched by device and inode, and a process only waiting for the lock is
    // not it.
    assertThat(JournalLock.holder(PROC_LOCKS, "fe:00:2147854"))
        .hasValueSatisfying(
            holder -> {
              assertThat(holder.pid()).isEqualTo(4242);
              assertThat(holder.isThisProcess()).isFalse();
              assertThat(holder.describe()).startsWith("process 4242");
            });
  }

  @Test
  void aLockFileNobodyHoldsHasNoHolder() {
    // Proves an unlisted file (a journal not in use, or a system without the listing) names nobody.
    assertThat(JournalLock.holder(PROC_LOCKS, "fe:00:1")).isEmpty();
    assertThat(JournalLock.holder(List.of(), "fe:00:2147854")).isEmpty();
  }
}
