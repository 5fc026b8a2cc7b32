package dev.flotilla.engine.model;

import dev.flotilla.engine.variables.Substitution;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides whether a step runs, evaluated when its block starts.
 *
 * @param kind which rule applies
 * @param variable the variable that must be truthy, for {@link Kind#VARIABLE} only
 */
public record RunCondition(Kind kind, String variable) {

  /** The rules a step can run under. */
  public enum Kind {
    /** Runs only if nothing has failed so far (the default). */
    SUCCESS,
    /** Runs only if something has failed so far. */
    FAILURE,
    /** Runs whatever happened before. */
    ALWAYS,
    /** Runs when the named variable is truthy. */
    VARIABLE
  }

  public static final RunCondition SUCCESS = new RunCondition(Kind.SUCCESS, null);
  public static final RunCondition FAILURE = new RunCondition(Kind.FAILURE, null);
  public static final RunCondition ALWAYS = new RunCondition(Kind.ALWAYS, null);

  private static final Set<String> TRUTHY = Set.of("true", "yes", "on", "1");

  public RunCondition {
    Objects.requireNonNull(kind, "kind");
    if ((kind == Kind.VARIABLE) != (variable != null)) {
      throw new IllegalArgumentException("a variable condition needs a variable name, and only it");
    }
  }

  /** Runs when {@code name} is one of true, yes, on, 1 (any case). */
  public static RunCondition variable(String name) {
    return new RunCondition(Kind.VARIABLE, Objects.requireNonNull(name, "name"));
  }

  /** Whether a step with this condition runs, given whether anything has failed so far. */
  public boolean allows(boolean failedSoFar, Map<String, String> variables) {
    return switch (kind) {
      case SUCCESS -> !failedSoFar;
      case FAILURE -> failedSoFar;
      case ALWAYS -> true;
      case VARIABLE -> isTruthy(variables.get(variable));
    };
  }

  /**
   * Whether a step with this condition runs, given whether anything has failed so far and the
   * variables it reads: a variable condition names a variable ({@code RunSmokeTests}, {@code
   * Octopus.Action[Build].Output.Ready}) or is text with references ({@code #{Ready}}),
   * substituted.
   */
  public boolean allows(boolean failedSoFar, Function<String, String> lookup) {
    if (kind != Kind.VARIABLE) {
      return allows(failedSoFar, Map.of());
    }
    return isTruthy(
        variable.contains("#{")
            ? Substitution.substitute(variable, lookup)
            : lookup.apply(variable.trim()));
  }

  public static boolean isTruthy(String value) {
    return value != null && TRUTHY.contains(value.trim().toLowerCase(Locale.ROOT));
  }
}
