package dev.flotilla.engine.timeline;

import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.TargetIsolation;
import java.util.List;
import java.util.Map;

/**
 * What happened in a deployment, in the shape of the timeline JSON that other tools read ({@code
 * --timeline-json}): a public contract, extended but never renamed. Times are milliseconds since
 * the deployment started, at microsecond precision.
 *
 * @param status RUNNING or QUEUED only in a snapshot of a deployment still going
 * @param endMs null while the deployment runs
 * @param startedAt the wall-clock instant that {@code startMs = 0} stands for (ISO-8601, UTC)
 * @param interventions every intervention raised, in the order raised (guided failure, manual
 *     steps); empty when none was
 */
public record Timeline(
    String deploymentId,
    String name,
    DeploymentStatus status,
    int maxParallelism,
    TargetIsolation targetIsolation,
    double startMs,
    Double endMs,
    List<StepEntry> steps,
    List<ExecutionEntry> executions,
    String startedAt,
    List<InterventionEntry> interventions) {

  public Timeline {
    interventions = interventions == null ? List.of() : List.copyOf(interventions);
  }

  /** A timeline without interventions. */
  public Timeline(
      String deploymentId,
      String name,
      DeploymentStatus status,
      int maxParallelism,
      TargetIsolation targetIsolation,
      double startMs,
      Double endMs,
      List<StepEntry> steps,
      List<ExecutionEntry> executions,
      String startedAt) {
    this(
        deploymentId,
        name,
        status,
        maxParallelism,
        targetIsolation,
        startMs,
        endMs,
        steps,
        executions,
        startedAt,
        List.of());
  }

  /**
   * One step; the children of a rolling step follow it with {@code parent} set to its name.
   *
   * @param maxParallelism the effective target cap (a rolling step's window for it and its
   *     children)
   * @param windowSize the rolling window, on the rolling step only
   * @param targets how many targets the step runs on (1 for a step on the engine)
   * @param targetsNotStarted targets never started because the step failed or was cancelled
   * @param skipReason why a skipped step did not run
   */
  public record StepEntry(
      int index,
      String name,
      int block,
      String parent,
      StepStatus status,
      int maxParallelism,
      Integer windowSize,
      boolean runOnServer,
      int targets,
      int targetsNotStarted,
      String skipReason) {}

  /**
   * One attempt of one (step, target) execution; a retry is its own entry. In a snapshot of a
   * deployment still running, an execution waiting for its target's guard has status {@code
   * WAITING}: it has not started, so its {@code startMs} is its {@code waitingSinceMs} (the entries
   * of started executions come first, those waiting after them).
   *
   * @param target null for a step that runs on the engine
   * @param startMs when the action started (inside the target's guard lease); for a WAITING entry,
   *     when it began to wait
   * @param endMs when it ended; null while it runs or waits
   * @param waitingSinceMs when it started waiting for a guard held by someone else; null if it
   *     never waited
   * @param waitingFor who held the guard when it started waiting
   * @param message why it failed, if it did
   * @param intervention the number of the intervention raised for this attempt; null if none. While
   *     it waits the entry's status is {@code AWAITING_INTERVENTION}; once answered, IGNORED or
   *     EXCLUDED for those answers, the attempt's own status otherwise
   * @param outputs the output variables the attempt set (a sensitive one masked); empty if none
   */
  public record ExecutionEntry(
      String step,
      int stepIndex,
      int block,
      String target,
      int attempt,
      ExecutionStatus status,
      double startMs,
      Double endMs,
      Double waitingSinceMs,
      String waitingFor,
      String message,
      Integer intervention,
      Map<String, String> outputs) {

    public ExecutionEntry {
      outputs =
          outputs == null
              ? Map.of()
              : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs));
    }

    /** An entry with no outputs. */
    public ExecutionEntry(
        String step,
        int stepIndex,
        int block,
        String target,
        int attempt,
        ExecutionStatus status,
        double startMs,
        Double endMs,
        Double waitingSinceMs,
        String waitingFor,
        String message,
        Integer intervention) {
      this(
          step,
          stepIndex,
          block,
          target,
          attempt,
          status,
          startMs,
          endMs,
          waitingSinceMs,
          waitingFor,
          message,
          intervention,
          Map.of());
    }

    /** An entry with no intervention. */
    public ExecutionEntry(
        String step,
        int stepIndex,
        int block,
        String target,
        int attempt,
        ExecutionStatus status,
        double startMs,
        Double endMs,
        Double waitingSinceMs,
        String waitingFor,
        String message) {
      this(
          step,
          stepIndex,
          block,
          target,
          attempt,
          status,
          startMs,
          endMs,
          waitingSinceMs,
          waitingFor,
          message,
          null);
    }

    /** This entry with another status (and intervention number). */
    public ExecutionEntry with(ExecutionStatus newStatus, Integer newIntervention) {
      return new ExecutionEntry(
          step,
          stepIndex,
          block,
          target,
          attempt,
          newStatus,
          startMs,
          endMs,
          waitingSinceMs,
          waitingFor,
          message,
          newIntervention,
          outputs);
    }

    /** This entry with the outputs its execution set. */
    public ExecutionEntry withOutputs(Map<String, String> newOutputs) {
      return new ExecutionEntry(
          step,
          stepIndex,
          block,
          target,
          attempt,
          status,
          startMs,
          endMs,
          waitingSinceMs,
          waitingFor,
          message,
          intervention,
          newOutputs);
    }
  }

  /**
   * One intervention: an execution waiting for a person (guided failure, or a manual step), and the
   * answer once given. The wait lasts from {@code raisedAtMs} to {@code answeredAtMs}.
   *
   * @param number the deployment's intervention number, from 1: what an answer names
   * @param target null for a step that runs on the engine
   * @param manual a manual step (proceed or abort) rather than a guided failure
   * @param reason the failure's message, or the manual step's instructions
   * @param allowed the decisions a person may take ({@code retry}, {@code ignore}, {@code exclude},
   *     {@code fail}; {@code proceed}, {@code abort})
   * @param responsible who a manual step names to answer it; may be null
   * @param answeredAtMs null while it waits; when the deployment ended, for one never answered
   * @param decision the answer; null while it waits, or if the deployment ended first
   * @param answeredBy who answered; null for the engine (a manual step's timeout)
   * @param note the answer's note; may be null
   */
  public record InterventionEntry(
      int number,
      String step,
      int stepIndex,
      String target,
      int attempt,
      boolean manual,
      String reason,
      List<String> allowed,
      String responsible,
      double raisedAtMs,
      Double answeredAtMs,
      String decision,
      String answeredBy,
      String note) {

    /** Whether it still waits for an answer. */
    public boolean pending() {
      return answeredAtMs == null;
    }
  }

  /** The time from start to end, in milliseconds; null while running. */
  public Double makespanMs() {
    return endMs == null ? null : endMs - startMs;
  }
}
