package dev.flotilla.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.deployment.DeploymentActor;
import java.time.Duration;

/**
 * How an engine runs, read from the {@code flotilla} section of the configuration (defaults in the
 * engine's {@code reference.conf}, overridable in the host's {@code application.conf}).
 *
 * @param maxDeployments the most deployments running at once; the rest wait, first come first served
 * @param logTailLines how many output lines of an execution its finished event keeps
 * @param maxBatch the most reports of one deployment recorded in one journal write
 * @param actionTypes the action types plans may use
 * @param store where deployments keep their events: transient (in memory) unless a journal is set up
 * @param batchHold the longest a report waits for the reports expected to share its journal write
 */
public record EngineSettings(int maxDeployments, int logTailLines, int maxBatch, ActionTypes actionTypes,
    DeploymentActor.Store store, Duration batchHold) {

  /** Settings as hosts built them before {@code batchHold} existed: the hold is the engine's default. */
  public EngineSettings(int maxDeployments, int logTailLines, int maxBatch, ActionTypes actionTypes,
      DeploymentActor.Store store) {
    this(maxDeployments, logTailLines, maxBatch, actionTypes, store,
        ConfigFactory.defaultReference(EngineSettings.class.getClassLoader()).getDuration("flotilla.batch-hold"));
  }

  public EngineSettings {
    if (maxDeployments < 1) {
      throw new IllegalArgumentException("flotilla.max-deployments must be at least 1, was " + maxDeployments);
    }
    if (logTailLines < 0) {
      throw new IllegalArgumentException("flotilla.log-tail-lines must be 0 or more, was " + logTailLines);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("flotilla.max-batch must be at least 1, was " + maxBatch);
    }
    if (batchHold == null || batchHold.isNegative() || batchHold.isZero()) {
      throw new IllegalArgumentException("flotilla.batch-hold must be more than zero, was " + batchHold);
    }
  }

  /** In-memory settings from a loaded configuration, with the built-in action types. */
  public static EngineSettings fromConfig(Config config) {
    Config flotilla = config.getConfig("flotilla");
    return new EngineSettings(flotilla.getInt("max-deployments"), flotilla.getInt("log-tail-lines"),
        flotilla.getInt("max-batch"), ActionTypes.builtIn(), DeploymentActor.Store.TRANSIENT,
        flotilla.getDuration("batch-hold"));
  }

  public EngineSettings withMaxDeployments(int value) {
    return new EngineSettings(value, logTailLines, maxBatch, actionTypes, store, batchHold);
  }

  public EngineSettings withActionTypes(ActionTypes value) {
    return new EngineSettings(maxDeployments, logTailLines, maxBatch, value, store, batchHold);
  }

  /** These settings plus one more action type. */
  public EngineSettings withActionType(ActionType type) {
    return withActionTypes(actionTypes.with(type));
  }

  public EngineSettings withStore(DeploymentActor.Store value) {
    return new EngineSettings(maxDeployments, logTailLines, maxBatch, actionTypes, value, batchHold);
  }
}
