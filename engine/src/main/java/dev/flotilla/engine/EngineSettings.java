package dev.flotilla.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.ActionTypes;
import java.time.Duration;
import java.util.Objects;

/**
 * How an engine runs, read from the {@code flotilla} section of the configuration (defaults in the
 * engine's {@code reference.conf}, overridable in the host's {@code application.conf}). Immutable:
 * start from {@link #fromConfig} or {@link #defaults} and change what you need with the {@code
 * with...} methods, which keep working as settings are added.
 */
public final class EngineSettings {

  /**
   * Where deployments keep their events: the Pekko Persistence plugins they write to.
   *
   * @param journalPluginId the journal plugin's configuration path
   * @param snapshotPluginId the snapshot store plugin's path; unused when {@code snapshotEvery} is
   *     0
   * @param durable whether events outlive the process; a journal that is not durable recovers
   *     nothing
   * @param snapshotEvery take a snapshot every this many journal entries of a deployment (0: never)
   */
  public record Journal(
      String journalPluginId, String snapshotPluginId, boolean durable, int snapshotEvery) {

    /**
     * Nothing outlives the process: the engine's own in-memory journal, no recovery, no snapshots.
     */
    public static final Journal TRANSIENT =
        new Journal("flotilla.transient-journal", "pekko.persistence.no-snapshot-store", false, 0);

    public Journal {
      Objects.requireNonNull(journalPluginId, "journalPluginId");
      Objects.requireNonNull(snapshotPluginId, "snapshotPluginId");
      if (snapshotEvery < 0) {
        throw new IllegalArgumentException(
            "snapshotEvery must be 0 (never) or more, was " + snapshotEvery);
      }
    }

    /** A journal whose deployments recover after a restart. */
    public static Journal durable(
        String journalPluginId, String snapshotPluginId, int snapshotEvery) {
      return new Journal(journalPluginId, snapshotPluginId, true, snapshotEvery);
    }
  }

  private final int maxDeployments;
  private final int logTailLines;
  private final int maxBatch;
  private final ActionTypes actionTypes;
  private final Journal journal;
  private final Duration batchHold;
  private final Duration guardsTimeout;
  private final Duration guardIdleTimeout;
  private final Duration closeTimeout;

