package dev.flotilla.engine.model;

import java.util.List;
import java.util.Objects;

/**
 * A variable's value for some targets only, as Octopus scopes values: the most specific scope wins
 * (a target scope over a role scope over the unscoped value), and among scopes equally specific the
 * first written.
 *
 * @param roles the value applies on targets with any of these roles
 * @param targets the value applies on these targets
 * @param value the value
 */
public record ScopedValue(List<String> roles, List<String> targets, String value) {

  public ScopedValue {
    roles = roles == null ? List.of() : List.copyOf(roles);
    targets = targets == null ? List.of() : List.copyOf(targets);
    Objects.requireNonNull(value, "value");
  }

  /** A value scoped to the targets with any of {@code roles}. */
  public static ScopedValue forRoles(List<String> roles, String value) {
    return new ScopedValue(roles, List.of(), value);
  }

  /** A value scoped to {@code targets}. */
  public static ScopedValue forTargets(List<String> targets, String value) {
    return new ScopedValue(List.of(), targets, value);
  }

  /** This scope with another value (a masked one, for the journal). */
  public ScopedValue withValue(String newValue) {
    return new ScopedValue(roles, targets, newValue);
  }
}
