package dev.flotilla.engine.action;

/** Where an execution writes its output; safe to call from any thread. */
@FunctionalInterface
public interface ActionLog {

  void line(String text);

  /** Discards everything. */
  ActionLog NONE = text -> {};
}