  private EngineSettings(
      int maxDeployments,
      int logTailLines,
      int maxBatch,
      ActionTypes actionTypes,
      Journal journal,
      Duration batchHold,
      Duration guardsTimeout,
      Duration guardIdleTimeout,
      Duration closeTimeout) {
    if (maxDeployments < 1) {
      throw new IllegalArgumentException(
          "flotilla.max-deployments must be at least 1, was " + maxDeployments);
    }
    if (logTailLines < 0) {
      throw new IllegalArgumentException(
          "flotilla.log-tail-lines must be 0 or more, was " + logTailLines);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("flotilla.max-batch must be at least 1, was " + maxBatch);
    }
    requirePositive("flotilla.batch-hold", batchHold);
    requirePositive("flotilla.guards-timeout", guardsTimeout);
    if (guardIdleTimeout == null || guardIdleTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "flotilla.guard-idle-timeout must be zero or more, was " + guardIdleTimeout);
    }
    requirePositive("flotilla.close-timeout", closeTimeout);
    this.maxDeployments = maxDeployments;
    this.logTailLines = logTailLines;
    this.maxBatch = maxBatch;
    this.actionTypes = Objects.requireNonNull(actionTypes, "actionTypes");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.batchHold = batchHold;
    this.guardsTimeout = guardsTimeout;
    this.guardIdleTimeout = guardIdleTimeout;
    this.closeTimeout = closeTimeout;
  }

  /**
   * Settings as hosts built them before the other settings existed: those are the engine's defaults
   * ({@code reference.conf}).
   */
  public EngineSettings(
      int maxDeployments,
      int logTailLines,
      int maxBatch,
      ActionTypes actionTypes,
      Journal journal) {
    this(maxDeployments, logTailLines, maxBatch, actionTypes, journal, defaults());
  }

  private EngineSettings(
      int maxDeployments,
      int logTailLines,
      int maxBatch,
      ActionTypes actionTypes,
      Journal journal,
      EngineSettings rest) {
    this(
        maxDeployments,
        logTailLines,
        maxBatch,
        actionTypes,
        journal,
        rest.batchHold,
        rest.guardsTimeout,
        rest.guardIdleTimeout,
        rest.closeTimeout);
  }

  private static void requirePositive(String setting, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(setting + " must be more than zero, was " + value);
    }
  }

  /**
   * In-memory settings from a loaded configuration, with the built-in action types.
   *
   * @throws IllegalArgumentException if a setting is out of range, naming it
   */
  public static EngineSettings fromConfig(Config config) {
    Config flotilla = config.getConfig("flotilla");
    return new EngineSettings(
        flotilla.getInt("max-deployments"),
        flotilla.getInt("log-tail-lines"),
        flotilla.getInt("max-batch"),
        ActionTypes.builtIn(),
        Journal.TRANSIENT,
        flotilla.getDuration("batch-hold"),
        flotilla.getDuration("guards-timeout"),
        flotilla.getDuration("guard-idle-timeout"),
        flotilla.getDuration("close-timeout"));
  }

  /**
   * The engine's defaults ({@code reference.conf} alone), in memory, with the built-in action
   * types.
   */
  public static EngineSettings defaults() {
    return fromConfig(ConfigFactory.defaultReference(EngineSettings.class.getClassLoader()));
  }

  /** The most deployments running at once; the rest wait, first come first served. */
  public int maxDeployments() {
    return maxDeployments;
  }

  /** How many output lines of an execution its finished event keeps. */
  public int logTailLines() {
    return logTailLines;
  }

  /** The most reports of one deployment recorded in one journal write. */
  public int maxBatch() {
    return maxBatch;
  }

  /** The action types plans may use. */
  public ActionTypes actionTypes() {
    return actionTypes;
  }

  /** Where deployments keep their events: {@link Journal#TRANSIENT} unless a journal is set up. */
  public Journal journal() {
    return journal;
  }

  /** The longest a report waits for the reports expected to share its journal write. */
  public Duration batchHold() {
    return batchHold;
  }

  /**
   * How long a starting deployment waits for the engine's registry to hand it its target guards.
   */
  public Duration guardsTimeout() {
    return guardsTimeout;
  }

  /**
   * How long a target guard no running deployment uses is kept before it is stopped (0: at once).
   */
  public Duration guardIdleTimeout() {
    return guardIdleTimeout;
  }

  /** How long {@link Flotilla#close} waits for the engine to stop. */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  public EngineSettings withMaxDeployments(int value) {
    return new EngineSettings(
        value,
        logTailLines,
        maxBatch,
        actionTypes,
        journal,
        batchHold,
        guardsTimeout,
        guardIdleTimeout,
        closeTimeout);
  }

  public EngineSettings withLogTailLines(int value) {
    return new EngineSettings(
        maxDeployments,
        value,
        maxBatch,
        actionTypes,
        journal,
        batchHold,
        guardsTimeout,
        guardIdleTimeout,
        closeTimeout);
  }

  public EngineSettings withMaxBatch(int value) {
    return new EngineSettings(
        maxDeployments,
        logTailLines,
        value,
        actionTypes,
        journal,
        batchHold,
        guardsTimeout,
        guardIdleTimeout,
        closeTimeout);
  }

  public EngineSettings withActionTypes(ActionTypes value) {
    return new EngineSettings(
        maxDeployments,
        logTailLines,
        maxBatch,
        value,
        journal,
        batchHold,
        guardsTimeout,
        guardIdleTimeout,
        closeTimeout);
  }

  /** These settings plus one more action type. */
  public EngineSettings withActionType(ActionType type) {
    return withActionTypes(actionTypes.with(type));
  }

  public EngineSettings withJournal(Journal value) {
    return new EngineSettings(
        maxDeployments,
        logTailLines,
        maxBatch,
        actionTypes,
        value,
        batchHold,
        guardsTimeout,
        guardIdleTimeout,
        closeTimeout);
  }

  public EngineSettings withBatchHold(Duration value) {
    return new EngineSettings(
        maxDeployments,
        logTailLines,
        maxBatch,
        actionTypes,
        journal,
        value,
        guardsTimeout,
        guardIdleTimeout,
        closeTimeout);
  }

  public EngineSettings withGuardsTimeout(Duration value) {
    return new EngineSettings(
        maxDeployments,
        logTailLines,
        maxBatch,
        actionTypes,
        journal,
        batchHold,
        value,
        guardIdleTimeout,
        closeTimeout);
  }

  public EngineSettings withGuardIdleTimeout(Duration value) {
    return new EngineSettings(
        maxDeployments,
        logTailLines,
        maxBatch,
        actionTypes,
        journal,
        batchHold,
        guardsTimeout,
        value,
        closeTimeout);
  }

  public EngineSettings withCloseTimeout(Duration value) {
    return new EngineSettings(
        maxDeployments,
        logTailLines,
        maxBatch,
        actionTypes,
        journal,
        batchHold,
        guardsTimeout,
        guardIdleTimeout,
        value);
  }

  @Override
  public String toString() {
    return "EngineSettings[maxDeployments="
        + maxDeployments
        + ", logTailLines="
        + logTailLines
        + ", maxBatch="
        + maxBatch
        + ", actionTypes="
        + actionTypes
        + ", journal="
        + journal
        + ", batchHold="
        + batchHold
        + ", guardsTimeout="
        + guardsTimeout
        + ", guardIdleTimeout="
        + guardIdleTimeout
        + ", closeTimeout="
        + closeTimeout
        + "]";
  }
}
