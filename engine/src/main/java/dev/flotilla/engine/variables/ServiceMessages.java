package dev.flotilla.engine.variables;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Octopus's service message for output variables, {@code ##octopus[setVariable name='…' value='…']}
 * with name and value base64-encoded (UTF-8), and an optional {@code sensitive='…'} holding base64
 * of {@code True}. The engine recognises it on every action's output, removes the line from the log
 * and keeps the value as an output of that execution.
 */
public final class ServiceMessages {

  /**
   * A POSIX shell function, {@code set_octopusvariable NAME VALUE [-sensitive]}, that prints the
   * service message: prepended to the commands of the actions that run a shell ({@code script}, and
   * the ssh module's).
   */
  public static final String SET_OCTOPUSVARIABLE_FUNCTION =
      "set_octopusvariable() { "
          + "printf \"##octopus[setVariable name='%s' value='%s'%s]\\n\" "
          + "\"$(printf %s \"$1\" | base64 | tr -d '\\n')\" "
          + "\"$(printf %s \"$2\" | base64 | tr -d '\\n')\" "
          + "\"$(if [ \"$3\" = -sensitive ]; then printf \" sensitive='%s'\" VHJ1ZQ==; fi)\"; "
          + "}";

  private static final Pattern SET_VARIABLE =
      Pattern.compile(
          "\\s*##octopus\\[setVariable\\s+name=['\"]([A-Za-z0-9+/=]*)['\"]"
              + "\\s+value=['\"]([A-Za-z0-9+/=]*)['\"]"
              + "(?:\\s+sensitive=['\"]([A-Za-z0-9+/=]*)['\"])?\\s*\\]\\s*");

  private ServiceMessages() {}

  /** One output an execution set. */
  public record Output(String name, String value, boolean sensitive) {}

  /** The output a line sets; null if it is not a well-formed setVariable message. */
  public static Output parse(String line) {
    if (line == null || !line.contains("##octopus[setVariable")) {
      return null;
    }
    Matcher matcher = SET_VARIABLE.matcher(line);
    if (!matcher.matches()) {
      return null;
    }
    try {
      String name = decode(matcher.group(1));
      if (name.isBlank()) {
        return null;
      }
      String value = decode(matcher.group(2));
      boolean sensitive =
          matcher.group(3) != null && decode(matcher.group(3)).trim().equalsIgnoreCase("true");
      return new Output(name, value, sensitive);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The service message that sets {@code name} to {@code value}. */
  public static String setVariable(String name, String value, boolean sensitive) {
    return "##octopus[setVariable name='"
        + encode(name)
        + "' value='"
        + encode(value)
        + "'"
        + (sensitive ? " sensitive='" + encode("True") + "'" : "")
        + "]";
  }

  /** {@code command} with {@link #SET_OCTOPUSVARIABLE_FUNCTION} defined before it. */
  public static String withFunctions(String command) {
    return SET_OCTOPUSVARIABLE_FUNCTION + "\n" + command;
  }

  private static String encode(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }
}
