package dev.flotilla.engine.deployment;

/**
 * Watches one deployment live. Callbacks come in event order, one at a time, from the deployment's
 * actor: they must return quickly and never block. An exception thrown by a callback is logged and
 * otherwise ignored.
 */
public interface DeploymentListener {

  /** A state change, as recorded. */
  default void onEvent(DeploymentEvent event) {}

  /**
   * A line of an execution's output, as it is written (not recorded beyond the finished event's
   * tail).
   */
  default void onLogLine(ExecutionLogLine line) {}

  /** Hears nothing. */
  DeploymentListener NONE = new DeploymentListener() {};

  /**
   * One output line of one attempt.
   *
   * @param stepName the step's name
   * @param target null for a step that runs on the engine
   */
  record ExecutionLogLine(int step, String stepName, String target, int attempt, String text) {}
}
