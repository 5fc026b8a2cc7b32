package dev.flotilla.engine.model;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a deployment needs: the process, the targets and the variables, with every cap already
 * resolved (aliases and overrides applied), so a journaled plan replays as it ran.
 *
 * @param name the deployment's name
 * @param project with {@code environment}, forms the concurrency tag; may be null
 * @param environment see {@code project}; may be null
 * @param maxParallelism the most steps running at once, and each step's default target cap
 * @param targetIsolation how target guards are held
 * @param variables plan variables, passed to actions and run conditions
 * @param targets the fleet
 * @param steps the process, in order
 * @param seed seeds every simulated random choice, so a simulation can be repeated exactly
 * @param onInterrupted what happens, after a crash, to an execution that was running
 * @param guidedFailure a failed or timed-out execution asks a person what to do (an intervention)
 *     instead of failing its step
 * @param scopedValues per variable, its values scoped to roles or targets, which win over its
 *     unscoped value in {@code variables} on the targets they name; empty in plans and journals
 *     written before scopes existed
 * @param sensitive the names of the variables whose values are secret: never logged, journaled or
 *     shown in clear
 */
public record DeploymentPlan(
    String name,
    String project,
    String environment,
    int maxParallelism,
    TargetIsolation targetIsolation,
    Map<String, String> variables,
    List<Target> targets,
    List<Step> steps,
    long seed,
    InterruptPolicy onInterrupted,
    boolean guidedFailure,
    Map<String, List<ScopedValue>> scopedValues,
    Set<String> sensitive) {

  /** What a sensitive value reads as wherever it would otherwise be shown or stored. */
  public static final String MASK = "********";

  /** A plan without scoped or sensitive variables. */
  public DeploymentPlan(
      String name,
      String project,
      String environment,
      int maxParallelism,
      TargetIsolation targetIsolation,
      Map<String, String> variables,
      List<Target> targets,
      List<Step> steps,
      long seed,
      InterruptPolicy onInterrupted,
      boolean guidedFailure) {
    this(
        name,
        project,
        environment,
        maxParallelism,
        targetIsolation,
        variables,
        targets,
        steps,
        seed,
        onInterrupted,
        guidedFailure,
        Map.of(),
        Set.of());
  }

  /** The deployment-wide cap when a plan sets none. */
  public static final int DEFAULT_MAX_PARALLELISM = 10;

  /**
   * What resuming after a crash does with an execution that was running when the engine stopped.
   */
  public enum InterruptPolicy {
    /** Runs it again as its next attempt (at-least-once; the default). */
    RERUN,
    /** Counts it as failed. */
    FAIL
  }

  /** A plan without guided failure. */
  public DeploymentPlan(
      String name,
      String project,
      String environment,
      int maxParallelism,
      TargetIsolation targetIsolation,
      Map<String, String> variables,
      List<Target> targets,
      List<Step> steps,
      long seed,
      InterruptPolicy onInterrupted) {
    this(
        name,
        project,
        environment,
        maxParallelism,
        targetIsolation,
        variables,
        targets,
        steps,
        seed,
        onInterrupted,
        false);
  }

  /** A plan that re-runs interrupted executions. */
  public DeploymentPlan(
      String name,
      String project,
      String environment,
      int maxParallelism,
      TargetIsolation targetIsolation,
      Map<String, String> variables,
      List<Target> targets,
      List<Step> steps,
      long seed) {
    this(
        name,
        project,
        environment,
        maxParallelism,
        targetIsolation,
        variables,
        targets,
        steps,
        seed,
        InterruptPolicy.RERUN);
  }

  public DeploymentPlan {
    onInterrupted = onInterrupted == null ? InterruptPolicy.RERUN : onInterrupted;
    Objects.requireNonNull(name, "name");
    targetIsolation = targetIsolation == null ? TargetIsolation.EXCLUSIVE : targetIsolation;
    variables =
        variables == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    targets = targets == null ? List.of() : List.copyOf(targets);
    steps = steps == null ? List.of() : List.copyOf(steps);
    Map<String, List<ScopedValue>> scopes = new LinkedHashMap<>();
    if (scopedValues != null) {
      scopedValues.forEach((key, values) -> scopes.put(key, List.copyOf(values)));
    }
    scopedValues = java.util.Collections.unmodifiableMap(scopes);
    sensitive =
        sensitive == null
            ? Set.of()
            : java.util.Collections.unmodifiableSet(new LinkedHashSet<>(sensitive));
    if (maxParallelism < 1) {
      throw new IllegalArgumentException(
          "maxParallelism must be at least 1, was " + maxParallelism);
    }
  }

  /** A plan with the default cap and exclusive isolation. */
  public static DeploymentPlan of(String name, List<Target> targets, List<Step> steps) {
    return new DeploymentPlan(
        name,
        null,
        null,
        DEFAULT_MAX_PARALLELISM,
        TargetIsolation.EXCLUSIVE,
        Map.of(),
        targets,
        steps,
        0L);
  }

  /**
   * Two deployments with the same tag never run at once. The tag is project + environment; a plan
   * with neither is tagged by its name, so re-running the same plan still queues.
   */
  public String concurrencyTag() {
    if (project == null && environment == null) {
      return "name:" + name;
    }
    return (project == null ? "" : project) + "/" + (environment == null ? "" : environment);
  }

  public DeploymentPlan withMaxParallelism(int value) {
    return new DeploymentPlan(
        name,
        project,
        environment,
        value,
        targetIsolation,
        variables,
        targets,
        steps,
        seed,
        onInterrupted,
        guidedFailure,
        scopedValues,
        sensitive);
  }

  public DeploymentPlan withTargetIsolation(TargetIsolation value) {
    return new DeploymentPlan(
        name,
        project,
        environment,
        maxParallelism,
        value,
        variables,
        targets,
        steps,
        seed,
        onInterrupted,
        guidedFailure,
        scopedValues,
        sensitive);
  }

  public DeploymentPlan withVariables(Map<String, String> value) {
    return new DeploymentPlan(
        name,
        project,
        environment,
        maxParallelism,
        targetIsolation,
        value,
        targets,
        steps,
        seed,
        onInterrupted,
        guidedFailure,
        scopedValues,
        sensitive);
  }

  public DeploymentPlan withSeed(long value) {
    return new DeploymentPlan(
        name,
        project,
        environment,
        maxParallelism,
        targetIsolation,
        variables,
        targets,
        steps,
        value,
        onInterrupted,
        guidedFailure,
        scopedValues,
        sensitive);
  }

  public DeploymentPlan withOnInterrupted(InterruptPolicy value) {
    return new DeploymentPlan(
        name,
        project,
        environment,
        maxParallelism,
        targetIsolation,
        variables,
        targets,
        steps,
        seed,
        value,
        guidedFailure,
        scopedValues,
        sensitive);
  }

  public DeploymentPlan withProject(String newProject, String newEnvironment) {
    return new DeploymentPlan(
        name,
        newProject,
        newEnvironment,
        maxParallelism,
        targetIsolation,
        variables,
        targets,
        steps,
        seed,
        onInterrupted,
        guidedFailure,
        scopedValues,
        sensitive);
  }

  /**
   * This plan with guided failure on or off: the per-deployment option of the API (a plan is
   * submitted once per deployment).
   */
  public DeploymentPlan withGuidedFailure(boolean value) {
    return new DeploymentPlan(
        name,
        project,
        environment,
        maxParallelism,
        targetIsolation,
        variables,
        targets,
        steps,
        seed,
        onInterrupted,
        value,
        scopedValues,
        sensitive);
  }

  /** Whether any step is a manual intervention step, which waits for a person. */
  public boolean hasManualSteps() {
    return steps.stream().anyMatch(Step::isManual);
  }

  /** Whether running this plan may need a person to answer an intervention. */
  public boolean needsOperator() {
    return guidedFailure || hasManualSteps();
  }

  /** This plan with scoped and sensitive variables. */
  public DeploymentPlan withScopedVariables(
      Map<String, List<ScopedValue>> scoped, Set<String> sensitiveNames) {
    return new DeploymentPlan(
        name,
        project,
        environment,
        maxParallelism,
        targetIsolation,
        variables,
        targets,
        steps,
        seed,
        onInterrupted,
        guidedFailure,
        scoped,
        sensitiveNames);
  }

  /**
   * This plan with every sensitive value replaced by {@link #MASK}: what a journal, an event or a
   * timeline may hold. {@link #unmasked} puts the values back.
   */
  public DeploymentPlan masked() {
    if (sensitive.isEmpty()) {
      return this;
    }
    Map<String, String> values = new LinkedHashMap<>(variables);
    Map<String, List<ScopedValue>> scoped = new LinkedHashMap<>(scopedValues);
    for (String secret : sensitive) {
      values.computeIfPresent(secret, (key, value) -> MASK);
      scoped.computeIfPresent(
          secret, (key, list) -> list.stream().map(v -> v.withValue(MASK)).toList());
    }
    return withVariables(values).withScopedVariables(scoped, sensitive);
  }

  /**
   * This (masked) plan with its sensitive values taken from {@code secrets}: the unscoped value by
   * the variable's name, a scoped one by its name and scope number ({@code Name[1]} for the first
   * scope), as {@link #secrets()} gave them.
   */
  public DeploymentPlan unmasked(Map<String, String> secrets) {
    if (sensitive.isEmpty()) {
      return this;
    }
    Map<String, String> values = new LinkedHashMap<>(variables);
    Map<String, List<ScopedValue>> scoped = new LinkedHashMap<>(scopedValues);
    for (String secret : sensitive) {
      if (secrets.containsKey(secret)) {
        values.put(secret, secrets.get(secret));
      }
      List<ScopedValue> list = scoped.get(secret);
      if (list != null) {
        List<ScopedValue> restored = new java.util.ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          String value = secrets.get(secret + "[" + (i + 1) + "]");
          restored.add(value == null ? list.get(i) : list.get(i).withValue(value));
        }
        scoped.put(secret, restored);
      }
    }
    return withVariables(values).withScopedVariables(scoped, sensitive);
  }

  /** The sensitive values, keyed as {@link #unmasked} reads them. */
  public Map<String, String> secrets() {
    Map<String, String> secrets = new LinkedHashMap<>();
    for (String secret : sensitive) {
      if (variables.containsKey(secret)) {
        secrets.put(secret, variables.get(secret));
      }
      List<ScopedValue> list = scopedValues.getOrDefault(secret, List.of());
      for (int i = 0; i < list.size(); i++) {
        secrets.put(secret + "[" + (i + 1) + "]", list.get(i).value());
      }
    }
    return secrets;
  }
}
