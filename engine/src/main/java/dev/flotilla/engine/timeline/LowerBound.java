package dev.flotilla.engine.timeline;

import dev.flotilla.engine.model.TargetIsolation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The shortest makespan any scheduler could reach for the work a timeline records, under its caps.
 * Blocks are barriers, so the plan's bound is the sum of its blocks' bounds; a block's bound is the
 * largest of:
 *
 * <ul>
 *   <li>its longest single execution;
 *   <li>per step, the step's total work over its target cap (a rolling step: its children's work
 *       over its window);
 *   <li>per target, under exclusive isolation, the total work on that target;
 *   <li>the block's total work over (step cap x the largest target cap of its steps), the step cap
 *       being the deployment's maxParallelism;
 *   <li>the sum of its steps' own bounds (the larger of their longest execution and their work over
 *       their cap) over the step cap: a step holds its slot at least that long.
 * </ul>
 *
 * Work is measured, not planned: every recorded attempt counts for its duration (retries included);
 * an interrupted attempt, whose end is unknown, counts for nothing.
 */
public final class LowerBound {

  /** One block's bound and the term that set it. */
  public record Block(int block, double boundMs, String limitedBy) {}

  private LowerBound() {}

  /** The bound of every block that ran, in order. */
  public static List<Block> blocks(Timeline timeline) {
    Map<Integer, Timeline.StepEntry> steps = new HashMap<>();
    for (Timeline.StepEntry step : timeline.steps()) {
      steps.put(step.index(), step);
    }
    Map<String, Integer> indexByName = new HashMap<>();
    for (Timeline.StepEntry step : timeline.steps()) {
      indexByName.put(step.name(), step.index());
    }
    record Work(
        double longest,
        double total,
        Map<Integer, Double> perStep,
        Map<Integer, Double> longestPerStep,
        Map<String, Double> perTarget,
        int maxCap) {}
    Map<Integer, Work> byBlock = new TreeMap<>();
    for (Timeline.ExecutionEntry execution : timeline.executions()) {
      if (execution.endMs() == null) {
        continue;
      }
      double duration = Math.max(0, execution.endMs() - execution.startMs());
      Timeline.StepEntry step = steps.get(execution.stepIndex());
      Timeline.StepEntry owner =
          step.parent() == null ? step : steps.get(indexByName.get(step.parent()));
      Work work =
          byBlock.computeIfAbsent(
              execution.block(),
              b -> new Work(0, 0, new HashMap<>(), new HashMap<>(), new HashMap<>(), 1));
      work.perStep().merge(owner.index(), duration, Double::sum);
      work.longestPerStep().merge(owner.index(), duration, Math::max);
      if (execution.target() != null) {
        work.perTarget().merge(execution.target(), duration, Double::sum);
      }
      int cap = owner.runOnServer() ? 1 : owner.maxParallelism();
      byBlock.put(
          execution.block(),
          new Work(
              Math.max(work.longest(), duration),
              work.total() + duration,
              work.perStep(),
              work.longestPerStep(),
              work.perTarget(),
              Math.max(work.maxCap(), cap)));
    }
    List<Block> blocks = new ArrayList<>();
    for (var entry : byBlock.entrySet()) {
      Work work = entry.getValue();
      double bound = work.longest();
      String limitedBy = "the longest execution";
      double stepBounds = 0;
      for (var perStep : work.perStep().entrySet()) {
        Timeline.StepEntry step = steps.get(perStep.getKey());
        int cap = step.runOnServer() ? 1 : step.maxParallelism();
        double stepBound = perStep.getValue() / cap;
        stepBounds +=
            Math.max(stepBound, work.longestPerStep().getOrDefault(perStep.getKey(), 0.0));
        if (stepBound > bound) {
          bound = stepBound;
          limitedBy = "step \"" + step.name() + "\" over its cap of " + cap;
        }
      }
      double slotBound = stepBounds / timeline.maxParallelism();
      if (slotBound > bound) {
        bound = slotBound;
        limitedBy = "its steps' bounds over " + timeline.maxParallelism() + " step slots";
      }
      if (timeline.targetIsolation() == TargetIsolation.EXCLUSIVE) {
        for (var perTarget : work.perTarget().entrySet()) {
          if (perTarget.getValue() > bound) {
            bound = perTarget.getValue();
            limitedBy = "target " + perTarget.getKey() + " (exclusive)";
          }
        }
      }
      double blockBound = work.total() / ((double) timeline.maxParallelism() * work.maxCap());
      if (blockBound > bound) {
        bound = blockBound;
        limitedBy =
            "the block's work over "
                + timeline.maxParallelism()
                + " steps x "
                + work.maxCap()
                + " targets";
      }
      blocks.add(new Block(entry.getKey(), bound, limitedBy));
    }
    return blocks;
  }

  /** The plan's bound in milliseconds: the sum of its blocks' bounds. */
  public static double of(Timeline timeline) {
    return blocks(timeline).stream().mapToDouble(Block::boundMs).sum();
  }
}
