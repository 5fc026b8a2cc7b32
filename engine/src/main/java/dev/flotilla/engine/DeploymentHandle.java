package dev.flotilla.engine;

import dev.flotilla.engine.timeline.Timeline;
import java.util.concurrent.CompletionStage;

/** A submitted deployment: its id, its result to come, a live view and a way to cancel it. */
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
}
