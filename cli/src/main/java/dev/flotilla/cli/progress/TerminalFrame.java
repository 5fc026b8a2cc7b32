package dev.flotilla.cli.progress;

import java.util.List;

/**
 * One redraw of a live panel at the bottom of a terminal, as ANSI escapes (no curses): back up over
 * the previous panel, write the lines that stay (they scroll up like any output), then the new
 * panel with line wrapping off, so that every panel line takes exactly one row and the next redraw
 * backs up over exactly the rows this one drew. Each line overwrites the row it lands on and erases
 * what is left of it, and whatever is left below the new panel is erased last: the panel is never
 * blanked in between, so it does not flicker.
 */
public final class TerminalFrame {

  /** Control Sequence Introducer: ESC [. */
  static final String CSI = "\u001b[";

  static final String CLEAR_TO_END_OF_LINE = CSI + "K";
  static final String CLEAR_TO_END_OF_SCREEN = CSI + "J";
  static final String WRAP_OFF = CSI + "?7l";
  static final String WRAP_ON = CSI + "?7h";

  private TerminalFrame() {}

  /**
   * The characters that replace a panel {@code previousHeight} rows high, drawn right above the
   * cursor, by {@code above} and then {@code panel}; the cursor ends under the new panel.
   */
  public static String redraw(int previousHeight, List<String> above, List<String> panel) {
    StringBuilder frame = new StringBuilder();
    if (previousHeight > 0) {
      frame.append('\r').append(up(previousHeight));
    }
    for (String line : above) {
      frame.append(line).append(CLEAR_TO_END_OF_LINE).append('\n');
    }
    if (!panel.isEmpty()) {
      frame.append(WRAP_OFF);
      for (String line : panel) {
        frame.append(line).append(CLEAR_TO_END_OF_LINE).append('\n');
      }
      frame.append(WRAP_ON);
    }
    if (previousHeight > 0) {
      frame.append(CLEAR_TO_END_OF_SCREEN);
    }
    return frame.toString();
  }

  /** Cursor up {@code rows} rows (CUU). */
  static String up(int rows) {
    return CSI + rows + "A";
  }
}
