package dev.flotilla.engine.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan laid out for running: steps flattened (a rolling step followed by its children), each with
 * its block, its parent, its effective target cap and its targets; and the blocks in order. Built
 * once per deployment; every lookup after that is by index.
 */
public final class PlanLayout {

  /** No parent: the step is at the top level of the process. */
  public static final int NO_PARENT = -1;

  /**
   * One step in the flattened list.
   *
   * @param index position in {@link #steps()}, the step's identity in events and timelines
   * @param step the step as planned
   * @param block the block it runs in (a child runs in its parent's block)
   * @param parent the rolling parent's index, or {@link #NO_PARENT}
   * @param targetCap the most targets it runs on at once: the window for a rolling step
   * @param targets the targets it runs on, in plan order; empty for {@code runOnServer}
   */
  public record StepInfo(
      int index, Step step, int block, int parent, int targetCap, List<String> targets) {
    public String name() {
      return step.name();
    }

    public boolean isChild() {
      return parent != NO_PARENT;
    }
  }

  private final DeploymentPlan plan;
  private final List<StepInfo> steps;
  private final List<List<Integer>> blocks;
  private final Map<String, Target> targetsByName = new HashMap<>();

  private PlanLayout(DeploymentPlan plan, List<StepInfo> steps, List<List<Integer>> blocks) {
    this.plan = plan;
    this.steps = steps;
    this.blocks = blocks;
    for (Target target : plan.targets()) {
      targetsByName.putIfAbsent(target.name(), target);
    }
  }

  public static PlanLayout of(DeploymentPlan plan) {
    List<StepInfo> steps = new ArrayList<>();
    List<List<Integer>> blocks = new ArrayList<>();
    for (Step step : plan.steps()) {
      if (blocks.isEmpty() || step.startTrigger() == StartTrigger.AFTER_PREVIOUS) {
        blocks.add(new ArrayList<>());
      }
      int block = blocks.size() - 1;
      int index = steps.size();
      blocks.get(block).add(index);
      List<String> targets = step.runOnServer() ? List.of() : targetsWithRoles(plan, step.roles());
      int cap =
          step.isRolling()
              ? step.windowSize()
              : step.maxParallelism() != null ? step.maxParallelism() : plan.maxParallelism();
      steps.add(new StepInfo(index, step, block, NO_PARENT, cap, targets));
      for (Step child : step.children()) {
        steps.add(new StepInfo(steps.size(), child, block, index, cap, targets));
      }
    }
    List<List<Integer>> frozen = new ArrayList<>();
    for (List<Integer> block : blocks) {
      frozen.add(List.copyOf(block));
    }
    return new PlanLayout(
        plan, Collections.unmodifiableList(steps), Collections.unmodifiableList(frozen));
  }

  private static List<String> targetsWithRoles(DeploymentPlan plan, List<String> roles) {
    List<String> names = new ArrayList<>();
    for (Target target : plan.targets()) {
      if (target.hasAnyRole(roles)) {
        names.add(target.name());
      }
    }
    return List.copyOf(names);
  }

  public DeploymentPlan plan() {
    return plan;
  }

  /** Every step, flattened: a rolling step is followed by its children. */
  public List<StepInfo> steps() {
    return steps;
  }

  public StepInfo step(int index) {
    return steps.get(index);
  }

  /** The top-level step indices of each block, in order. */
  public List<List<Integer>> blocks() {
    return blocks;
  }

  /** The children of a rolling step, in order; empty for a plain step. */
  public List<StepInfo> childrenOf(int index) {
    int count = steps.get(index).step().children().size();
    return steps.subList(index + 1, index + 1 + count);
  }

  /** The target with this name, or null. */
  public Target target(String name) {
    return name == null ? null : targetsByName.get(name);
  }

  /** The step with this name, or null. */
  public StepInfo stepNamed(String name) {
    for (StepInfo info : steps) {
      if (info.name().equals(name)) {
        return info;
      }
    }
    return null;
  }
}
