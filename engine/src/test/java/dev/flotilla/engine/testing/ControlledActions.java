package dev.flotilla.engine.testing;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.RunningAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An action type whose executions the test ends by hand: every start is queued for the test to
 * take, and nothing ends until the test says so. Type name {@code controlled}, no parameters.
 */
public final class ControlledActions implements ActionType {

  public static final String NAME = "controlled";

  /** One running execution, as the test sees it. */
  public static final class Execution {
    public final String step;
    public final String target;
    public final int attempt;
    private final CompletableFuture<ActionResult> result = new CompletableFuture<>();
    private final CompletableFuture<Void> cancelled = new CompletableFuture<>();

    Execution(String step, String target, int attempt) {
      this.step = step;
      this.target = target;
      this.attempt = attempt;
    }

    public void succeed() {
      result.complete(ActionResult.success());
    }

    public void fail(String message) {
      result.complete(ActionResult.failure(message));
    }

    /** Waits until the engine has cancelled this execution. */
    public void awaitCancelled() throws Exception {
      cancelled.get(10, TimeUnit.SECONDS);
    }

    public boolean isCancelled() {
      return cancelled.isDone();
    }

    @Override
    public String toString() {
      return step + "@" + target + "#" + attempt;
    }
  }

  private final LinkedBlockingQueue<Execution> started = new LinkedBlockingQueue<>();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Action configure(Map<String, Object> parameters) {
    return context -> {
      Execution execution = new Execution(context.step(), context.target(), context.attempt());
      started.add(execution);
      return new RunningAction() {
        @Override
        public CompletionStage<ActionResult> result() {
          return execution.result;
        }

        @Override
        public void cancel() {
          execution.cancelled.complete(null);
          execution.result.complete(ActionResult.failure("cancelled"));
        }
      };
    };
  }

  /** The next execution to start; fails the test if none starts within 10 s. */
  public Execution next() throws InterruptedException {
    Execution execution = started.poll(10, TimeUnit.SECONDS);
    if (execution == null) {
      throw new AssertionError("no execution started within 10 s");
    }
    return execution;
  }

  /** The next {@code count} executions to start, in start order. */
  public List<Execution> next(int count) throws InterruptedException {
    List<Execution> executions = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      executions.add(next());
    }
    return executions;
  }

  /** Asserts that no further execution starts within {@code quiet}. */
  public void expectNoStart(Duration quiet) throws InterruptedException {
    Execution execution = started.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
    if (execution != null) {
      throw new AssertionError("unexpected start of " + execution);
    }
  }

  /** Lets every execution that starts from now on succeed, until {@code done} completes. */
  public void succeedAllUntil(java.util.concurrent.Future<?> done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!done.isDone()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the deployment did not finish within 20 s");
      }
      Execution execution = started.poll(50, TimeUnit.MILLISECONDS);
      if (execution != null) {
        execution.succeed();
      }
    }
  }
}
