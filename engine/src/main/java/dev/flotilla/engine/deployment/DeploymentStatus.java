package dev.flotilla.engine.deployment;

/** Where a deployment stands. */
public enum DeploymentStatus {
  /** Accepted, waiting for the engine's deployment cap or its concurrency tag. */
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  public boolean isFinal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
