package dev.flotilla.ssh;

import dev.flotilla.engine.model.DeploymentPlan;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/** Replaces sensitive values in log lines with {@value #MASK}, longest first. */
final class Masking implements UnaryOperator<String> {

  static final String MASK = DeploymentPlan.MASK;

  private final Set<String> sensitive;
  private final List<String> values;

  Masking(Set<String> sensitive) {
    this.sensitive = Set.copyOf(sensitive);
    // Longest first, so a secret that contains another is masked whole.
    this.values =
        sensitive.stream()
            .filter(v -> v != null && !v.isEmpty())
            .sorted(
                Comparator.comparingInt(String::length)
                    .reversed()
                    .thenComparing(Comparator.naturalOrder()))
            .toList();
  }

  /** This masking and {@code more} values (null ones ignored). */
  Masking with(Collection<String> more) {
    Set<String> all = new HashSet<>(sensitive);
    more.stream().filter(Objects::nonNull).forEach(all::add);
    return all.size() == sensitive.size() ? this : new Masking(all);
  }

  @Override
  public String apply(String line) {
    String masked = line;
    for (String value : values) {
      masked = masked.replace(value, MASK);
    }
    return masked;
  }
}
