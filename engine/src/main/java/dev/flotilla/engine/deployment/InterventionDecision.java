package dev.flotilla.engine.deployment;

import java.util.Locale;

/**
 * How a person answers an intervention, with Octopus's names. Guided failure offers retry, ignore,
 * exclude and fail (a {@code required} step only retry and fail); a manual step offers proceed and
 * abort.
 */
public enum InterventionDecision {
  /** Runs the failed execution again on the same target, as its next attempt. */
  RETRY,
  /** The execution counts as succeeded for run conditions, recorded as IGNORED. */
  IGNORE,
  /** The target leaves the deployment: no later step runs on it (recorded as EXCLUDED). */
  EXCLUDE,
  /** The execution fails for good, as it would have without guided failure. */
  FAIL,
  /** A manual step succeeds: the deployment goes on. */
  PROCEED,
  /** A manual step fails; later steps' run conditions apply. */
  ABORT;

  /** The name used on the wire and the command line: {@code retry}, {@code proceed}, ... */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name, in any case; null if it names no decision. */
  public static InterventionDecision parse(String text) {
    if (text == null) {
      return null;
    }
    for (InterventionDecision decision : values()) {
      if (decision.wireName().equalsIgnoreCase(text.trim())) {
        return decision;
      }
    }
    return null;
  }
}
