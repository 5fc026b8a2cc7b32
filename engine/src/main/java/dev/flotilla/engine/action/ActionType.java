package dev.flotilla.engine.action;

import dev.flotilla.engine.model.Target;
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

  /**
   * Checks that a step of this type can run on {@code target}, when a plan is loaded or submitted:
   * an action that reaches the target's machine checks the target's connection here (its {@link
   * Target#ssh()} data, the files and environment variables it names), so a plan that cannot
   * connect is refused before anything runs. Called once per target of every step of this type.
   * Accepts every target by default.
   *
   * @param target the target; null for a {@code runOnServer} step, which runs on the engine
   * @throws InvalidActionException with the target's key at fault as its key ({@code
   *     ssh.identityFile}), reported on the target; or with a null key, reported on the step
   */
  default void checkTarget(Target target) throws InvalidActionException {}
}
