package dev.flotilla.engine.action;

import java.util.concurrent.CompletableFuture;
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

  /** An execution that has already ended: for actions that finish without waiting. */
  static RunningAction completed(ActionResult result) {
    CompletableFuture<ActionResult> done = CompletableFuture.completedFuture(result);
    return of(done, () -> {});
  }

  /** An execution that ends with {@code result} and stops with {@code onCancel}. */
  static RunningAction of(CompletionStage<ActionResult> result, Runnable onCancel) {
    return new RunningAction() {
      @Override
      public CompletionStage<ActionResult> result() {
        return result;
      }

      @Override
      public void cancel() {
        onCancel.run();
      }
    };
  }
}
