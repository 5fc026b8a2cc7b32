package dev.flotilla.engine.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A machine a deployment runs steps on; a step runs on every target with one of its roles.
 *
 * @param name the target's name, unique in a plan
 * @param roles the roles that pick it for steps
 * @param ssh how to reach it over SSH, as the plan wrote it (its own {@code ssh:} keys over the
 *     plan's {@code ssh:} defaults), such as {@code host}, {@code port}, {@code user} and {@code
 *     identityFile}; empty when it has none. Plain text only: the engine carries it for the action
 *     types that connect to the machine, which read and check it. It names credentials (files,
 *     environment variables), never holds them.
 */
public record Target(String name, List<String> roles, Map<String, String> ssh) {
  public Target {
    Objects.requireNonNull(name, "name");
    roles = roles == null ? List.of() : List.copyOf(roles);
    // Sorted, so the journaled plan and any listing of it read the same every time.
    ssh =
        ssh == null || ssh.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new TreeMap<>(Map.copyOf(ssh)));
  }

  /** A target without an SSH endpoint. */
  public Target(String name, List<String> roles) {
    this(name, roles, Map.of());
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
