package dev.flotilla.engine.model;

import java.util.List;
import java.util.Objects;

/** A machine a deployment runs steps on; a step runs on every target with one of its roles. */
public record Target(String name, List<String> roles) {
  public Target {
    Objects.requireNonNull(name, "name");
    roles = roles == null ? List.of() : List.copyOf(roles);
  }

  public boolean hasAnyRole(List<String> wanted) {
    for (String role : wanted) {
      if (roles.contains(role)) {
        return true;
      }
    }
    return false;
  }
}
