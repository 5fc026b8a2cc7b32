package dev.flotilla.engine.timeline;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.CancelRequested;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionInterrupted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionWaiting;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepSkipped;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.deployment.WallClock;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link Timeline} from a deployment's events, live (as a listener) or from a journal.
 * Works from events alone, so a replay and a live run give the same document. Not thread-safe: feed
 * it from one thread at a time.
 *
 * <p>An execution waiting for its target's guard appears as {@code WAITING} until it starts (its
 * entry then takes the place of a started one, as if it had never waited) or its step ends without
 * starting it (a failed or cancelled step: it leaves the timeline, as an execution that never ran).
 * A finished deployment's timeline has no waiting entry.
 */
public final class TimelineRecorder implements DeploymentListener {

  private record WaitKey(int step, String target, int attempt) {}

  private String deploymentId;
  private PlanLayout layout;
  private DeploymentStatus status = DeploymentStatus.QUEUED;
  private long acceptedAtMicros;
  private long originMicros = -1;
  private Long endedAtMicros;
  private final List<StepStatus> stepStatus = new ArrayList<>();
  private final List<Integer> notStarted = new ArrayList<>();
  private final List<String> skipReasons = new ArrayList<>();
  private final List<Timeline.ExecutionEntry> executions = new ArrayList<>();
  private final Map<WaitKey, Integer> executionIndex = new HashMap<>();

  /** Executions waiting for their guard, in the order they began to wait. */
  private final Map<WaitKey, ExecutionWaiting> waits = new LinkedHashMap<>();

  /** Every attempt's entry, by (step, target, attempt): where an intervention marks its wait. */
  private final Map<WaitKey, Integer> attemptEntries = new HashMap<>();

  /** Interventions in the order raised; the n-th is number n. */
  private final List<Timeline.InterventionEntry> interventions = new ArrayList<>();

  /** The attempt's own status, by intervention number, restored when the answer keeps it. */
  private final Map<Integer, ExecutionStatus> attemptStatus = new HashMap<>();

  @Override
  public void onEvent(DeploymentEvent event) {
    if (event instanceof DeploymentEvent.Batch batch) {
      batch.events().forEach(this::onEvent);
      return;
    }
    if (event instanceof DeploymentAccepted accepted) {
      deploymentId = accepted.deploymentId();
      layout = PlanLayout.of(accepted.plan());
      acceptedAtMicros = accepted.atMicros();
      for (int i = 0; i < layout.steps().size(); i++) {
        stepStatus.add(StepStatus.PENDING);
        notStarted.add(0);
        skipReasons.add(null);
      }
    } else if (event instanceof DeploymentStarted started) {
      status = DeploymentStatus.RUNNING;
      originMicros = started.atMicros();
    } else if (event instanceof StepStarted started) {
      stepStatus.set(started.step(), StepStatus.RUNNING);
      for (StepInfo child : layout.childrenOf(started.step())) {
        stepStatus.set(child.index(), StepStatus.RUNNING);
      }
    } else if (event instanceof StepSkipped skipped) {
      stepStatus.set(skipped.step(), StepStatus.SKIPPED);
      skipReasons.set(skipped.step(), skipped.reason());
    } else if (event instanceof StepFinished finished) {
      stepStatus.set(finished.step(), finished.status());
      notStarted.set(finished.step(), finished.targetsNotStarted());
      forgetWaits(finished.step());
    } else if (event instanceof ExecutionWaiting waiting) {
      waits.put(new WaitKey(waiting.step(), waiting.target(), waiting.attempt()), waiting);
    } else if (event instanceof ExecutionStarted started) {
      onStarted(started);
    } else if (event instanceof ExecutionFinished finished) {
      onFinished(finished);
    } else if (event instanceof ExecutionInterrupted interrupted) {
      onInterrupted(interrupted);
    } else if (event instanceof DeploymentEvent.InterventionRaised raised) {
      onRaised(raised);
    } else if (event instanceof DeploymentEvent.InterventionAnswered answered) {
      onAnswered(answered);
    } else if (event instanceof DeploymentFinished finished) {
      status = finished.status();
      endedAtMicros = finished.atMicros();
      waits.clear();
      closeInterventions(finished.atMicros());
    } else if (event instanceof CancelRequested) {
      // The cancelled executions and steps follow as their own events.
    }
  }

