package dev.flotilla.engine.plan;

import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Where the parts of a plan were written, so the checks that run on a built plan can name lines.
 * Parts are looked up by identity (steps and targets are records, and two may be equal). For a plan
 * built in Java the source is empty: every line is unknown and nothing was reported yet.
 */
final class PlanSource {

  private final Entry plan = new Entry(null);
  private final Map<Object, Entry> parts = new IdentityHashMap<>();

  /** The plan's own keys. */
  Entry plan() {
    return plan;
  }

  /** Records that {@code part} (a step or target) was read from {@code entry}. */
  void attach(Object part, Entry entry) {
    parts.put(part, entry);
  }

  /**
   * The line of {@code key} in {@code part} (null: the plan), falling back to the enclosing key
   * ({@code action} for {@code action.duration}) and then to the part itself.
   */
  Integer line(Object part, String key) {
    Entry entry = entry(part);
    if (entry == null) {
      return null;
    }
    String path = key;
    while (path != null) {
      Integer line = entry.lines.get(path);
      if (line != null) {
        return line;
      }
      int dot = path.lastIndexOf('.');
      path = dot < 0 ? null : path.substring(0, dot);
    }
    return entry.line;
  }

  /**
   * Whether a problem with {@code key} (or a key enclosing it) was already reported while reading,
   * so that a check on the built plan does not report it again in other words.
   */
  boolean reported(Object part, String key) {
    Entry entry = entry(part);
    if (entry == null) {
      return false;
    }
    String path = key;
    while (path != null) {
      if (entry.reported.contains(path)) {
        return true;
      }
      int dot = path.lastIndexOf('.');
      path = dot < 0 ? null : path.substring(0, dot);
    }
    return false;
  }

  private Entry entry(Object part) {
    return part == null ? plan : parts.get(part);
  }

  /** The lines of one mapping's keys, and the keys already reported. */
  static final class Entry {
    private final Integer line;
    private final Map<String, Integer> lines = new HashMap<>();
    private final Set<String> reported = new HashSet<>();

    Entry(Integer line) {
      this.line = line;
    }

    Integer line() {
      return line;
    }

    void line(String key, int keyLine) {
      lines.putIfAbsent(key, keyLine);
    }

    void reported(String key) {
      reported.add(key);
    }
  }
}
