package dev.flotilla.engine;

import dev.flotilla.engine.timeline.Timeline;
import java.util.concurrent.CompletionStage;

/** A submitted deployment: its id, its result to come, a live view and a way to cancel it. */
public interface DeploymentHandle {

  String deploymentId();

  /** Completes when the deployment has finished, whatever its status; never exceptionally. */
  CompletionStage<DeploymentResult> result();

  /**
   * Cancels the deployment: running actions are cancelled (a script's whole process tree is
   * killed), pending ones skipped, every guard released; it ends CANCELLED. A deployment still
   * queued is cancelled without running anything. No effect once it has finished.
   */
  void cancel(String reason);

  /** The timeline as it stands now; safe to call from any thread. */
  Timeline snapshot();
}
