package dev.flotilla.engine.action;

import java.util.Map;

/**
 * A kind of action a plan can name in {@code action: { type: ... }}. An embedding host registers
 * its own types with the engine next to the built-in {@code simulate} and {@code script}.
 */
public interface ActionType {

  /** The name plans use in {@code type:}. */
  String name();

  /**
   * Checks one step's parameters and returns the action that runs them. Called when a plan is
   * loaded or submitted, so bad parameters are reported before anything runs.
   *
   * @throws InvalidActionException naming the parameter at fault
   */
  Action configure(Map<String, Object> parameters) throws InvalidActionException;
}
