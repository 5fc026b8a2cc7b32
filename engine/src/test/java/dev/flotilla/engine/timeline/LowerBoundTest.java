package dev.flotilla.engine.timeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.TargetIsolation;
import java.util.List;
import org.junit.jupiter.api.Test;

class LowerBoundTest {

  private static Timeline.StepEntry step(
      int index, String name, int block, String parent, int cap, Integer window) {
    return new Timeline.StepEntry(
        index, name, block, parent, StepStatus.SUCCEEDED, cap, window, false, 4, 0, null);
  }

  private static Timeline.ExecutionEntry run(
      Timeline.StepEntry step, String target, double start, double end) {
    return new Timeline.ExecutionEntry(
        step.name(),
        step.index(),
        step.block(),
        target,
        1,
        ExecutionStatus.SUCCEEDED,
        start,
        end,
        null,
        null,
        null);
  }

  private static Timeline timeline(
      int maxParallelism,
      TargetIsolation isolation,
      List<Timeline.StepEntry> steps,
      List<Timeline.ExecutionEntry> executions) {
    return new Timeline(
        "d",
        "n",
        DeploymentStatus.SUCCEEDED,
        maxParallelism,
        isolation,
        0,
        1000.0,
        steps,
        executions,
        "2026-01-01T00:00:00Z");
  }

  @Test
  void aStepIsBoundByItsWorkOverItsCap() {
    // Proves the per-step term: 4 executions of 100 ms at cap 2 need at least 200 ms.
    Timeline.StepEntry deploy = step(0, "Deploy", 0, null, 2, null);
    Timeline t =
        timeline(
            10,
            TargetIsolation.SHARED,
            List.of(deploy),
            List.of(
                run(deploy, "a", 0, 100),
                run(deploy, "b", 0, 100),
                run(deploy, "c", 100, 200),
                run(deploy, "d", 100, 200)));
    assertThat(LowerBound.of(t)).isCloseTo(200, within(1e-9));
  }

  @Test
  void anExclusiveTargetIsBoundByItsOwnWork() {
    // Proves the per-target term: two steps of one block on one exclusive target run one after the
    // other.
    Timeline.StepEntry a = step(0, "A", 0, null, 10, null);
    Timeline.StepEntry b = step(1, "B", 0, null, 10, null);
    List<Timeline.ExecutionEntry> runs = List.of(run(a, "host", 0, 300), run(b, "host", 300, 500));
    assertThat(LowerBound.of(timeline(10, TargetIsolation.EXCLUSIVE, List.of(a, b), runs)))
        .isCloseTo(500, within(1e-9));
    assertThat(LowerBound.of(timeline(10, TargetIsolation.SHARED, List.of(a, b), runs)))
        .isCloseTo(300, within(1e-9));
  }

  @Test
  void blocksAddUpAndARollingStepCountsItsChildrenAgainstItsWindow() {
    // Proves blocks are summed and a rolling step's children share its window.
    Timeline.StepEntry first = step(0, "First", 0, null, 10, null);
    Timeline.StepEntry roll = step(1, "Roll", 1, null, 1, 1);
    Timeline.StepEntry drain = step(2, "Drain", 1, "Roll", 1, null);
    Timeline.StepEntry restart = step(3, "Restart", 1, "Roll", 1, null);
    Timeline t =
        timeline(
            10,
            TargetIsolation.SHARED,
            List.of(first, roll, drain, restart),
            List.of(
                run(first, "a", 0, 50),
                run(drain, "a", 50, 60),
                run(restart, "a", 60, 80),
                run(drain, "b", 80, 90),
                run(restart, "b", 90, 110)));
    assertThat(LowerBound.blocks(t))
        .extracting(LowerBound.Block::boundMs)
        .containsExactly(50.0, 60.0);
    assertThat(LowerBound.of(t)).isCloseTo(110, within(1e-9));
  }

  @Test
  void theBlockIsBoundByItsWorkOverAllSlots() {
    // Proves the block term: 2 steps at once x 1 target each, 4 one-target steps of 100 ms: 200 ms.
    List<Timeline.StepEntry> steps =
        List.of(
            step(0, "A", 0, null, 1, null),
            step(1, "B", 0, null, 1, null),
            step(2, "C", 0, null, 1, null),
            step(3, "D", 0, null, 1, null));
    List<Timeline.ExecutionEntry> runs =
        steps.stream().map(s -> run(s, "t" + s.index(), 0, 100)).toList();
    assertThat(LowerBound.of(timeline(2, TargetIsolation.EXCLUSIVE, steps, runs)))
        .isCloseTo(200, within(1e-9));
  }

  @Test
  void stepsOfABlockShareTheDeploymentsStepSlots() {
    // Proves the slot term: at deployment cap 1, two steps of one block (each bound at 100 ms) need
    // 200 ms.
    Timeline.StepEntry a = step(0, "A", 0, null, 10, null);
    Timeline.StepEntry b = step(1, "B", 0, null, 10, null);
    Timeline t =
        timeline(
            1,
            TargetIsolation.SHARED,
            List.of(a, b),
            List.of(run(a, "x", 0, 100), run(b, "y", 100, 200)));
    assertThat(LowerBound.of(t)).isCloseTo(200, within(1e-9));
  }
}
