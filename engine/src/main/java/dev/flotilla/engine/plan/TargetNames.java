package dev.flotilla.engine.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands a brace range in a target name: {@code web-{01..40}} names web-01 to web-40. Numbers are
 * zero-padded to the width of the first bound, so {@code {1..12}} gives 1 ... 12 and {@code
 * {001..12}} gives 001 ... 012.
 */
final class TargetNames {

  /**
   * The most names one range may expand to: a typo such as {@code {1..10000000}} must not exhaust
   * memory.
   */
  static final int MAX_RANGE_SIZE = 1_000_000;

  /** Anything in braces with {@code ..} is meant as a range; other braces stay as written. */
  private static final Pattern RANGE = Pattern.compile("\\{([^{}]*)\\.\\.([^{}]*)\\}");

  private static final Pattern BOUND = Pattern.compile("\\d{1,9}");

  private TargetNames() {}

  /**
   * The names {@code pattern} stands for, in ascending order; the pattern itself when it has no
   * range.
   *
   * @throws IllegalArgumentException saying what is wrong with the range
   */
  static List<String> expand(String pattern) {
    Matcher range = RANGE.matcher(pattern);
    if (!range.find()) {
      return List.of(pattern);
    }
    String first = range.group(1);
    String last = range.group(2);
    if (!BOUND.matcher(first).matches() || !BOUND.matcher(last).matches()) {
      throw new IllegalArgumentException(
          "\"" + range.group() + "\" is not a range of numbers (write it like {01..40})");
    }
    int start = Integer.parseInt(first);
    int end = Integer.parseInt(last);
    if (end < start) {
      throw new IllegalArgumentException("range \"" + range.group() + "\" ends before it starts");
    }
    if (end - start + 1 > MAX_RANGE_SIZE) {
      throw new IllegalArgumentException(
          "range \""
              + range.group()
              + "\" names "
              + (end - start + 1)
              + " targets; one range names at most "
              + MAX_RANGE_SIZE);
    }
    String prefix = pattern.substring(0, range.start());
    String suffix = pattern.substring(range.end());
    if (RANGE.matcher(suffix).find()) {
      throw new IllegalArgumentException(
          "\"" + pattern + "\" has more than one range; write one range per name");
    }
    String format = "%0" + first.length() + "d";
    List<String> names = new ArrayList<>(end - start + 1);
    for (int number = start; number <= end; number++) {
      names.add(prefix + String.format(Locale.ROOT, format, number) + suffix);
    }
    return List.copyOf(names);
  }
}
