package dev.flotilla.engine.action;

import java.util.Map;

/**
 * What an execution knows about itself.
 *
 * @param deploymentId the deployment's id
 * @param deploymentName the plan's name
 * @param step the step's name
 * @param target the target's name; null for a step that runs on the engine
 * @param attempt 1 for the first run, 2 for the first retry, and so on
 * @param variables the deployment's variables
 * @param seed the plan's seed, for actions that simulate random outcomes
 * @param log receives the execution's output, one line at a time, from any thread
 * @param runtime the engine's timer and blocking executor
 * @param connection the target's connection as its plan wrote it ({@link
 *     dev.flotilla.engine.model.Target#ssh()}); empty for a target without one and for a step that
 *     runs on the engine
 */
public record ActionContext(
    String deploymentId,
    String deploymentName,
    String step,
    String target,
    int attempt,
    Map<String, String> variables,
    long seed,
    ActionLog log,
    ActionRuntime runtime,
    Map<String, String> connection) {

  public ActionContext {
    connection = connection == null ? Map.of() : connection;
  }

  /** A context without a target connection. */
  public ActionContext(
      String deploymentId,
      String deploymentName,
      String step,
      String target,
      int attempt,
      Map<String, String> variables,
      long seed,
      ActionLog log,
      ActionRuntime runtime) {
    this(
        deploymentId,
        deploymentName,
        step,
        target,
        attempt,
        variables,
        seed,
        log,
        runtime,
        Map.of());
  }
}
