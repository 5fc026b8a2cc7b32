package dev.flotilla.cli.progress;

import java.io.Console;
import java.lang.reflect.Method;
import java.util.Locale;

/** How a deployment's progress is shown. */
public enum ProgressMode {
  /**
   * Timestamped lines, one per event worth telling, and a status line now and then: for logs and
   * pipes.
   */
  LINES,
  /**
   * A panel redrawn in place (a bar per running step) under the lines of finished steps: for a
   * terminal.
   */
  BARS;

  /**
   * The mode a setting asks for: {@code bars}, {@code lines}, or {@code auto} (bars only when the
   * output is a terminal).
   *
   * @throws IllegalArgumentException for any other setting
   */
  public static ProgressMode choose(String setting, boolean terminal) {
    return switch (setting.trim().toLowerCase(Locale.ROOT)) {
      case "auto" -> terminal ? BARS : LINES;
      case "bars" -> BARS;
      case "lines" -> LINES;
      default ->
          throw new IllegalArgumentException(
              "flotilla.cli.progress (or FLOTILLA_PROGRESS) must be auto, bars or lines, not \""
                  + setting
                  + "\"");
    };
  }

  /**
   * Whether standard input and output are a terminal. Up to JDK 21 that is what a console means;
   * from JDK 22 there is a console even when the output is a pipe, and {@code isTerminal} tells.
   */
  public static boolean stdoutIsTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
