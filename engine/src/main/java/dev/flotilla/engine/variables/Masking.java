package dev.flotilla.engine.variables;

import dev.flotilla.engine.model.DeploymentPlan;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;

/** Replaces sensitive values in text with {@value DeploymentPlan#MASK}, longest first. */
public final class Masking implements UnaryOperator<String> {

  /** Masks nothing. */
  public static final Masking NONE = new Masking(List.of());

  private final List<String> values;

  private Masking(List<String> values) {
    this.values = values;
  }

  /** Masks each of {@code values} (empty ones are ignored: they would mask everything). */
  public static Masking ofValues(Collection<String> values) {
    // Longest first, so a secret that contains another is masked whole.
    List<String> sorted =
        values.stream()
            .filter(v -> v != null && !v.isEmpty() && !v.equals(DeploymentPlan.MASK))
            .distinct()
            .sorted(
                Comparator.comparingInt(String::length)
                    .reversed()
                    .thenComparing(Comparator.naturalOrder()))
            .toList();
    return sorted.isEmpty() ? NONE : new Masking(sorted);
  }

  /** This masking and {@code more} values. */
  public Masking plus(Collection<String> more) {
    if (more.isEmpty()) {
      return this;
    }
    List<String> all = new java.util.ArrayList<>(values);
    all.addAll(more);
    return ofValues(all);
  }

  @Override
  public String apply(String text) {
    if (text == null || values.isEmpty()) {
      return text;
    }
    String masked = text;
    for (String value : values) {
      masked = masked.replace(value, DeploymentPlan.MASK);
    }
    return masked;
  }
}
