package dev.flotilla.engine.action.script;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.model.Durations;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code script} action: runs a shell command on the engine's host, once per execution, with
 * {@code /bin/sh -c}.
 *
 * <p>Parameters:
 *
 * <ul>
 *   <li>{@code run} (required): the command.
 *   <li>{@code estimate}: how long the command usually takes, as a plan duration; what-if
 *       simulations of the plan use it, a real run ignores it.
 * </ul>
 *
 * <p>The command sees the engine's environment plus the deployment's variables and {@code
 * FLOTILLA_DEPLOYMENT}, {@code FLOTILLA_STEP}, {@code FLOTILLA_TARGET} (empty on the engine) and
 * {@code FLOTILLA_ATTEMPT}. Its standard output and error, merged, go to the execution's log line
 * by line. Exit code 0 is success; any other code is a failure. The execution ends when the command
 * has exited and its output is closed, so a command that leaves a background process holding its
 * output keeps the execution running until that process exits. Cancelling kills the command's whole
 * process tree.
 */
public final class ScriptActionType implements ActionType {

  public static final String NAME = "script";

  static final String RUN = "run";
  static final String ESTIMATE = "estimate";
  private static final Set<String> KEYS = Set.of(RUN, ESTIMATE);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Action configure(Map<String, Object> parameters) throws InvalidActionException {
    Map<String, Object> given = parameters == null ? Map.of() : parameters;
    for (String key : new TreeSet<>(given.keySet())) {
      if (!KEYS.contains(key)) {
        throw new InvalidActionException(
            key, "unknown script parameter \"" + key + "\" (known: run, estimate)");
      }
    }
    Object run = given.get(RUN);
    if (run == null) {
      throw new InvalidActionException(RUN, "a script needs \"run\": the shell command to run");
    }
    if (!(run instanceof String command) || command.isBlank()) {
      throw new InvalidActionException(RUN, "must be a non-empty shell command, not " + run);
    }
    parseEstimate(given.get(ESTIMATE));
    return context -> ScriptExecution.start(command, context);
  }

  /**
   * How long a script action's parameters say it runs, or null when they give no estimate.
   *
   * @throws IllegalArgumentException if the estimate is not a duration
   */
  public static Duration estimate(Map<String, Object> parameters) {
    try {
      return parseEstimate(parameters == null ? null : parameters.get(ESTIMATE));
    } catch (InvalidActionException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static Duration parseEstimate(Object value) throws InvalidActionException {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw new InvalidActionException(
          ESTIMATE, "must be a duration such as 250ms or 2s, not " + value);
    }
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidActionException(ESTIMATE, e.getMessage());
    }
  }
}
