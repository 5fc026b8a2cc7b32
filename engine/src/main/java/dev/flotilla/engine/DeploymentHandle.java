package dev.flotilla.engine;

import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.timeline.Timeline;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A submitted deployment: its id, its result to come, a live view, a way to cancel it and to answer
 * its interventions.
 */
public interface DeploymentHandle {

  String deploymentId();

  /**
   * Completes when the deployment has finished, whatever its status; never exceptionally. It
   * completes on a thread of the engine's own result executor, never on one of the engine's actors,
   * so callbacks attached to it may take their time without holding up any deployment.
   */
  CompletionStage<DeploymentResult> result();

  /**
   * Cancels the deployment: running actions are cancelled (a script's whole process tree is
   * killed), pending ones skipped, every guard released; it ends CANCELLED. A deployment still
   * queued is cancelled without running anything. No effect once it has finished.
   */
  void cancel(String reason);

  /**
   * The timeline as it stands now: an immutable view, from submit on (a deployment still queued
   * shows as QUEUED). Safe to call from any thread; never waits for the engine, and never makes the
   * engine wait: it is built from the events published so far, and built again only when more have
   * come.
   */
  Timeline snapshot();

  /**
   * The interventions waiting for an answer now, in the order raised (guided failure, manual
   * steps): each with its number, step, target, attempt, reason and allowed decisions. From the
   * same view as {@link #snapshot()}.
   */
  default List<Timeline.InterventionEntry> interventions() {
    return snapshot().interventions().stream().filter(Timeline.InterventionEntry::pending).toList();
  }

  /**
   * Answers intervention {@code number}. Idempotent: once an answer is recorded, any further one
   * (the same or another) is refused with {@link InterventionReply.Outcome#ALREADY_ANSWERED},
   * naming the answer that stands. A decision the intervention does not allow, an unknown number or
   * a finished deployment are refused too; a refusal changes nothing. Completes once the answer is
   * recorded (journaled, for a durable engine), never exceptionally.
   *
   * @param by who answers, for the record (Octopus's {@code Manual.ResponsibleUser}); may be null
   * @param note why, for the record ({@code Manual.Notes}); may be null
   */
  CompletionStage<InterventionReply> answer(
      int number, InterventionDecision decision, String by, String note);
}
