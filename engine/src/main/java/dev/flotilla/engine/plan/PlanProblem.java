package dev.flotilla.engine.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One thing wrong with a plan, located as precisely as the plan allows.
 *
 * @param source the file or source name the plan came from; null for a plan built in Java
 * @param line the 1-based line the problem is on; null when unknown (built in Java, or an override)
 * @param step the step at fault; null for a plan-wide problem
 * @param key the key at fault, as a path such as {@code timeout} or {@code action.duration}; may be
 *     null
 * @param message what is wrong and, where it helps, what is accepted
 */
public record PlanProblem(String source, Integer line, String step, String key, String message) {

  public PlanProblem {
    Objects.requireNonNull(message, "message");
  }

  /** Reads like a compiler message: {@code plan.yaml:14: step "Deploy web": timeout: ...}. */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    if (source != null) {
      parts.add(line == null ? source : source + ":" + line);
    } else if (line != null) {
      parts.add("line " + line);
    }
    if (step != null) {
      parts.add("step \"" + step + "\"");
    }
    if (key != null) {
      parts.add(key);
    }
    parts.add(message);
    return String.join(": ", parts);
  }
}
