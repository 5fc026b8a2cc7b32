package dev.flotilla.engine.properties;

import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import dev.flotilla.engine.model.TargetIsolation;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.Timeline.ExecutionEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/** Every rule a finished timeline must obey; each check returns the violations it found. */
public final class TimelineInvariants {

  private TimelineInvariants() {}

  public static List<String> violations(DeploymentPlan plan, Timeline timeline) {
    PlanLayout layout = PlanLayout.of(plan);
    List<String> found = new ArrayList<>();
    List<ExecutionEntry> executions = timeline.executions();
    for (ExecutionEntry e : executions) {
      if (e.endMs() == null || e.endMs() < e.startMs()) {
        found.add("execution without a proper end: " + e);
      }
    }
    if (!found.isEmpty()) {
      return found;
    }
    found.addAll(
        capHeld(
            "step cap",
            executions,
            e -> topLevel(layout, e.stepIndex()).index(),
            key -> topLevel(layout, key).targetCap()));
    found.addAll(
        capHeldCountingDistinct(
            "deployment cap",
            executions,
            plan.maxParallelism(),
            e -> topLevel(layout, e.stepIndex()).index()));
    if (plan.targetIsolation() == TargetIsolation.EXCLUSIVE) {
      found.addAll(noOverlapPerTarget(executions));
    }
    found.addAll(blocksInOrder(executions));
    found.addAll(conditionsAndStatuses(layout, timeline));
    found.addAll(everyTargetAccountedFor(layout, timeline));
    return found;
  }

  private static StepInfo topLevel(PlanLayout layout, int stepIndex) {
    StepInfo info = layout.step(stepIndex);
    return info.isChild() ? layout.step(info.parent()) : info;
  }

  /** Sweeps start/end points in time order; ends before starts at equal times. */
  private static List<double[]> points(
      List<ExecutionEntry> executions, Function<ExecutionEntry, Integer> group) {
    List<double[]> points = new ArrayList<>();
    for (ExecutionEntry e : executions) {
      points.add(new double[] {e.startMs(), +1, group.apply(e)});
      points.add(new double[] {e.endMs(), -1, group.apply(e)});
    }
    points.sort(Comparator.<double[]>comparingDouble(p -> p[0]).thenComparingDouble(p -> p[1]));
    return points;
  }

  private static List<String> capHeld(
      String what,
      List<ExecutionEntry> executions,
      Function<ExecutionEntry, Integer> group,
      Function<Integer, Integer> capOf) {
    List<String> found = new ArrayList<>();
    Map<Integer, Integer> running = new HashMap<>();
    for (double[] p : points(executions, group)) {
      int key = (int) p[2];
      int now = running.merge(key, (int) p[1], Integer::sum);
      if (now > capOf.apply(key)) {
        found.add(
            what
                + " exceeded for step "
                + key
                + ": "
                + now
                + " > "
                + capOf.apply(key)
                + " at "
                + p[0]
                + " ms");
      }
    }
    return found;
  }

  private static List<String> capHeldCountingDistinct(
      String what,
      List<ExecutionEntry> executions,
      int cap,
      Function<ExecutionEntry, Integer> group) {
    List<String> found = new ArrayList<>();
    Map<Integer, Integer> perGroup = new HashMap<>();
    for (double[] p : points(executions, group)) {
      int key = (int) p[2];
      int now = perGroup.merge(key, (int) p[1], Integer::sum);
      if (now == 0) {
        perGroup.remove(key);
      }
      if (perGroup.size() > cap) {
        found.add(
            what
                + " exceeded: "
                + perGroup.size()
                + " steps running > "
                + cap
                + " at "
                + p[0]
                + " ms");
      }
    }
    return found;
  }

  public static List<String> noOverlapPerTarget(List<ExecutionEntry> executions) {
    List<String> found = new ArrayList<>();
    Map<String, List<ExecutionEntry>> byTarget = new HashMap<>();
    for (ExecutionEntry e : executions) {
      if (e.target() != null) {
        byTarget.computeIfAbsent(e.target(), t -> new ArrayList<>()).add(e);
      }
    }
    for (var entry : byTarget.entrySet()) {
      List<ExecutionEntry> list = new ArrayList<>(entry.getValue());
      list.sort(Comparator.comparingDouble(ExecutionEntry::startMs));
      for (int i = 1; i < list.size(); i++) {
        if (list.get(i).startMs() < list.get(i - 1).endMs()) {
          found.add(
              "overlap on " + entry.getKey() + ": " + list.get(i - 1) + " and " + list.get(i));
        }
      }
    }
    return found;
  }

