package dev.flotilla.engine.action;

/**
 * A configured action: what one step runs on each of its targets. Implementations must not block
 * the calling thread; long or blocking work goes to {@link ActionRuntime#blockingExecutor()}.
 */
@FunctionalInterface
public interface Action {

  /** Starts one execution; the engine calls {@link RunningAction#cancel()} on timeout or cancel. */
  RunningAction start(ActionContext context);
}