  private void onStarted(ExecutionStarted started) {
    WaitKey key = new WaitKey(started.step(), started.target(), started.attempt());
    ExecutionWaiting waiting = waits.remove(key);
    StepInfo step = layout.step(started.step());
    executionIndex.put(key, executions.size());
    attemptEntries.put(key, executions.size());
    executions.add(
        new Timeline.ExecutionEntry(
            step.name(),
            step.index(),
            step.block(),
            started.target(),
            started.attempt(),
            ExecutionStatus.RUNNING,
            millis(started.atMicros()),
            null,
            waiting == null ? null : millis(waiting.atMicros()),
            waiting == null ? null : waiting.heldBy(),
            null));
  }

  /**
   * Executions of a step (or of a rolling step's children) still waiting when it ends never start.
   */
  private void forgetWaits(int step) {
    if (waits.isEmpty()) {
      return;
    }
    Set<Integer> steps = new HashSet<>();
    steps.add(step);
    layout.childrenOf(step).forEach(child -> steps.add(child.index()));
    waits.keySet().removeIf(key -> steps.contains(key.step()));
  }

  private void onFinished(ExecutionFinished finished) {
    WaitKey key = new WaitKey(finished.step(), finished.target(), finished.attempt());
    Integer index = executionIndex.remove(key);
    if (index == null) {
      waits.remove(key);
      return;
    }
    Timeline.ExecutionEntry running = executions.get(index);
    executions.set(
        index,
        new Timeline.ExecutionEntry(
            running.step(),
            running.stepIndex(),
            running.block(),
            running.target(),
            running.attempt(),
            finished.status(),
            running.startMs(),
            millis(finished.atMicros()),
            running.waitingSinceMs(),
            running.waitingFor(),
            finished.message(),
            running.intervention(),
            finished.outputs()));
  }

  private void onRaised(DeploymentEvent.InterventionRaised raised) {
    StepInfo step = layout.step(raised.step());
    interventions.add(
        new Timeline.InterventionEntry(
            raised.number(),
            step.name(),
            step.index(),
            raised.target(),
            raised.attempt(),
            raised.instructions() != null,
            raised.reason(),
            raised.allowed().stream().map(InterventionDecision::wireName).toList(),
            raised.responsible(),
            millis(raised.atMicros()),
            null,
            null,
            null,
            null));
    Integer index =
        attemptEntries.get(new WaitKey(raised.step(), raised.target(), raised.attempt()));
    if (index != null) {
      Timeline.ExecutionEntry entry = executions.get(index);
      attemptStatus.put(raised.number(), entry.status());
      executions.set(index, entry.with(ExecutionStatus.AWAITING_INTERVENTION, raised.number()));
    }
  }

  private void onAnswered(DeploymentEvent.InterventionAnswered answered) {
    Timeline.InterventionEntry raised = intervention(answered.number());
    if (raised == null || !raised.pending()) {
      return;
    }
    interventions.set(
        answered.number() - 1,
        new Timeline.InterventionEntry(
            raised.number(),
            raised.step(),
            raised.stepIndex(),
            raised.target(),
            raised.attempt(),
            raised.manual(),
            raised.reason(),
            raised.allowed(),
            raised.responsible(),
            raised.raisedAtMs(),
            millis(answered.atMicros()),
            answered.decision().wireName(),
            answered.by(),
            answered.note()));
    ExecutionStatus after =
        switch (answered.decision()) {
          case IGNORE -> ExecutionStatus.IGNORED;
          case EXCLUDE -> ExecutionStatus.EXCLUDED;
          default -> attemptStatus.get(answered.number());
        };
    settle(raised, after);
  }

  /** The entry of an intervention's attempt leaves AWAITING_INTERVENTION for {@code after}. */
  private void settle(Timeline.InterventionEntry intervention, ExecutionStatus after) {
    Integer index =
        attemptEntries.get(
            new WaitKey(intervention.stepIndex(), intervention.target(), intervention.attempt()));
    if (index == null || after == null) {
      return;
    }
    Timeline.ExecutionEntry entry = executions.get(index);
    if (entry.status() == ExecutionStatus.AWAITING_INTERVENTION) {
      executions.set(index, entry.with(after, entry.intervention()));
    }
  }

