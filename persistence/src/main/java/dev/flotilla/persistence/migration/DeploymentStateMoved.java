package dev.flotilla.persistence.migration;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Snapshots written before the deployment's state moved into the engine's internal package name the
 * class {@code dev.flotilla.engine.deployment.DeploymentState}: read them as the class it is now.
 * Only the name changed, not the fields. Registered in this module's {@code reference.conf}.
 */
public final class DeploymentStateMoved extends JacksonMigration {

  /** The class snapshots name since the move. */
  static final String CURRENT = "dev.flotilla.engine.internal.deployment.DeploymentState";

  @Override
  public int currentVersion() {
    // Pekko consults a migration only for manifests older than its version; old snapshots are
    // version 1.
    return 2;
  }

  @Override
  public String transformClassName(int fromVersion, String className) {
    return CURRENT;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}
