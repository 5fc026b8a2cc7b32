package dev.flotilla.engine.deployment;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.flotilla.engine.model.DeploymentPlan;
import java.util.List;
import java.util.Map;

/**
 * Every state change of a deployment, in the order it happened. {@link DeploymentState} is these
 * events folded; a timeline is built from them alone, so a journal of them replays a deployment
 * without running anything. Times are microseconds since the epoch, from the wall clock.
 *
 * <p>Steps are identified by their index in the flattened layout ({@code PlanLayout}); a target is
 * null for a step that runs on the engine.
 */
public sealed interface DeploymentEvent extends Journaled {

  long atMicros();

  /** The engine took the deployment; it carries the whole plan, so a replay needs nothing else. */
  record DeploymentAccepted(String deploymentId, DeploymentPlan plan, long atMicros)
      implements DeploymentEvent {}

  /** The engine admitted the deployment past its deployment cap and concurrency tag. */
  record DeploymentStarted(long atMicros) implements DeploymentEvent {}

  /** A block's steps whose conditions allowed them were handed to the block's throttle. */
  record BlockStarted(int block, long atMicros) implements DeploymentEvent {}

  /** A step got a slot in its block's throttle; its targets are queued in its own throttle. */
  record StepStarted(int step, long atMicros) implements DeploymentEvent {}

  /** A step will not run: its condition did not allow it, or the deployment was cancelled. */
  record StepSkipped(int step, String reason, long atMicros) implements DeploymentEvent {}

  /** An execution waits for its target's guard, held by someone else. */
  record ExecutionWaiting(int step, String target, int attempt, String heldBy, long atMicros)
      implements DeploymentEvent {}

  /**
   * An execution holds its guard and is about to run its action: recorded before the action runs.
   */
  record ExecutionStarted(int step, String target, int attempt, long atMicros)
      implements DeploymentEvent {}

