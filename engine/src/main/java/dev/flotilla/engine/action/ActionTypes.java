package dev.flotilla.engine.action;

import dev.flotilla.engine.action.manual.ManualActionType;
import dev.flotilla.engine.action.script.ScriptActionType;
import dev.flotilla.engine.action.simulate.SimulateActionType;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.Target;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The action types an engine knows, by name. Immutable; {@link #with} returns a new registry. */
public final class ActionTypes {

  private final Map<String, ActionType> types;

  private ActionTypes(Map<String, ActionType> types) {
    this.types = Map.copyOf(types);
  }

  /**
   * The built-in {@code simulate}, {@code script} and {@code manual} types, with simulated time as
   * it is.
   */
  public static ActionTypes builtIn() {
    return builtIn(1.0);
  }

  /**
   * The built-in types; {@code timeScale} multiplies every simulated duration (0.1 runs a
   * simulation ten times faster). Scripts always run in real time.
   */
  public static ActionTypes builtIn(double timeScale) {
    Map<String, ActionType> types = new LinkedHashMap<>();
    types.put(SimulateActionType.NAME, new SimulateActionType(timeScale));
    types.put(ScriptActionType.NAME, new ScriptActionType());
    types.put(ManualActionType.NAME, new ManualActionType());
    return new ActionTypes(types);
  }

  /** This registry plus {@code type}, replacing a type of the same name. */
  public ActionTypes with(ActionType type) {
    Map<String, ActionType> copy = new LinkedHashMap<>(types);
    copy.put(type.name(), type);
    return new ActionTypes(copy);
  }

  public Set<String> names() {
    return types.keySet();
  }

  public boolean has(String name) {
    return types.containsKey(name);
  }

  /** Configures the action a step names. */
  public Action configure(ActionSpec spec) throws InvalidActionException {
    ActionType type = types.get(spec.type());
    if (type == null) {
      throw new InvalidActionException(
          "type",
          "unknown action type \""
              + spec.type()
              + "\" (known: "
              + String.join(", ", types.keySet())
              + ")");
    }
    return type.configure(spec.parameters());
  }

  /**
   * Checks that the action a step names can run on {@code target} (see {@link
   * ActionType#checkTarget}); an unknown type accepts every target, {@link #configure} reports it.
   */
  public void checkTarget(ActionSpec spec, Target target) throws InvalidActionException {
    ActionType type = types.get(spec.type());
    if (type != null) {
      type.checkTarget(target);
    }
  }
}
