package dev.flotilla.engine.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a deployment holds the target guard of each machine while an action runs on it. */
public enum TargetIsolation {
  /** One action at a time on a machine, across every deployment of the engine (the default). */
  EXCLUSIVE,
  /** Shares the machine with other shared holders; still waits for exclusive holders. */
  SHARED;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code exclusive} or {@code shared}, case-insensitively; null if neither. */
  public static TargetIsolation parse(String text) {
    for (TargetIsolation isolation : values()) {
      if (isolation.wireName().equalsIgnoreCase(text)) {
        return isolation;
      }
    }
    return null;
  }
}