  /** The deployment ended: interventions never answered close with it, unanswered. */
  private void closeInterventions(long atMicros) {
    for (int i = 0; i < interventions.size(); i++) {
      Timeline.InterventionEntry open = interventions.get(i);
      if (!open.pending()) {
        continue;
      }
      interventions.set(
          i,
          new Timeline.InterventionEntry(
              open.number(),
              open.step(),
              open.stepIndex(),
              open.target(),
              open.attempt(),
              open.manual(),
              open.reason(),
              open.allowed(),
              open.responsible(),
              open.raisedAtMs(),
              millis(atMicros),
              null,
              null,
              null));
      settle(open, attemptStatus.get(open.number()));
    }
  }

  private Timeline.InterventionEntry intervention(int number) {
    return number >= 1 && number <= interventions.size() ? interventions.get(number - 1) : null;
  }

  private long originMicros() {
    return originMicros >= 0 ? originMicros : acceptedAtMicros;
  }

  /** The engine stopped while it ran: no end is known, so the entry keeps {@code endMs: null}. */
  private void onInterrupted(ExecutionInterrupted interrupted) {
    Integer index =
        executionIndex.remove(
            new WaitKey(interrupted.step(), interrupted.target(), interrupted.attempt()));
    if (index == null) {
      return;
    }
    Timeline.ExecutionEntry running = executions.get(index);
    executions.set(
        index,
        new Timeline.ExecutionEntry(
            running.step(),
            running.stepIndex(),
            running.block(),
            running.target(),
            running.attempt(),
            ExecutionStatus.INTERRUPTED,
            running.startMs(),
            null,
            running.waitingSinceMs(),
            running.waitingFor(),
            interrupted.rerun()
                ? "interrupted: the engine stopped; run again"
                : "interrupted: the engine stopped; counted as failed"));
  }

  private double millis(long atMicros) {
    return (atMicros - originMicros()) / 1000.0;
  }

  /** The timeline so far; the final one once the deployment has finished. */
  public Timeline timeline() {
    if (layout == null) {
      throw new IllegalStateException("no deployment recorded yet");
    }
    List<Timeline.StepEntry> steps = new ArrayList<>();
    for (StepInfo info : layout.steps()) {
      String parent = info.isChild() ? layout.step(info.parent()).name() : null;
      steps.add(
          new Timeline.StepEntry(
              info.index(),
              info.name(),
              info.block(),
              parent,
              stepStatus.get(info.index()),
              info.targetCap(),
              info.isChild() ? null : info.step().windowSize(),
              info.step().runOnServer(),
              info.step().runOnServer() ? 1 : info.targets().size(),
              notStarted.get(info.index()),
              skipReasons.get(info.index())));
    }
    List<Timeline.ExecutionEntry> entries = executions;
    if (!waits.isEmpty()) {
      entries = new ArrayList<>(executions.size() + waits.size());
      entries.addAll(executions);
      for (ExecutionWaiting waiting : waits.values()) {
        StepInfo step = layout.step(waiting.step());
        double since = millis(waiting.atMicros());
        entries.add(
            new Timeline.ExecutionEntry(
                step.name(),
                step.index(),
                step.block(),
                waiting.target(),
                waiting.attempt(),
                ExecutionStatus.WAITING,
                since,
                null,
                since,
                waiting.heldBy(),
                null));
      }
    }
    return new Timeline(
        deploymentId,
        layout.plan().name(),
        status,
        layout.plan().maxParallelism(),
        layout.plan().targetIsolation(),
        0.0,
        endedAtMicros == null ? null : millis(endedAtMicros),
        List.copyOf(steps),
        List.copyOf(entries),
        WallClock.toInstant(originMicros()).toString(),
        List.copyOf(interventions));
  }

  /** The plan's layout, once the deployment has been accepted. */
  public PlanLayout layout() {
    return layout;
  }
}
