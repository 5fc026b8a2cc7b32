package dev.flotilla.ssh;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Quoting for the POSIX shell that runs a remote command. Values travel inside the command line
 * (most servers refuse channel environment variables), so each one is quoted such that the shell
 * reads it back byte for byte and never expands or executes any part of it.
 */
public final class ShellQuoting {

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private ShellQuoting() {}

  /**
   * {@code value} as one shell word. Inside single quotes every character is literal except the
   * single quote itself, which is written as {@code '\''} (close, escaped quote, reopen).
   */
  public static String quote(String value) {
    StringBuilder quoted = new StringBuilder(value.length() + 2).append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\'') {
        quoted.append("'\\''");
      } else {
        quoted.append(c);
      }
    }
    return quoted.append('\'').toString();
  }

  /** Whether {@code name} can be assigned by the shell ({@code NAME=value}). */
  public static boolean isName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /**
   * {@code command} preceded by one exported assignment per variable, in the map's order: {@code
   * export A='1' B='2'; command}. Names that are not shell names must be filtered out first.
   *
   * @throws IllegalArgumentException if a name is not a shell name
   */
  public static String withVariables(Map<String, String> variables, String command) {
    if (variables.isEmpty()) {
      return command;
    }
    StringBuilder line = new StringBuilder("export");
    variables.forEach(
        (name, value) -> {
          if (!isName(name)) {
            throw new IllegalArgumentException("not a shell variable name: " + name);
          }
          line.append(' ').append(name).append('=').append(quote(value));
        });
    return line.append("; ").append(command).toString();
  }
}
