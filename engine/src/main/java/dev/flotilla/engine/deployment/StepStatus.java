package dev.flotilla.engine.deployment;

/** Where a step stands. A step that did not run is SKIPPED, never SUCCEEDED. */
public enum StepStatus {
  PENDING,
  RUNNING,
  SUCCEEDED,
  FAILED,
  SKIPPED,
  CANCELLED;

  public boolean isFinal() {
    return this != PENDING && this != RUNNING;
  }
}
