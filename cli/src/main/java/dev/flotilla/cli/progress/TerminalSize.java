package dev.flotilla.cli.progress;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The size of the terminal the process writes to, in character cells; 0 where unknown. Asked once,
 * of {@code stty size} on {@code /dev/tty} (the JDK cannot tell), else of the {@code COLUMNS} and
 * {@code LINES} environment variables.
 */
public record TerminalSize(int columns, int rows) {

  public static final TerminalSize UNKNOWN = new TerminalSize(0, 0);

  private static final long STTY_TIMEOUT_MILLIS = 1_000;

  public static TerminalSize detect() {
    TerminalSize size = fromStty();
    return size != null
        ? size
        : new TerminalSize(number(System.getenv("COLUMNS")), number(System.getenv("LINES")));
  }

  private static TerminalSize fromStty() {
    File tty = new File("/dev/tty");
    if (!tty.exists()) {
      return null;
    }
    try {
      Process stty =
          new ProcessBuilder("stty", "size")
              .redirectInput(tty)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!stty.waitFor(STTY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
        stty.destroyForcibly();
        return null;
      }
      String[] rowsColumns =
          new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
              .trim()
              .split("\\s+");
      if (stty.exitValue() != 0 || rowsColumns.length != 2) {
        return null;
      }
      return new TerminalSize(number(rowsColumns[1]), number(rowsColumns[0]));
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static int number(String text) {
    try {
      return text == null ? 0 : Math.max(0, Integer.parseInt(text.trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
