package dev.flotilla.engine.model;

import java.util.Map;
import java.util.Objects;

/**
 * What a step runs: an action type registered with the engine and its parameters as written in
 * the plan (scalars, lists and maps of them), so a journaled plan can be replayed as it was.
 */
public record ActionSpec(String type, Map<String, Object> parameters) {
  public ActionSpec {
    Objects.requireNonNull(type, "type");
    parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
  }
}
