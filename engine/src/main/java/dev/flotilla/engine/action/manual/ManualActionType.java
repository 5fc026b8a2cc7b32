package dev.flotilla.engine.action.manual;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.action.RunningAction;
import dev.flotilla.engine.model.ActionSpec;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code manual} action: a manual intervention step, as Octopus has it. It runs once on the
 * engine (no target) and waits for a person to <b>proceed</b> or <b>abort</b>; the engine itself
 * runs it, as an intervention of the deployment, so this type only checks its parameters.
 *
 * <p>Parameters:
 *
 * <ul>
 *   <li>{@code instructions}: what the person should check before answering; required.
 *   <li>{@code responsible}: who is expected to answer (a team or a person); optional, shown with
 *       the intervention.
 * </ul>
 *
 * <p>The step's own {@code timeout} aborts it when nobody answered in time.
 */
public final class ManualActionType implements ActionType {

  public static final String NAME = ActionSpec.MANUAL;

  static final String INSTRUCTIONS = "instructions";
  static final String RESPONSIBLE = "responsible";
  private static final Set<String> KEYS = Set.of(INSTRUCTIONS, RESPONSIBLE);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Action configure(Map<String, Object> parameters) throws InvalidActionException {
    for (String key : parameters.keySet()) {
      if (!KEYS.contains(key)) {
        throw new InvalidActionException(
            key, "unknown parameter of a manual step; expected " + new TreeSet<>(KEYS));
      }
    }
    Object instructions = parameters.get(INSTRUCTIONS);
    if (!(instructions instanceof String text) || text.isBlank()) {
      throw new InvalidActionException(
          INSTRUCTIONS,
          "a manual step needs instructions for the person who answers it, e.g."
              + " instructions: \"Check the staging smoke tests, then proceed\"");
    }
    Object responsible = parameters.get(RESPONSIBLE);
    if (responsible != null && !(responsible instanceof String)) {
      throw new InvalidActionException(
          RESPONSIBLE, "must be a single name (a team or a person), e.g. responsible: ops");
    }
    // The engine answers a manual step through its interventions; it never starts this action.
    return context ->
        RunningAction.completed(
            ActionResult.failure("a manual step is run by the engine, not as an action"));
  }

  /** A manual step's instructions, as its parameters give them. */
  public static String instructions(Map<String, Object> parameters) {
    Object value = parameters.get(INSTRUCTIONS);
    return value == null ? null : value.toString();
  }

  /** Who is expected to answer a manual step; null if nobody is named. */
  public static String responsible(Map<String, Object> parameters) {
    Object value = parameters.get(RESPONSIBLE);
    return value == null ? null : value.toString();
  }
}
