package dev.flotilla.engine.variables;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Octopus's substitution syntax: {@code #{Name}} is replaced by the variable's value and {@code
 * ##{} stands for a literal {@code #{} (so {@code ##{Name}} reads {@code #{Name}}). A {@code #{}
 * with no closing brace is left as written.
 */
public final class Substitution {

  private Substitution() {}

  /** The names {@code text} refers to, in order, escapes skipped; trimmed. */
  public static List<String> references(String text) {
    List<String> names = new ArrayList<>();
    substitute(
        text,
        name -> {
          names.add(name);
          return "";
        });
    return names;
  }

  /**
   * {@code text} with each {@code #{Name}} replaced by {@code lookup(Name)} (the name trimmed) and
   * each {@code ##{} by {@code #{}.
   */
  public static String substitute(String text, Function<String, String> lookup) {
    if (text == null || text.indexOf('#') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      if (text.startsWith("##{", i)) {
        out.append("#{");
        i += 3;
      } else if (text.startsWith("#{", i)) {
        int end = text.indexOf('}', i + 2);
        if (end < 0) {
          out.append(text, i, text.length());
          break;
        }
        out.append(lookup.apply(text.substring(i + 2, end).trim()));
        i = end + 1;
      } else {
        out.append(text.charAt(i));
        i++;
      }
    }
    return out.toString();
  }

  /** Whether a parameter value (a string, or a list or map holding strings) needs substituting. */
  public static boolean needed(Object value) {
    if (value instanceof String text) {
      return text.contains("#{");
    }
    if (value instanceof List<?> list) {
      return list.stream().anyMatch(Substitution::needed);
    }
    if (value instanceof Map<?, ?> map) {
      return map.values().stream().anyMatch(Substitution::needed);
    }
    return false;
  }

  /** Every string in a parameter value substituted; other values as they are. */
  public static Object substituteAll(Object value, Function<String, String> lookup) {
    if (value instanceof String text) {
      return substitute(text, lookup);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>();
      for (Object item : list) {
        copy.add(substituteAll(item, lookup));
      }
      return Collections.unmodifiableList(copy);
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> copy = new LinkedHashMap<>();
      map.forEach((key, item) -> copy.put(key, substituteAll(item, lookup)));
      return Collections.unmodifiableMap(copy);
    }
    return value;
  }

  /** Every action parameter substituted. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parameters(
      Map<String, Object> parameters, Function<String, String> lookup) {
    return (Map<String, Object>) substituteAll(parameters, lookup);
  }

  /** The names a parameter value refers to, with the parameter's key path, in order. */
  public static Map<String, List<String>> referencesByKey(String prefix, Object value) {
    Map<String, List<String>> found = new LinkedHashMap<>();
    collect(prefix, value, found);
    return found;
  }

  private static void collect(String key, Object value, Map<String, List<String>> found) {
    if (value instanceof String text) {
      List<String> names = references(text);
      if (!names.isEmpty()) {
        found.computeIfAbsent(key, k -> new ArrayList<>()).addAll(names);
      }
    } else if (value instanceof List<?> list) {
      for (Object item : list) {
        collect(key, item, found);
      }
    } else if (value instanceof Map<?, ?> map) {
      map.forEach((k, item) -> collect(key + "." + k, item, found));
    }
  }
}
