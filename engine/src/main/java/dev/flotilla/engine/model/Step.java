package dev.flotilla.engine.model;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One step of a process. A plain step runs its {@code action} once per target with one of its roles
 * (or once on the engine when {@code runOnServer}); a rolling step ({@code windowSize} set) runs
 * its {@code children} in order on each target, at most {@code windowSize} targets at once.
 *
 * @param name unique within the plan
 * @param roles targets with any of these roles run the step; empty for {@code runOnServer}
 * @param startTrigger whether the step joins the previous step's block
 * @param condition whether the step runs at all
 * @param maxParallelism the most targets the step runs on at once; null means the deployment's cap
 * @param retries how many times a failed execution is re-run on the same target
 * @param retryBackoff the pause before each retry
 * @param timeout how long one execution may run before it is cancelled and counted failed; null for
 *     none
 * @param runOnServer runs once on the engine itself, taking no target guard
 * @param action what the step runs; null for a rolling step
 * @param windowSize the rolling window; null for a plain step
 * @param children the child steps of a rolling step, in order; empty otherwise
 * @param required under guided failure, a failure here may only be retried or failed: ignore and
 *     exclude are not offered
 */
public record Step(
    String name,
    List<String> roles,
    StartTrigger startTrigger,
    RunCondition condition,
    Integer maxParallelism,
    int retries,
    Duration retryBackoff,
    Duration timeout,
    boolean runOnServer,
    ActionSpec action,
    Integer windowSize,
    List<Step> children,
    boolean required) {

  /** A step that is not required. */
  public Step(
      String name,
      List<String> roles,
      StartTrigger startTrigger,
      RunCondition condition,
      Integer maxParallelism,
      int retries,
      Duration retryBackoff,
      Duration timeout,
      boolean runOnServer,
      ActionSpec action,
      Integer windowSize,
      List<Step> children) {
    this(
        name,
        roles,
        startTrigger,
        condition,
        maxParallelism,
        retries,
        retryBackoff,
        timeout,
        runOnServer,
        action,
        windowSize,
        children,
        false);
  }

  public Step {
    Objects.requireNonNull(name, "name");
    roles = roles == null ? List.of() : List.copyOf(roles);
    startTrigger = startTrigger == null ? StartTrigger.AFTER_PREVIOUS : startTrigger;
    condition = condition == null ? RunCondition.SUCCESS : condition;
    retryBackoff = retryBackoff == null ? Duration.ZERO : retryBackoff;
    children = children == null ? List.of() : List.copyOf(children);
    if (retries < 0) {
      throw new IllegalArgumentException("step \"" + name + "\": retries must be 0 or more");
    }
    if ((action == null) == (windowSize == null)) {
      throw new IllegalArgumentException(
          "step \"" + name + "\": needs either an action or a rolling window with children");
    }
  }

  /** A plain step that runs {@code action} on every target with one of {@code roles}. */
  public static Step of(String name, ActionSpec action, String... roles) {
    return new Step(
        name, List.of(roles), null, null, null, 0, null, null, false, action, null, null);
  }

  /** A step that runs {@code action} once on the engine itself. */
  public static Step onServer(String name, ActionSpec action) {
    return new Step(name, List.of(), null, null, null, 0, null, null, true, action, null, null);
  }

  /**
   * A rolling step: each target runs {@code children} in order, {@code windowSize} targets at once.
   */
  public static Step rolling(String name, int windowSize, List<Step> children, String... roles) {
    return new Step(
        name, List.of(roles), null, null, null, 0, null, null, false, null, windowSize, children);
  }

  /**
   * A manual intervention step: it runs once on the engine and waits for a person to proceed or
   * abort.
   */
  public static Step manual(String name, String instructions, String responsible) {
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("instructions", instructions);
    if (responsible != null) {
      parameters.put("responsible", responsible);
    }
    return onServer(name, new ActionSpec(ActionSpec.MANUAL, parameters));
  }

  /** Whether this is a manual intervention step. */
  public boolean isManual() {
    return action != null && ActionSpec.MANUAL.equals(action.type());
  }

  public boolean isRolling() {
    return windowSize != null;
  }

  public Step withStartTrigger(StartTrigger value) {
    return new Step(
        name,
        roles,
        value,
        condition,
        maxParallelism,
        retries,
        retryBackoff,
        timeout,
        runOnServer,
        action,
        windowSize,
        children,
        required);
  }

  public Step withCondition(RunCondition value) {
    return new Step(
        name,
        roles,
        startTrigger,
        value,
        maxParallelism,
        retries,
        retryBackoff,
        timeout,
        runOnServer,
        action,
        windowSize,
        children,
        required);
  }

  public Step withMaxParallelism(Integer value) {
    return new Step(
        name,
        roles,
        startTrigger,
        condition,
        value,
        retries,
        retryBackoff,
        timeout,
        runOnServer,
        action,
        windowSize,
        children,
        required);
  }

  public Step withRetries(int value, Duration backoff) {
    return new Step(
        name,
        roles,
        startTrigger,
        condition,
        maxParallelism,
        value,
        backoff,
        timeout,
        runOnServer,
        action,
        windowSize,
        children,
        required);
  }

  public Step withTimeout(Duration value) {
    return new Step(
        name,
        roles,
        startTrigger,
        condition,
        maxParallelism,
        retries,
        retryBackoff,
        value,
        runOnServer,
        action,
        windowSize,
        children,
        required);
  }

  public Step withRequired(boolean value) {
    return new Step(
        name,
        roles,
        startTrigger,
        condition,
        maxParallelism,
        retries,
        retryBackoff,
        timeout,
        runOnServer,
        action,
        windowSize,
        children,
        value);
  }
}
