package dev.flotilla.cli.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ANSI redraw: each frame backs up over exactly the rows the previous panel took, the lines
 * that stay are printed above the new panel, and a source that leaves takes its panel along.
 */
class LiveScreenTest {

  private static final String UP = "\u001b[";
  private static final String CLEAR = "\u001b[J";
  private static final String EOL = "\u001b[K\n";

  @Test
  void redrawMovesUpThePreviousPanelsHeightThenOverwritesWithLinesAndPanel() {
    // Proves the escape sequence of one frame, byte for byte: up 3, each line erasing the rest of
    // its row, the panel unwrapped, then whatever the old panel left below erased.
    String frame = TerminalFrame.redraw(3, List.of("finished a"), List.of("bar 1", "bar 2"));

    assertThat(frame)
        .isEqualTo(
            "\r"
                + UP
                + "3A"
                + "finished a"
                + EOL
                + "\u001b[?7l"
                + "bar 1"
                + EOL
                + "bar 2"
                + EOL
                + "\u001b[?7h"
                + CLEAR);
  }

  @Test
  void firstFrameDoesNotMoveTheCursor() {
    // Proves nothing above the cursor is erased before a panel was drawn.
    assertThat(TerminalFrame.redraw(0, List.of(), List.of("bar")))
        .doesNotContain("A")
        .doesNotContain(CLEAR);
  }

  @Test
  void everyFrameBacksUpOverExactlyThePreviousPanel() {
    // Proves panels of 3, then 5, then 2 rows are each backed over by the next frame, and the last
    // leaves nothing.
    StringWriter text = new StringWriter();
    LiveScreen screen =
        new LiveScreen(new PrintWriter(text), Duration.ofMillis(200), new TerminalSize(80, 40));
    FakeSource source = new FakeSource();
    screen.add(source);

    List<String> frames = new ArrayList<>();
    for (int height : new int[] {3, 5, 2}) {
      source.height = height;
      source.lines.add("line before a panel of " + height);
      screen.drawNow();
      frames.add(take(text));
    }
    source.lines.add("last line");
    screen.leave(source, Duration.ofSeconds(1));
    frames.add(take(text));

    assertThat(frames.get(0)).startsWith("line before a panel of 3" + EOL);
    assertThat(frames.get(1)).startsWith("\r" + UP + "3A" + "line before a panel of 5" + EOL);
    assertThat(frames.get(2)).startsWith("\r" + UP + "5A" + "line before a panel of 2" + EOL);
    assertThat(frames.get(3)).isEqualTo("\r" + UP + "2A" + "last line" + EOL + CLEAR);
    assertThat(frames.get(1).lines().filter(line -> line.contains("row "))).hasSize(5);
  }

  @Test
  void panelTallerThanTheTerminalIsCut() {
    // Proves the panel keeps below the terminal's height, which a cursor-up could not back over.
    StringWriter text = new StringWriter();
    LiveScreen screen =
        new LiveScreen(new PrintWriter(text), Duration.ofMillis(200), new TerminalSize(80, 10));
    FakeSource source = new FakeSource();
    source.height = 30;
    screen.add(source);

    screen.drawNow();
    String first = take(text);
    screen.drawNow();

    assertThat(first.lines().filter(line -> line.contains("row ") || line.contains("…")))
        .hasSize(9);
    assertThat(take(text)).startsWith("\r" + UP + "9A");
  }

  private static String take(StringWriter text) {
    String frame = text.toString();
    text.getBuffer().setLength(0);
    return frame;
  }

  /** A source with a panel of {@code height} rows. */
  private static final class FakeSource implements LiveScreen.Source {
    final List<String> lines = new ArrayList<>();
    int height;

    @Override
    public void drainLines(List<String> into) {
      into.addAll(lines);
      lines.clear();
    }

    @Override
    public List<String> panel(int columns, boolean titled) {
      List<String> panel = new ArrayList<>();
      for (int row = 1; row <= height; row++) {
        panel.add("row " + row);
      }
      return panel;
    }
  }
}
