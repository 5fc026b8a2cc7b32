package dev.flotilla.engine.action;

import java.util.concurrent.CompletionStage;

/** One execution of an action in progress. */
public interface RunningAction {

  /**
   * Completes once the execution has ended. An exceptional completion counts as a failure whose
   * message is the exception's.
   */
  CompletionStage<ActionResult> result();

  /**
   * Stops the execution as fast as possible and releases everything it holds (a script's whole
   * process tree is killed). Idempotent; the engine no longer waits for {@link #result()}.
   */
  void cancel();
}
