package dev.flotilla.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Usage help that wraps between words only. Picocli wraps its columns with the JDK's line break
 * rules, which break after a {@code .} or {@code /} inside a word: {@code PLAN.}/{@code yaml},
 * {@code Octopus.Action.}/{@code MaxParallelism}, {@code Default: .}/{@code flotilla/journal}. Here
 * picocli renders each section on a page too wide to wrap, and the lines are wrapped at spaces to
 * {@link #WIDTH} columns with picocli's own indentation: a table row (options, commands, exit
 * codes) continues under its description plus two columns, a paragraph under its first line, the
 * synopsis under the command's first option. A word longer than a line is left whole on a line of
 * its own rather than cut.
 */
final class HelpLayout {

  /** The width of the help, in columns (picocli's default). */
  static final int WIDTH = 80;

  /** Wide enough that picocli never wraps a section itself. */
  private static final int UNWRAPPED = 1_000;

  /** Picocli indents the wrapped lines of a table cell by this much more than the cell. */
  private static final int TABLE_CONTINUATION = 2;

  private static final String ANSI_ESCAPE = "\u001b[";

  private static final Set<String> TABLES =
      Set.of(
          UsageMessageSpec.SECTION_KEY_PARAMETER_LIST,
          UsageMessageSpec.SECTION_KEY_OPTION_LIST,
          UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
          UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST,
          UsageMessageSpec.SECTION_KEY_AT_FILE_PARAMETER,
          UsageMessageSpec.SECTION_KEY_END_OF_OPTIONS);

  private HelpLayout() {}

  /** Lays out the help of {@code commandLine} and of all its subcommands. */
  static void apply(CommandLine commandLine) {
    commandLine.setUsageHelpWidth(UNWRAPPED);
    Map<String, IHelpSectionRenderer> sections = new LinkedHashMap<>();
    commandLine
        .getHelpSectionMap()
        .forEach((key, renderer) -> sections.put(key, wrapping(key, renderer)));
    commandLine.setHelpSectionMap(sections);
  }

  private static IHelpSectionRenderer wrapping(String key, IHelpSectionRenderer renderer) {
    if (key.equals(UsageMessageSpec.SECTION_KEY_SYNOPSIS)) {
      // "flotilla deploy [-hV] ..." follows the heading "Usage: " on its line; wrapped lines start
      // under "[-hV]".
      return help ->
          wrapLines(
              renderer.render(help),
              Kind.SYNOPSIS,
              help.synopsisHeadingLength(),
              help.commandSpec().qualifiedName().length());
    }
    if (TABLES.contains(key)) {
      return help -> wrapLines(renderer.render(help), Kind.TABLE, 0, 0);
    }
    if (key.equals(UsageMessageSpec.SECTION_KEY_DESCRIPTION)
        || key.equals(UsageMessageSpec.SECTION_KEY_HEADER)
        || key.equals(UsageMessageSpec.SECTION_KEY_FOOTER)) {
      return help -> wrapLines(renderer.render(help), Kind.PARAGRAPH, 0, 0);
    }
    // Headings: one short line each.
    return renderer;
  }

  private enum Kind {
    SYNOPSIS,
    TABLE,
    PARAGRAPH
  }

  /**
   * Wraps every line of a rendered section.
   *
   * @param heading for the synopsis, the columns its heading ("Usage: ") takes before its first
   *     line
   * @param name for the synopsis, the length of the command's name it starts with
   */
  private static String wrapLines(String section, Kind kind, int heading, int name) {
    String[] lines = section.split("\n", -1);
    List<String> wrapped = new ArrayList<>();
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n];
      String trimmed = line.stripTrailing();
      String text = visible(trimmed);
      int start = firstNonSpace(text, 0);
      int offset = 0;
      int from;
      int hang;
      switch (kind) {
        case SYNOPSIS -> {
          // Never inside the command's name; wrapped lines start under its first option.
          offset = n == 0 ? heading : 0;
          from = n == 0 ? name : start;
          hang = heading + name + 1;
        }
        case TABLE -> {
          from = descriptionColumn(text, start);
          hang = from + TABLE_CONTINUATION;
        }
        default -> {
          from = start;
          hang = start;
        }
      }
      wrapped.addAll(wrap(trimmed, offset, from, hang, WIDTH));
    }
    return String.join("\n", wrapped);
  }

  /**
   * Where a table row's description starts: after the first run of two or more spaces that follows
   * its label; a row that is all description (its label was too long) starts at its text.
   */
  private static int descriptionColumn(String text, int start) {
    if (start < 0) {
      return 0;
    }
    int gap = text.indexOf("  ", start);
    if (gap < 0) {
      return start;
    }
    int description = firstNonSpace(text, gap);
    return description < 0 ? start : description;
  }

  /**
   * One line wrapped at spaces to {@code width} visible columns: never before column {@code from}
   * on the first line (a label or the command name stays whole), and each wrapped line indented to
   * {@code hang}.
   *
   * @param offset columns already taken on the terminal's line before this one's first line
   */
  static List<String> wrap(String line, int offset, int from, int hang, int width) {
    List<String> lines = new ArrayList<>();
    String rest = line;
    int noBreakBefore = from;
    int budget = width - offset;
    while (visibleLength(rest) > budget) {
      int cut = breakBefore(rest, noBreakBefore, budget);
      if (cut < 0) {
        break;
      }
      lines.add(rest.substring(0, cut).stripTrailing());
      rest = " ".repeat(hang) + rest.substring(cut).stripLeading();
      noBreakBefore = hang;
      budget = width;
    }
    lines.add(rest);
    return lines;
  }

  /**
   * The raw index of the space to break at: the last one whose column is within the width and past
   * {@code from}; else, for a word longer than the line, the first one after it; -1 if none.
   */
  private static int breakBefore(String line, int from, int width) {
    int lastFitting = -1;
    int column = 0;
    for (int i = 0; i < line.length(); i++) {
      if (line.startsWith(ANSI_ESCAPE, i)) {
        i = endOfEscape(line, i);
        continue;
      }
      if (line.charAt(i) == ' ' && column > from) {
        if (column <= width) {
          lastFitting = i;
        } else if (lastFitting < 0) {
          return i;
        } else {
          return lastFitting;
        }
      }
      column++;
    }
    return lastFitting;
  }

  /** The line as the terminal shows it: colour codes take no column. */
  private static String visible(String line) {
    StringBuilder text = new StringBuilder(line.length());
    for (int i = 0; i < line.length(); i++) {
      if (line.startsWith(ANSI_ESCAPE, i)) {
        i = endOfEscape(line, i);
      } else {
        text.append(line.charAt(i));
      }
    }
    return text.toString();
  }

  private static int visibleLength(String line) {
    return visible(line).length();
  }

  /**
   * The index of the last character of the escape sequence starting at {@code i} (its final
   * letter).
   */
  private static int endOfEscape(String line, int i) {
    int end = i + ANSI_ESCAPE.length();
    while (end < line.length() && !Character.isLetter(line.charAt(end))) {
      end++;
    }
    return Math.min(end, line.length() - 1);
  }

  private static int firstNonSpace(String text, int from) {
    for (int i = Math.max(0, from); i < text.length(); i++) {
      if (text.charAt(i) != ' ') {
        return i;
      }
    }
    return -1;
  }
}
