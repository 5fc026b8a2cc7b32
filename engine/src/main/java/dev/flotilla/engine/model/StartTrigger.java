package dev.flotilla.engine.model;

/** When a step starts relative to the step before it. */
public enum StartTrigger {
  /** Waits for every step of the previous block to finish (the default). */
  AFTER_PREVIOUS,
  /** Joins the previous step's block and starts alongside it. */
  WITH_PREVIOUS
}