  private static List<String> blocksInOrder(List<ExecutionEntry> executions) {
    List<String> found = new ArrayList<>();
    Map<Integer, double[]> span = new HashMap<>();
    for (ExecutionEntry e : executions) {
      span.merge(
          e.block(),
          new double[] {e.startMs(), e.endMs()},
          (a, b) -> new double[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
    }
    List<Integer> blocks = new ArrayList<>(span.keySet());
    blocks.sort(Integer::compare);
    for (int i = 1; i < blocks.size(); i++) {
      double previousEnd = span.get(blocks.get(i - 1))[1];
      double start = span.get(blocks.get(i))[0];
      if (start < previousEnd) {
        found.add(
            "block "
                + blocks.get(i)
                + " started at "
                + start
                + " ms before block "
                + blocks.get(i - 1)
                + " ended at "
                + previousEnd
                + " ms");
      }
    }
    return found;
  }

  private static List<String> conditionsAndStatuses(PlanLayout layout, Timeline timeline) {
    List<String> found = new ArrayList<>();
    Map<String, ExecutionStatus> finalOutcome = new HashMap<>();
    for (ExecutionEntry e : timeline.executions()) {
      finalOutcome.put(e.stepIndex() + "/" + e.target(), e.status());
    }
    boolean failedSoFar = false;
    boolean anyFailure = false;
    for (int block = 0; block < layout.blocks().size(); block++) {
      boolean failedInBlock = false;
      for (int stepIndex : layout.blocks().get(block)) {
        StepInfo step = layout.step(stepIndex);
        boolean allowed = step.step().condition().allows(failedSoFar, layout.plan().variables());
        StepStatus status = timeline.steps().get(stepIndex).status();
        if (!allowed && status != StepStatus.SKIPPED) {
          found.add(
              "step "
                  + step.name()
                  + " ran although its condition "
                  + step.step().condition()
                  + " forbade it");
        }
        if (allowed && status == StepStatus.SKIPPED && !allExcluded(step, timeline)) {
          found.add("step " + step.name() + " was skipped although its condition allowed it");
        }
        Set<Integer> indices = new HashSet<>();
        indices.add(stepIndex);
        layout.childrenOf(stepIndex).forEach(child -> indices.add(child.index()));
        boolean stepFailed = false;
        for (var entry : finalOutcome.entrySet()) {
          int index = Integer.parseInt(entry.getKey().substring(0, entry.getKey().indexOf('/')));
          if (indices.contains(index) && entry.getValue().isFailure()) {
            stepFailed = true;
          }
        }
        if (stepFailed && status != StepStatus.FAILED) {
          found.add("step " + step.name() + " had a failed execution but ended " + status);
        }
        if (!stepFailed && status == StepStatus.FAILED) {
          found.add("step " + step.name() + " ended FAILED without a failed execution");
        }
        failedInBlock |= stepFailed;
      }
      failedSoFar |= failedInBlock;
      anyFailure |= failedInBlock;
    }
    DeploymentStatus expected = anyFailure ? DeploymentStatus.FAILED : DeploymentStatus.SUCCEEDED;
    if (timeline.status() != expected) {
      found.add("deployment ended " + timeline.status() + ", expected " + expected);
    }
    return found;
  }

  /**
   * Whether every target of a step was excluded (a step that then ran nothing, or only excluded
   * executions, ends SKIPPED).
   */
  private static boolean allExcluded(StepInfo step, Timeline timeline) {
    Set<String> excluded = excluded(timeline);
    return !step.step().runOnServer()
        && !step.targets().isEmpty()
        && excluded.containsAll(step.targets());
  }

  /**
   * Under guided failure: every intervention was answered, a retry was followed by its execution's
   * next attempt, and an excluded target started nothing after its exclusion.
   */
  public static List<String> interventionsSettled(Timeline timeline) {
    List<String> found = new ArrayList<>();
    for (Timeline.InterventionEntry intervention : timeline.interventions()) {
      if (intervention.decision() == null) {
        found.add("intervention never answered: " + intervention);
        continue;
      }
      if (intervention.decision().equals("retry")
          && timeline.executions().stream()
              .noneMatch(
                  e ->
                      e.stepIndex() == intervention.stepIndex()
                          && Objects.equals(e.target(), intervention.target())
                          && e.attempt() == intervention.attempt() + 1)) {
        found.add("retried without a next attempt: " + intervention);
      }
      if (intervention.decision().equals("exclude")) {
        for (ExecutionEntry e : timeline.executions()) {
          if (intervention.target().equals(e.target())
              && e.startMs() > intervention.answeredAtMs()) {
            found.add("excluded target started again: " + e + " after " + intervention);
          }
        }
      }
    }
    for (ExecutionEntry e : timeline.executions()) {
      if (e.status() == ExecutionStatus.AWAITING_INTERVENTION) {
        found.add("a finished timeline still awaits a decision: " + e);
      }
    }
    return found;
  }

  /** Targets a person excluded from the deployment. */
  private static Set<String> excluded(Timeline timeline) {
    Set<String> excluded = new HashSet<>();
    for (ExecutionEntry e : timeline.executions()) {
      if (e.status() == ExecutionStatus.EXCLUDED) {
        excluded.add(e.target());
      }
    }
    return excluded;
  }

  private static List<String> everyTargetAccountedFor(PlanLayout layout, Timeline timeline) {
    Set<String> excluded = excluded(timeline);
    List<String> found = new ArrayList<>();
    for (StepInfo step : layout.steps()) {
      if (step.isChild() || step.step().isRolling()) {
        continue;
      }
      Timeline.StepEntry entry = timeline.steps().get(step.index());
      Set<String> ran = new HashSet<>();
      for (ExecutionEntry e : timeline.executions()) {
        if (e.stepIndex() == step.index()) {
          ran.add(String.valueOf(e.target()));
        }
      }
      int expected = entry.status() == StepStatus.SKIPPED ? 0 : entry.targets();
      // A target excluded before the step reached it never runs it, and is not "not started".
      long leftOut =
          step.targets().stream().filter(t -> excluded.contains(t) && !ran.contains(t)).count();
      if (entry.status() == StepStatus.SKIPPED && ran.isEmpty()) {
        leftOut = 0;
      }
      if (ran.size() + entry.targetsNotStarted() + leftOut != expected) {
        found.add(
            "step "
                + step.name()
                + ": "
                + ran.size()
                + " targets ran + "
                + entry.targetsNotStarted()
                + " not started != "
                + expected);
      }
    }
    return found;
  }
}
