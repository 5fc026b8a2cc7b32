package dev.flotilla.engine.action;

import dev.flotilla.engine.variables.ServiceMessages;

/** Where an execution writes its output; safe to call from any thread. */
@FunctionalInterface
public interface ActionLog {

  void line(String text);

  /**
   * Publishes an output variable of this execution, which later steps read as {@code
   * #{Octopus.Action[Step].Output.NAME}}. It travels in order with the lines, as the service
   * message Octopus scripts print ({@code ##octopus[setVariable ...]}), which the engine removes
   * from the log.
   *
   * @param sensitive masked wherever it would be shown or recorded
   */
  default void output(String name, String value, boolean sensitive) {
    line(ServiceMessages.setVariable(name, value, sensitive));
  }

  /** Discards everything. */
  ActionLog NONE = text -> {};
}
