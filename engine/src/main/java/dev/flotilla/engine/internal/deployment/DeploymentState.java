package dev.flotilla.engine.internal.deployment;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.BlockStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.CancelRequested;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAborted;
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
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionKey;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.Journaled;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.pcollections.ConsPStack;
import org.pcollections.HashTreePMap;
import org.pcollections.HashTreePSet;
import org.pcollections.PMap;
import org.pcollections.PSet;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * A deployment's state: its events folded, immutable. Every transition is {@link #apply} and costs
 * O(log n) in the size of the deployment (persistent collections), never a copy of it. {@link
 * DeploymentDecider} documents the deployment's lifecycle; what this state records of one (step,
 * target) execution follows.
 *
 * <h2>An execution's lifecycle</h2>
 *
 * <table>
 *   <caption>One (step, target) execution, attempt by attempt; the per-target actor reports, the deployment records</caption>
 *   <tr><th>from</th><th>on</th><th>to</th><th>event</th></tr>
 *   <tr><td>pending</td><td>its turn in the step's throttle: it asks for the target's guard</td>
 *       <td>waiting, or starting</td><td>ExecutionWaiting if someone else holds the guard</td></tr>
 *   <tr><td>waiting</td><td>the guard is granted</td><td>starting</td><td></td></tr>
 *   <tr><td>starting</td><td>its start is recorded (before the action runs: write-ahead)</td><td>running</td>
 *       <td>ExecutionStarted ({@link #running()})</td></tr>
 *   <tr><td>running</td><td>the action ends, fails, throws, or its timeout cancels it</td>
 *       <td>SUCCEEDED, FAILED, TIMED_OUT</td><td>ExecutionFinished, last ({@link #finished()})</td></tr>
 *   <tr><td>running</td><td>it fails with retries left</td><td>pending, next attempt after the backoff</td>
 *       <td>ExecutionFinished, not last ({@link #lastAttempt()})</td></tr>
 *   <tr><td>running</td><td>under guided failure, it fails for good</td><td>waiting for a person (no guard, no
 *       slot)</td><td>ExecutionFinished, not last; InterventionRaised ({@link #interventions()})</td></tr>
 *   <tr><td>waiting for a person</td><td>retry; ignore, exclude, fail</td><td>pending, next attempt; IGNORED,
 *       EXCLUDED, its own failure ({@link #finished()})</td><td>InterventionAnswered</td></tr>
 *   <tr><td>running (a manual step)</td><td>proceed, abort, its timeout</td><td>SUCCEEDED, FAILED, TIMED_OUT</td>
 *       <td>InterventionRaised first; then InterventionAnswered and ExecutionFinished, together</td></tr>
 *   <tr><td>running</td><td>the deployment is cancelled</td><td>CANCELLED</td><td>ExecutionFinished</td></tr>
 *   <tr><td>running</td><td>the engine stopped (a crash, a journal failure); it resumes</td>
 *       <td>pending, next attempt (re-run policy); or INTERRUPTED, a failure</td><td>ExecutionInterrupted</td></tr>
 *   <tr><td>running</td><td>its per-target actor, or the deployment's, stopped without its end</td><td>FAILED</td>
 *       <td>ExecutionFinished, last, when its step ends (or by the engine)</td></tr>
 * </table>
 *
 * <p>A pending or waiting execution that never starts (its step failed or was cancelled) is counted
 * in its step's {@code targetsNotStarted}.
 */
@JsonAutoDetect(
    fieldVisibility = JsonAutoDetect.Visibility.NONE,
    getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class DeploymentState implements Journaled {

  /**
   * One step's progress, counted over final attempts only.
   *
   * @param running executions started and not finished
   */
  public record StepProgress(
      StepStatus status, int succeeded, int failed, int cancelled, int running) {
    static final StepProgress PENDING = new StepProgress(StepStatus.PENDING, 0, 0, 0, 0);

    StepProgress withStatus(StepStatus value) {
      return new StepProgress(value, succeeded, failed, cancelled, running);
    }

    StepProgress started() {
      return new StepProgress(status, succeeded, failed, cancelled, running + 1);
    }

    StepProgress finished(ExecutionStatus outcome, boolean last) {
      if (!last) {
        return new StepProgress(status, succeeded, failed, cancelled, running - 1);
      }
      // An interrupted execution that is not run again counts as failed.
      return new StepProgress(
          status,
          succeeded + (outcome == ExecutionStatus.SUCCEEDED ? 1 : 0),
          failed + (outcome.isFailure() ? 1 : 0),
          cancelled + (outcome == ExecutionStatus.CANCELLED ? 1 : 0),
          running - 1);
    }

    /** What the step's own executions say about it. */
    StepStatus outcome() {
      if (failed > 0) {
        return StepStatus.FAILED;
      }
      if (cancelled > 0) {
        return StepStatus.CANCELLED;
      }
      return succeeded > 0 ? StepStatus.SUCCEEDED : StepStatus.SKIPPED;
    }
  }

  /**
   * The final outcomes so far, in finishing order. A deployment adds one per execution, so adding
   * is O(1); an execution's outcome is looked up only when a deployment resumes after a restart (to
   * know which targets of its block are done), and the index for that is built then and kept.
   */
  static final class Outcomes {
    static final Outcomes EMPTY = new Outcomes(ConsPStack.empty());

    private final ConsPStack<Finished> newestFirst;

    /** Built on first use; immutable, so a racing second build is harmless. */
    private Map<ExecutionKey, ExecutionStatus> index;

    private Outcomes(ConsPStack<Finished> newestFirst) {
      this.newestFirst = newestFirst;
    }

    Outcomes plus(Finished outcome) {
      return new Outcomes(newestFirst.plus(outcome));
    }

    List<Finished> inOrder() {
      List<Finished> oldestFirst = new ArrayList<>(newestFirst);
      Collections.reverse(oldestFirst);
      return oldestFirst;
    }

    Map<ExecutionKey, ExecutionStatus> byExecution() {
      Map<ExecutionKey, ExecutionStatus> built = index;
      if (built == null) {
        Map<ExecutionKey, ExecutionStatus> map = new HashMap<>();
        for (Finished outcome : inOrder()) {
          map.put(new ExecutionKey(outcome.step(), outcome.target()), outcome.status());
        }
        built = Collections.unmodifiableMap(map);
        index = built;
      }
      return built;
    }
  }

  /** An execution between its start and its end. */
  public record InFlight(int attempt, long startedAtMicros) {}

  /**
   * The state as a journal snapshot stores it: plain lists instead of persistent collections. The
   * layout is rebuilt from the plan.
   */
  public record Snapshot(
      String deploymentId,
      DeploymentPlan plan,
      DeploymentStatus status,
      long startedAtMicros,
      int currentBlock,
      boolean failed,
      boolean cancelRequested,
      List<StepProgress> steps,
      List<RunningExecution> running,
      List<Attempted> lastAttempts,
      List<Finished> finished,
      long events,
      List<Intervention> interventions,
      List<String> excluded,
      List<Outputs> outputs,
      String error) {}

  /**
   * One execution's output variables, in a snapshot.
   *
   * @param target {@link dev.flotilla.engine.variables.VariableResolver#ENGINE} for the engine
   */
  public record Outputs(int step, String target, Map<String, String> values) {}

  /**
   * What later executions read of the ones before: outputs by step and target (the engine as {@link
   * dev.flotilla.engine.variables.VariableResolver#ENGINE}), in the order set, and what failed
   * first (Octopus.Deployment.Error).
   */
  public record Reads(PMap<Integer, PMap<String, Map<String, String>>> outputs, String error) {
    static final Reads EMPTY = new Reads(HashTreePMap.empty(), null);

    static Reads of(List<Outputs> outputs, String error) {
      Reads reads = new Reads(HashTreePMap.empty(), error);
      if (outputs != null) {
        for (Outputs one : outputs) {
          reads = reads.set(one.step(), one.target(), one.values());
        }
      }
      return reads;
    }

    Reads set(int step, String target, Map<String, String> values) {
      if (values.isEmpty()) {
        return this;
      }
      String key = target == null ? dev.flotilla.engine.variables.VariableResolver.ENGINE : target;
      PMap<String, Map<String, String>> byTarget = outputs.getOrDefault(step, HashTreePMap.empty());
      Map<String, String> merged =
          new java.util.LinkedHashMap<>(byTarget.getOrDefault(key, Map.of()));
      merged.putAll(values);
      return new Reads(
          outputs.plus(step, byTarget.plus(key, Collections.unmodifiableMap(merged))), error);
    }

    Reads failed(String what) {
      return error != null ? this : new Reads(outputs, what);
    }

    List<Outputs> toList() {
      List<Outputs> list = new ArrayList<>();
      outputs.forEach(
          (step, byTarget) ->
              byTarget.forEach((target, values) -> list.add(new Outputs(step, target, values))));
      list.sort(Comparator.comparingInt(Outputs::step).thenComparing(Outputs::target));
      return list;
    }
  }

  /**
   * An intervention raised for one attempt of one execution, and its answer once there is one.
   *
   * @param status how the attempt ended (FAILED, TIMED_OUT); RUNNING for a manual step
   * @param decision null while it waits
   * @param by who answered; null while it waits, or when the engine answered (a timeout)
   */
  public record Intervention(
      int number,
      int step,
      String target,
      int attempt,
      ExecutionStatus status,
      List<InterventionDecision> allowed,
      boolean manual,
      long raisedAtMicros,
      InterventionDecision decision,
      String by) {

    public boolean pending() {
      return decision == null;
    }

    Intervention answered(InterventionDecision value, String who) {
      return new Intervention(
          number, step, target, attempt, status, allowed, manual, raisedAtMicros, value, who);
    }
  }

  /** A running execution in a snapshot. */
  public record RunningExecution(int step, String target, int attempt, long startedAtMicros) {}

  /** The last attempt of an execution, in a snapshot. */
  public record Attempted(int step, String target, int attempt) {}

  /** The final outcome of an execution, in a snapshot. */
  public record Finished(int step, String target, ExecutionStatus status) {}

  @JsonValue
  Snapshot toSnapshot() {
    List<RunningExecution> runningList = new ArrayList<>();
    running.forEach(
        (key, flight) ->
            runningList.add(
                new RunningExecution(
                    key.step(), key.target(), flight.attempt(), flight.startedAtMicros())));
    List<Attempted> attempts = new ArrayList<>();
    lastAttempt.forEach(
        (key, attempt) -> attempts.add(new Attempted(key.step(), key.target(), attempt)));
    List<Finished> finishedList = finished.inOrder();
    List<Intervention> interventionList = new ArrayList<>(interventions.values());
    interventionList.sort(Comparator.comparingInt(Intervention::number));
    return new Snapshot(
        deploymentId,
        layout == null ? null : layout.plan(),
        status,
        startedAtMicros,
        currentBlock,
        failed,
        cancelRequested,
        List.copyOf(steps),
        runningList,
        attempts,
        finishedList,
        events,
        interventionList,
        List.copyOf(excluded),
        reads.toList(),
        reads.error());
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static DeploymentState fromSnapshot(Snapshot snapshot) {
    PMap<ExecutionKey, InFlight> running = HashTreePMap.empty();
    for (RunningExecution execution : snapshot.running()) {
      running =
          running.plus(
              new ExecutionKey(execution.step(), execution.target()),
              new InFlight(execution.attempt(), execution.startedAtMicros()));
    }
    PMap<ExecutionKey, Integer> attempts = HashTreePMap.empty();
    for (Attempted attempted : snapshot.lastAttempts()) {
      attempts =
          attempts.plus(
              new ExecutionKey(attempted.step(), attempted.target()), attempted.attempt());
    }
    Outcomes finished = Outcomes.EMPTY;
    for (Finished done : snapshot.finished()) {
      finished = finished.plus(done);
    }
    PMap<Integer, Intervention> interventions = HashTreePMap.empty();
    if (snapshot.interventions() != null) {
      for (Intervention intervention : snapshot.interventions()) {
        interventions = interventions.plus(intervention.number(), intervention);
      }
    }
    PSet<String> excluded =
        snapshot.excluded() == null ? HashTreePSet.empty() : HashTreePSet.from(snapshot.excluded());
    return new DeploymentState(
        snapshot.deploymentId(),
        snapshot.plan() == null ? null : PlanLayout.of(snapshot.plan()),
        snapshot.status(),
        snapshot.startedAtMicros(),
        snapshot.currentBlock(),
        snapshot.failed(),
        snapshot.cancelRequested(),
        TreePVector.from(snapshot.steps()),
        running,
        attempts,
        finished,
        snapshot.events(),
        interventions,
        excluded,
        Reads.of(snapshot.outputs(), snapshot.error()));
  }

  private final String deploymentId;
  private final PlanLayout layout;
  private final DeploymentStatus status;
  private final long startedAtMicros;
  private final int currentBlock;
  private final boolean failed;
  private final boolean cancelRequested;
  private final PVector<StepProgress> steps;
  private final PMap<ExecutionKey, InFlight> running;
  private final PMap<ExecutionKey, Integer> lastAttempt;
  private final Outcomes finished;
  private final PMap<Integer, Intervention> interventions;
  private final PSet<String> excluded;
  private final Reads reads;

  /** How many events were folded into this state (a batch counts its events). */
  private final long events;

  private DeploymentState(
      String deploymentId,
      PlanLayout layout,
      DeploymentStatus status,
      long startedAtMicros,
      int currentBlock,
      boolean failed,
      boolean cancelRequested,
      PVector<StepProgress> steps,
      PMap<ExecutionKey, InFlight> running,
      PMap<ExecutionKey, Integer> lastAttempt,
      Outcomes finished,
      long events,
      PMap<Integer, Intervention> interventions,
      PSet<String> excluded,
      Reads reads) {
    this.reads = reads;
    this.interventions = interventions;
    this.excluded = excluded;
    this.deploymentId = deploymentId;
    this.layout = layout;
    this.status = status;
    this.startedAtMicros = startedAtMicros;
    this.currentBlock = currentBlock;
    this.failed = failed;
    this.cancelRequested = cancelRequested;
    this.steps = steps;
    this.running = running;
    this.lastAttempt = lastAttempt;
    this.finished = finished;
    this.events = events;
  }

  /** Before the first event. */
  public static DeploymentState empty() {
    return new DeploymentState(
        null,
        null,
        DeploymentStatus.QUEUED,
        0L,
        -1,
        false,
        false,
        TreePVector.empty(),
        HashTreePMap.empty(),
        HashTreePMap.empty(),
        Outcomes.EMPTY,
        0L,
        HashTreePMap.empty(),
        HashTreePSet.empty(),
        Reads.EMPTY);
  }

  private DeploymentState with(
      DeploymentStatus newStatus,
      long newStartedAt,
      int newBlock,
      boolean newFailed,
      boolean newCancelRequested,
      PVector<StepProgress> newSteps,
      PMap<ExecutionKey, InFlight> newRunning,
      PMap<ExecutionKey, Integer> newLastAttempt,
      Outcomes newFinished) {
    return new DeploymentState(
        deploymentId,
        layout,
        newStatus,
        newStartedAt,
        newBlock,
        newFailed,
        newCancelRequested,
        newSteps,
        newRunning,
        newLastAttempt,
        newFinished,
        events,
        interventions,
        excluded,
        reads);
  }

  public DeploymentState apply(DeploymentEvent event) {
    if (event instanceof DeploymentEvent.Batch batch) {
      DeploymentState current = this;
      for (DeploymentEvent inner : batch.events()) {
        current = current.apply(inner);
      }
      return current;
    }
    return fold(event).counted(events + 1);
  }

  private DeploymentState counted(long value) {
    return new DeploymentState(
        deploymentId,
        layout,
        status,
        startedAtMicros,
        currentBlock,
        failed,
        cancelRequested,
        steps,
        running,
        lastAttempt,
        finished,
        value,
        interventions,
        excluded,
        reads);
  }

  private DeploymentState fold(DeploymentEvent event) {
    if (event instanceof DeploymentAccepted accepted) {
      PlanLayout newLayout = PlanLayout.of(accepted.plan());
      PVector<StepProgress> pending =
          TreePVector.from(Collections.nCopies(newLayout.steps().size(), StepProgress.PENDING));
      return new DeploymentState(
          accepted.deploymentId(),
          newLayout,
          DeploymentStatus.QUEUED,
          0L,
          -1,
          false,
          false,
          pending,
          running,
          lastAttempt,
          finished,
          events,
          interventions,
          excluded,
          reads);
    } else if (event instanceof DeploymentStarted started) {
      return with(
          DeploymentStatus.RUNNING,
          started.atMicros(),
          currentBlock,
          failed,
          cancelRequested,
          steps,
          running,
          lastAttempt,
          finished);
    } else if (event instanceof BlockStarted started) {
      return with(
          status,
          startedAtMicros,
          started.block(),
          failed,
          cancelRequested,
          steps,
          running,
          lastAttempt,
          finished);
    } else if (event instanceof StepStarted started) {
      PVector<StepProgress> updated = withStatus(steps, started.step(), StepStatus.RUNNING);
      for (PlanLayout.StepInfo child : layout.childrenOf(started.step())) {
        updated = withStatus(updated, child.index(), StepStatus.RUNNING);
      }
      return withSteps(updated);
    } else if (event instanceof StepSkipped skipped) {
      return withSteps(withStatus(steps, skipped.step(), StepStatus.SKIPPED));
    } else if (event instanceof StepFinished stepFinished) {
      return withSteps(withStatus(steps, stepFinished.step(), stepFinished.status()));
    } else if (event instanceof ExecutionStarted started) {
      ExecutionKey key = new ExecutionKey(started.step(), started.target());
      return with(
          status,
          startedAtMicros,
          currentBlock,
          failed,
          cancelRequested,
          steps.with(started.step(), steps.get(started.step()).started()),
          running.plus(key, new InFlight(started.attempt(), started.atMicros())),
          started.attempt() > 1 ? lastAttempt.plus(key, started.attempt()) : lastAttempt,
          finished);
    } else if (event instanceof ExecutionFinished ended) {
      if (!running.containsKey(new ExecutionKey(ended.step(), ended.target()))) {
        return this;
      }
      Reads updated = reads;
      if (ended.status() == ExecutionStatus.SUCCEEDED) {
        updated = updated.set(ended.step(), ended.target(), ended.outputs());
      } else if (ended.last() && ended.status().isFailure()) {
        updated =
            updated.failed(
                "step \""
                    + layout.step(ended.step()).name()
                    + "\""
                    + (ended.target() == null ? "" : " on " + ended.target())
                    + " "
                    + ended.status().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + (ended.message() == null ? "" : ": " + ended.message()));
      }
      return end(
              new ExecutionKey(ended.step(), ended.target()),
              ended.attempt(),
              ended.status(),
              ended.last())
          .withReads(updated);
    } else if (event instanceof ExecutionInterrupted interrupted) {
      return end(
          new ExecutionKey(interrupted.step(), interrupted.target()),
          interrupted.attempt(),
          ExecutionStatus.INTERRUPTED,
          !interrupted.rerun());
    } else if (event instanceof CancelRequested) {
      return with(
          status,
          startedAtMicros,
          currentBlock,
          failed,
          true,
          steps,
          running,
          lastAttempt,
          finished);
    } else if (event instanceof DeploymentFinished done) {
      return with(
          done.status(),
          startedAtMicros,
          currentBlock,
          failed,
          cancelRequested,
          steps,
          running,
          lastAttempt,
          finished);
    } else if (event instanceof DeploymentEvent.InterventionRaised raised) {
      return withInterventions(
          interventions.plus(
              raised.number(),
              new Intervention(
                  raised.number(),
                  raised.step(),
                  raised.target(),
                  raised.attempt(),
                  raised.status(),
                  raised.allowed(),
                  raised.instructions() != null,
                  raised.atMicros(),
                  null,
                  null)),
          excluded);
    } else if (event instanceof DeploymentEvent.InterventionAnswered answered) {
      return onAnswered(answered);
    } else if (event instanceof ExecutionWaiting || event instanceof DeploymentAborted) {
      // A wait changes nothing recorded here; an abort's effects are the events that follow it.
      return this;
    }
    throw new IllegalArgumentException("unknown event " + event);
  }

  private DeploymentState end(
      ExecutionKey key, int attempt, ExecutionStatus outcome, boolean last) {
    if (!running.containsKey(key)) {
      return this;
    }
    boolean nowFailed = failed || (last && outcome.isFailure());
    // A first attempt is implied by the start or the final outcome; only attempts that another
    // follows need remembering, so a resumed execution continues at the right number.
    return with(
        status,
        startedAtMicros,
        currentBlock,
        nowFailed,
        cancelRequested,
        steps.with(key.step(), steps.get(key.step()).finished(outcome, last)),
        running.minus(key),
        last ? lastAttempt : lastAttempt.plus(key, attempt),
        last ? finished.plus(new Finished(key.step(), key.target(), outcome)) : finished);
  }

  /**
   * An answer settles a guided failure's execution at once (ignore, exclude, fail), so a resumed
   * deployment never asks again; a retry leaves it to its next attempt. A manual step's answer is
   * followed by its execution's end, in the same write.
   */
  private DeploymentState onAnswered(DeploymentEvent.InterventionAnswered answered) {
    Intervention intervention = interventions.get(answered.number());
    if (intervention == null || !intervention.pending()) {
      return this;
    }
    PMap<Integer, Intervention> updated =
        interventions.plus(
            answered.number(), intervention.answered(answered.decision(), answered.by()));
    ExecutionStatus outcome =
        switch (answered.decision()) {
          case IGNORE -> ExecutionStatus.IGNORED;
          case EXCLUDE -> ExecutionStatus.EXCLUDED;
          case FAIL -> intervention.status();
          default -> null;
        };
    if (intervention.manual()) {
      return withInterventions(updated, excluded)
          .withReads(reads.set(intervention.step(), intervention.target(), answered.outputs()));
    }
    if (outcome == null) {
      return withInterventions(updated, excluded);
    }
    StepProgress progress = steps.get(intervention.step());
    StepProgress decided =
        new StepProgress(
            progress.status(),
            progress.succeeded() + (outcome == ExecutionStatus.IGNORED ? 1 : 0),
            progress.failed() + (outcome.isFailure() ? 1 : 0),
            progress.cancelled(),
            progress.running());
    return new DeploymentState(
        deploymentId,
        layout,
        status,
        startedAtMicros,
        currentBlock,
        failed || outcome.isFailure(),
        cancelRequested,
        steps.with(intervention.step(), decided),
        running,
        lastAttempt,
        finished.plus(new Finished(intervention.step(), intervention.target(), outcome)),
        events,
        updated,
        outcome == ExecutionStatus.EXCLUDED && intervention.target() != null
            ? excluded.plus(intervention.target())
            : excluded,
        outcome.isFailure()
            ? reads.failed(
                "step \""
                    + layout.step(intervention.step()).name()
                    + "\""
                    + (intervention.target() == null ? "" : " on " + intervention.target())
                    + " failed")
            : reads);
  }

  private DeploymentState withInterventions(
      PMap<Integer, Intervention> newInterventions, PSet<String> newExcluded) {
    return new DeploymentState(
        deploymentId,
        layout,
        status,
        startedAtMicros,
        currentBlock,
        failed,
        cancelRequested,
        steps,
        running,
        lastAttempt,
        finished,
        events,
        newInterventions,
        newExcluded,
        reads);
  }

  private DeploymentState withReads(Reads newReads) {
    if (newReads == reads) {
      return this;
    }
    return new DeploymentState(
        deploymentId,
        layout,
        status,
        startedAtMicros,
        currentBlock,
        failed,
        cancelRequested,
        steps,
        running,
        lastAttempt,
        finished,
        events,
        interventions,
        excluded,
        newReads);
  }

  /** Outputs and the first failure, for the variables later executions read. */
  public Reads reads() {
    return reads;
  }

  private static PVector<StepProgress> withStatus(
      PVector<StepProgress> steps, int step, StepStatus value) {
    return steps.with(step, steps.get(step).withStatus(value));
  }

  private DeploymentState withSteps(PVector<StepProgress> updated) {
    return with(
        status,
        startedAtMicros,
        currentBlock,
        failed,
        cancelRequested,
        updated,
        running,
        lastAttempt,
        finished);
  }

  public String deploymentId() {
    return deploymentId;
  }

  /** How many events the deployment has recorded (a batch counts its events). */
  public long events() {
    return events;
  }

  public PlanLayout layout() {
    return layout;
  }

  public DeploymentStatus status() {
    return status;
  }

  public long startedAtMicros() {
    return startedAtMicros;
  }

  /** The block running (or last run); -1 before the first. */
  public int currentBlock() {
    return currentBlock;
  }

  /**
   * The last attempt of every execution that is to run again (a retry or a re-run after a restart
   * is due) or that is running beyond its first attempt.
   */
  public PMap<ExecutionKey, Integer> lastAttempt() {
    return lastAttempt;
  }

  /** Whether any execution has failed for good so far: what run conditions look at. */
  public boolean failed() {
    return failed;
  }

  public boolean cancelRequested() {
    return cancelRequested;
  }

  public StepProgress step(int index) {
    return steps.get(index);
  }

  /** Executions started and not yet finished. */
  public PMap<ExecutionKey, InFlight> running() {
    return running;
  }

  /** The final outcome of every execution that finished for good. */
  public Map<ExecutionKey, ExecutionStatus> finished() {
    return finished.byExecution();
  }

  /** Every intervention raised so far, by number, answered or not. */
  public PMap<Integer, Intervention> interventions() {
    return interventions;
  }

  /** The intervention raised for this attempt of this execution, or null. */
  public Intervention interventionFor(int step, String target, int attempt) {
    for (Intervention intervention : interventions.values()) {
      if (intervention.step() == step
          && intervention.attempt() == attempt
          && Objects.equals(intervention.target(), target)) {
        return intervention;
      }
    }
    return null;
  }

  /** The interventions still waiting for an answer, in the order raised. */
  public List<Intervention> pendingInterventions() {
    List<Intervention> pending = new ArrayList<>();
    for (Intervention intervention : interventions.values()) {
      if (intervention.pending()) {
        pending.add(intervention);
      }
    }
    pending.sort(Comparator.comparingInt(Intervention::number));
    return pending;
  }

  /** Targets a person excluded from the rest of the deployment. */
  public PSet<String> excluded() {
    return excluded;
  }

  /** The status a step ends with, from its executions; a rolling step's from its children's. */
  public StepStatus outcomeOf(int index) {
    PlanLayout.StepInfo info = layout.step(index);
    if (!info.step().isRolling()) {
      return steps.get(index).outcome();
    }
    boolean anyCancelled = false;
    boolean anySucceeded = false;
    for (PlanLayout.StepInfo child : layout.childrenOf(index)) {
      StepStatus childOutcome = steps.get(child.index()).outcome();
      if (childOutcome == StepStatus.FAILED) {
        return StepStatus.FAILED;
      }
      anyCancelled |= childOutcome == StepStatus.CANCELLED;
      anySucceeded |= childOutcome == StepStatus.SUCCEEDED;
    }
    return anyCancelled
        ? StepStatus.CANCELLED
        : anySucceeded ? StepStatus.SUCCEEDED : StepStatus.SKIPPED;
  }
}