  /**
   * An attempt ended.
   *
   * @param message why it failed, if it did
   * @param log the last lines of its output
   * @param last whether this is the execution's final attempt (no retry follows)
   * @param outputs the output variables the attempt set, by name (a sensitive one masked); empty in
   *     journals written before outputs existed
   * @param sensitiveOutputs the names of the outputs set as sensitive: their values are masked in
   *     {@code outputs}
   */
  record ExecutionFinished(
      int step,
      String target,
      int attempt,
      ExecutionStatus status,
      String message,
      List<String> log,
      boolean last,
      long atMicros,
      Map<String, String> outputs,
      List<String> sensitiveOutputs)
      implements DeploymentEvent {
    public ExecutionFinished {
      log = log == null ? List.of() : List.copyOf(log);
      outputs =
          outputs == null
              ? Map.of()
              : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs));
      sensitiveOutputs = sensitiveOutputs == null ? List.of() : List.copyOf(sensitiveOutputs);
    }

    /** An attempt that set no outputs. */
    public ExecutionFinished(
        int step,
        String target,
        int attempt,
        ExecutionStatus status,
        String message,
        List<String> log,
        boolean last,
        long atMicros) {
      this(step, target, attempt, status, message, log, last, atMicros, Map.of(), List.of());
    }
  }

  /**
   * An execution was running when the engine stopped (a crash): its outcome is unknown.
   *
   * @param rerun true if it runs again as the next attempt; false if it counts as failed
   */
  record ExecutionInterrupted(int step, String target, int attempt, boolean rerun, long atMicros)
      implements DeploymentEvent {}

  /**
   * A step is over.
   *
   * @param targetsNotStarted targets never started because the step failed or was cancelled
   */
  record StepFinished(int step, StepStatus status, int targetsNotStarted, long atMicros)
      implements DeploymentEvent {}

  /**
   * An execution waits for a person: its last attempt failed under guided failure, or it is a
   * manual step. The execution holds no target guard and no slot of its step while it waits.
   *
   * @param number the deployment's intervention number, from 1, in the order raised
   * @param status how the attempt ended (FAILED or TIMED_OUT); RUNNING for a manual step
   * @param reason why, for people: the failure's message, or the manual step's instructions
   * @param allowed the decisions a person may take, in the order offered
   * @param instructions a manual step's instructions; null for guided failure
   * @param responsible who a manual step names to answer it; may be null
   */
  record InterventionRaised(
      int number,
      int step,
      String target,
      int attempt,
      ExecutionStatus status,
      String reason,
      List<InterventionDecision> allowed,
      String instructions,
      String responsible,
      long atMicros)
      implements DeploymentEvent {
    public InterventionRaised {
      allowed = List.copyOf(allowed);
    }
  }

  /**
   * A person (or a manual step's timeout) answered an intervention. For a manual step it also
   * carries Octopus's outputs {@code Manual.Approved}, {@code Manual.Notes} and {@code
   * Manual.ResponsibleUser}.
   *
   * @param by who answered; null when the engine did (a manual step's timeout)
   * @param note why, as the person wrote it; may be null
   * @param outputs the manual step's outputs; empty for guided failure
   */
  record InterventionAnswered(
      int number,
      InterventionDecision decision,
      String by,
      String note,
      Map<String, String> outputs,
      long atMicros)
      implements DeploymentEvent {
    public InterventionAnswered {
      outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
    }
  }

  /** Someone asked to cancel the deployment. */
  record CancelRequested(String reason, long atMicros) implements DeploymentEvent {}

  /**
   * The deployment cannot go on and ends FAILED without running what is left: this engine cannot
   * run its plan, or its actor stopped before it finished (its journal failed, for one). The events
   * that follow end what was running and pending, then {@link DeploymentFinished} FAILED. When the
   * actor itself stopped, these events reach the listener but not the journal.
   *
   * @param reason why, for people
   */
  record DeploymentAborted(String reason, long atMicros) implements DeploymentEvent {}

  /** The deployment is over. */
  record DeploymentFinished(DeploymentStatus status, long atMicros) implements DeploymentEvent {}

  /**
   * The events one journal write recorded, in order: the deployment writes each batch as one
   * journal entry, so a write costs one entry, one manifest and one acknowledgement however many
   * events it carries. Only the journal sees it: listeners and the read side see its events one by
   * one, and a batch never holds another. Journals written before batches existed hold one event
   * per entry and read the same.
   *
   * @param events what was recorded, at least one
   * @param total how many events the deployment has recorded, this batch's included
   */
  record Batch(
      @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
          @JsonSubTypes({
            @JsonSubTypes.Type(DeploymentAccepted.class),
            @JsonSubTypes.Type(DeploymentStarted.class),
            @JsonSubTypes.Type(BlockStarted.class),
            @JsonSubTypes.Type(StepStarted.class),
            @JsonSubTypes.Type(StepSkipped.class),
            @JsonSubTypes.Type(ExecutionWaiting.class),
            @JsonSubTypes.Type(ExecutionStarted.class),
            @JsonSubTypes.Type(ExecutionFinished.class),
            @JsonSubTypes.Type(ExecutionInterrupted.class),
            @JsonSubTypes.Type(StepFinished.class),
            @JsonSubTypes.Type(CancelRequested.class),
            @JsonSubTypes.Type(DeploymentAborted.class),
            @JsonSubTypes.Type(DeploymentFinished.class),
            @JsonSubTypes.Type(InterventionRaised.class),
            @JsonSubTypes.Type(InterventionAnswered.class)
          })
          List<DeploymentEvent> events,
      long total)
      implements DeploymentEvent {

    public Batch {
      events = List.copyOf(events);
      if (events.isEmpty() || events.stream().anyMatch(Batch.class::isInstance)) {
        throw new IllegalArgumentException("a batch holds one or more events, and no batch");
      }
    }

    /** When its last event happened. */
    @Override
    public long atMicros() {
      return events.get(events.size() - 1).atMicros();
    }

    /** {@code event}'s events: a batch's, in order, or the event alone. */
    public static List<DeploymentEvent> unpack(DeploymentEvent event) {
      return event instanceof Batch batch ? batch.events() : List.of(event);
    }
  }
}
