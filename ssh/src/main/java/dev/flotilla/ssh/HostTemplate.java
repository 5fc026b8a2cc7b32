package dev.flotilla.ssh;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A host written once for many targets: {@code web-{01..40}.internal} gives target {@code web-07}
 * the host {@code web-07.internal}. The range's number is the last number in the target's name,
 * written with the range's width ({@code {01..40}} pads to two digits); a target whose number is
 * outside the range has no host.
 */
public final class HostTemplate {

  private static final Pattern RANGE = Pattern.compile("\\{(\\d+)\\.\\.(\\d+)}");
  private static final Pattern LAST_NUMBER = Pattern.compile("(\\d+)(?!.*\\d)");

  private HostTemplate() {}

  /** Whether {@code host} holds a brace range to expand. */
  public static boolean isTemplate(String host) {
    return RANGE.matcher(host).find();
  }

  /**
   * The host of {@code target}; {@code host} itself when it holds no range.
   *
   * @throws IllegalArgumentException naming the target when its name has no number, the number is
   *     outside the range, or the template holds more than one range
   */
  public static String expand(String host, String target) {
    Matcher range = RANGE.matcher(host);
    if (!range.find()) {
      return host;
    }
    int start = range.start();
    int end = range.end();
    String from = range.group(1);
    String to = range.group(2);
    if (range.find()) {
      throw new IllegalArgumentException(
          "host \"" + host + "\" has more than one {from..to} range");
    }
    Matcher number = LAST_NUMBER.matcher(target);
    if (!number.find()) {
      throw new IllegalArgumentException(
          "host \""
              + host
              + "\" expands with the target's number, but target \""
              + target
              + "\" has none");
    }
    long value = Long.parseLong(number.group(1));
    long low = Long.parseLong(from);
    long high = Long.parseLong(to);
    if (value < Math.min(low, high) || value > Math.max(low, high)) {
      throw new IllegalArgumentException(
          "target \""
              + target
              + "\" is number "
              + value
              + ", outside the range {"
              + from
              + ".."
              + to
              + "} of host \""
              + host
              + "\"");
    }
    // Zero-padded ranges ({01..40}) keep their width; plain ones ({1..40}) do not pad.
    int width =
        from.startsWith("0") || to.startsWith("0") ? Math.max(from.length(), to.length()) : 0;
    String digits = Long.toString(value);
    String padded = "0".repeat(Math.max(0, width - digits.length())) + digits;
    return host.substring(0, start) + padded + host.substring(end);
  }
}
