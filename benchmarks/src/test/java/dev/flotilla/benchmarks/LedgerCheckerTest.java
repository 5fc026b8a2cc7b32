package dev.flotilla.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerCheckerTest {

  private static final LedgerChecker.Rules TWO_AT_ONCE =
      new LedgerChecker.Rules(Map.of("s", 2), true, 3);

  private static Ledger.Entry entry(long start, long end, String target) {
    return new Ledger.Entry(start, end, target, "s");
  }

  @Test
  void passesALedgerThatKeepsItsCapAndItsTargetsApart() {
    LedgerChecker.Verdict verdict =
        LedgerChecker.check(
            List.of(entry(0, 10, "a"), entry(0, 10, "b"), entry(10, 20, "a")), TWO_AT_ONCE);

    assertThat(verdict.passed()).as(verdict.summary()).isTrue();
    assertThat(verdict.mostAtOnce()).isEqualTo(2);
  }

  @Test
  void rejectsMoreActionsOfAStepAtOnceThanItsCap() {
    LedgerChecker.Verdict verdict =
        LedgerChecker.check(
            List.of(entry(0, 10, "a"), entry(5, 15, "b"), entry(9, 20, "c")), TWO_AT_ONCE);

    assertThat(verdict.capHeld()).isFalse();
    assertThat(verdict.mostAtOnce()).isEqualTo(3);
    assertThat(verdict.passed()).isFalse();
  }

  @Test
  void rejectsTwoActionsOverlappingOnOneTargetEvenInDifferentSteps() {
    LedgerChecker.Rules rules = new LedgerChecker.Rules(Map.of("s", 2, "t", 2), true, 2);
    LedgerChecker.Verdict verdict =
        LedgerChecker.check(
            List.of(new Ledger.Entry(0, 10, "a", "s"), new Ledger.Entry(9, 12, "a", "t")), rules);

    assertThat(verdict.overlaps()).isEqualTo(1);
    assertThat(verdict.passed()).isFalse();
  }

  @Test
  void countsAnActionStartingTheInstantAnotherEndsAsNoOverlap() {
    LedgerChecker.Verdict verdict =
        LedgerChecker.check(
            List.of(entry(0, 10, "a"), entry(10, 20, "a"), entry(20, 30, "a")), TWO_AT_ONCE);

    assertThat(verdict.passed()).as(verdict.summary()).isTrue();
    assertThat(verdict.mostAtOnce()).isEqualTo(1);
  }

  @Test
  void findsAnActionNestedInsideALongerOneOnTheSameTarget() {
    LedgerChecker.Verdict verdict =
        LedgerChecker.check(
            List.of(entry(0, 100, "a"), entry(10, 20, "b"), entry(50, 60, "a")), TWO_AT_ONCE);

    assertThat(verdict.overlaps()).isEqualTo(1);
  }

  @Test
  void ignoresOverlapOnATargetWhenTargetsAreShared() {
    LedgerChecker.Rules shared = new LedgerChecker.Rules(Map.of("s", 2), false, 2);
    LedgerChecker.Verdict verdict =
        LedgerChecker.check(List.of(entry(0, 10, "a"), entry(5, 15, "a")), shared);

    assertThat(verdict.passed()).isTrue();
    assertThat(verdict.summary()).contains("targets not checked");
  }

  @Test
  void rejectsALedgerMissingExecutions() {
    LedgerChecker.Verdict verdict =
        LedgerChecker.check(List.of(entry(0, 10, "a"), entry(0, 10, "b")), TWO_AT_ONCE);

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.problems()).anyMatch(p -> p.contains("the plan has 3"));
  }

  @Test
  void rejectsAStepThePlanDoesNotHave() {
    LedgerChecker.Verdict verdict =
        LedgerChecker.check(
            List.of(entry(0, 10, "a"), entry(0, 10, "b"), new Ledger.Entry(0, 1, "c", "x")),
            TWO_AT_ONCE);

    assertThat(verdict.problems()).anyMatch(p -> p.contains("\"x\" is not in the plan"));
  }

  @Test
  void holdsEveryStepOfAWorkloadToTheWorkloadsCap() {
    Workload workload = new Workload(20, 2, 0, 10);
    List<Ledger.Entry> ledger = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      for (int t = 0; t < 20; t++) {
        // Eleven at once in each step: one over the cap.
        long start = s * 1000L + (t / 11) * 100L;
        ledger.add(
            new Ledger.Entry(start, start + 50, Workload.targetName(t), Workload.stepName(s)));
      }
    }

    LedgerChecker.Verdict verdict = LedgerChecker.check(ledger, LedgerChecker.Rules.of(workload));

    assertThat(verdict.mostAtOnce()).isEqualTo(11);
    assertThat(verdict.capHeld()).isFalse();
  }

  @Test
  void readsTheLinesAShellTaskAppends(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ledger.txt");
    Files.writeString(file, "1700000000000000000 1700000000050000000 t000001 step-0\n\n");

    assertThat(Ledger.read(file))
        .containsExactly(
            new Ledger.Entry(
                1_700_000_000_000_000_000L, 1_700_000_000_050_000_000L, "t000001", "step-0"));
    assertThatThrownBy(() -> Ledger.Entry.parse("1 2 t000001"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
