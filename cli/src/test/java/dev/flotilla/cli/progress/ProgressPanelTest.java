package dev.flotilla.cli.progress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.cli.progress.ProgressSnapshot.Admission;
import dev.flotilla.cli.progress.ProgressSnapshot.Child;
import dev.flotilla.cli.progress.ProgressSnapshot.Counts;
import dev.flotilla.cli.progress.ProgressSnapshot.StepRow;
import dev.flotilla.cli.progress.ProgressSnapshot.Wait;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The panel drawn from a snapshot: bars in proportion, counts, waits, and lines that never wrap.
 */
class ProgressPanelTest {

  private static final int BAR = 24;
  private static final Counts NO_EXECUTIONS = new Counts(0, 0, 0, 0, 0);

  private final ProgressPanel panel = new ProgressPanel(BAR, 16);

  @Test
  void barFillsInProportionToTargetsDoneThenRunning() {
    // Proves 24 of 40 done and 5 running fill 14 cells done and 3 running of 24 (each rounded
    // down).
    StepRow row = new StepRow("Deploy web", 40, 24, new Counts(0, 5, 23, 1, 0), 2, null, List.of());

    String line = panel.render(snapshot(row), null, 0).get(0);

    assertThat(line)
        .contains("[" + "█".repeat(14) + "▒".repeat(3) + "░".repeat(7) + "]")
        .contains("24/40")
        .contains("5 running")
        .contains("1 failed")
        .contains("2 retries");
  }

  @Test
  void barOfADoneStepIsFullAndOfAnEngineStepRunningIsAllRunning() {
    // Proves the ends of the scale: all targets done fills the bar; the one target of a step on the
    // engine, running, too.
    StepRow done =
        new StepRow("Patch", 2000, 2000, new Counts(0, 0, 2000, 0, 0), 0, null, List.of());
    StepRow onEngine = new StepRow("Notify", 1, 0, new Counts(0, 1, 0, 0, 0), 0, null, List.of());

    List<String> lines = panel.render(snapshot(done, onEngine), null, 0);

    assertThat(lines.get(0)).contains("[" + "█".repeat(BAR) + "]").contains("2000/2000");
    assertThat(lines.get(1)).contains("[" + "▒".repeat(BAR) + "]").contains("   0/1");
  }

  @Test
  void rowSaysWhatItsWaitingExecutionsWaitFor() {
    // Proves a waiting step names the target and the holder of its guard, and a rolling step where
    // its targets are.
    StepRow waiting =
        new StepRow(
            "Deploy billing",
            1,
            0,
            new Counts(1, 0, 0, 0, 0),
            0,
            new Wait("host-1", "this deployment step \"Deploy orders\"", 1),
            List.of());
    StepRow rolling =
        new StepRow(
            "Roll out web",
            40,
            12,
            new Counts(3, 5, 12, 0, 0),
            0,
            new Wait("web-20", "deployment d-2 step \"Patch\"", 3),
            List.of(new Child("Drain", 1), new Child("Deploy", 4), new Child("Undrain", 0)));

    List<String> lines = panel.render(snapshot(waiting, rolling), null, 0);

    assertThat(lines.get(0))
        .endsWith("waiting for host-1, held by this deployment step \"Deploy orders\"");
    assertThat(lines.get(1))
        .contains("5 running (Drain 1, Deploy 4)")
        .contains("3 waiting, e.g. for web-20, held by deployment d-2 step \"Patch\"");
  }

  @Test
  void footerCountsExecutionsAndTheElapsedTimeAndTheMostCommonHolder() {
    // Proves the last lines give the deployment's counts, its elapsed time and what most waits are
    // for.
    ProgressSnapshot snapshot =
        new ProgressSnapshot(
            Admission.STARTED,
            12_345_000,
            List.of(),
            new Counts(8, 4, 120, 1, 0),
            new Wait(null, "this deployment step \"Deploy orders\"", 5));

    List<String> lines = panel.render(snapshot, null, 0);

    assertThat(lines)
        .containsExactly(
            "  12.3s elapsed · 0 steps running · executions: 8 waiting, 4 running, 120 succeeded, 1 failed",
            "  waiting mostly for guards held by this deployment step \"Deploy orders\" (5 of 8 waiting)");
  }

  @Test
  void linesAreCutToTheTerminalWidth() {
    // Proves no line reaches the last column, so none wraps and the panel's height is its line
    // count.
    StepRow row =
        new StepRow(
            "A step with a rather long name indeed, longer than the column",
            1,
            0,
            new Counts(1, 0, 0, 0, 0),
            0,
            new Wait("host-1", "deployment 20261126T101500-3f9a1c step \"X\"", 1),
            List.of());

    List<String> lines = panel.render(snapshot(row), "web-release", 40);

    assertThat(lines)
        .hasSize(3)
        .allSatisfy(line -> assertThat(line.codePointCount(0, line.length())).isLessThan(40));
    assertThat(lines.get(1)).endsWith("…");
  }

  @Test
  void stepsBeyondTheCapAreCountedNotDrawn() {
    // Proves a block of many running steps keeps the panel short.
    ProgressPanel small = new ProgressPanel(BAR, 2);
    StepRow row = new StepRow("Deploy", 1, 0, new Counts(0, 1, 0, 0, 0), 0, null, List.of());

    List<String> lines = small.render(snapshot(row, row, row, row, row), null, 0);

    assertThat(lines).hasSize(4);
    assertThat(lines.get(2)).isEqualTo("  … and 3 more steps running");
  }

  @Test
  void queuedDeploymentSaysWhatItWaitsFor() {
    // Proves a deployment not admitted yet shows why instead of empty bars.
    ProgressSnapshot queued =
        new ProgressSnapshot(Admission.QUEUED, 2_000_000, List.of(), NO_EXECUTIONS, null);

    assertThat(panel.render(queued, null, 0))
        .singleElement()
        .asString()
        .contains("queued for 2.0s: waiting for the engine's deployment cap or concurrency tag");
  }

  @Test
  void deploymentNotStartedWithNothingElseRunningIsStartingNotQueued() {
    // Proves a deployment alone on its engine never claims to wait for the deployment cap before it
    // starts.
    ProgressSnapshot starting =
        new ProgressSnapshot(Admission.STARTING, 1_200_000, List.of(), NO_EXECUTIONS, null);

    assertThat(panel.render(starting, null, 0))
        .singleElement()
        .asString()
        .isEqualTo(
            "  starting (submitted 1.2s ago): the engine has accepted it and is about to run it")
        .doesNotContain("queued")
        .doesNotContain("cap");
  }

  private static ProgressSnapshot snapshot(StepRow... rows) {
    return new ProgressSnapshot(Admission.STARTED, 1_000_000, List.of(rows), NO_EXECUTIONS, null);
  }
}
