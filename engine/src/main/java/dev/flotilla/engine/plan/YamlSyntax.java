package dev.flotilla.engine.plan;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Says what a YAML syntax error means to someone writing a plan. SnakeYAML reports where its
 * scanner or parser stopped in its own terms ({@code expected <block end>, but found '?'}); the
 * slips behind them are few (indentation, a tab, a quote or bracket left open, a missing colon), so
 * each known shape is named with its column and the probable slip, and anything else keeps
 * SnakeYAML's words with the column added.
 *
 * <p>The line is always where SnakeYAML stopped; when the slip is on another line (the opening
 * quote of a string that never closes, a key without its colon), the message names that line.
 */
final class YamlSyntax {

  /** Every syntax problem starts with this, whatever its shape. */
  static final String PREFIX = "not valid YAML: ";

  private static final Pattern LINE_BREAK = Pattern.compile("\r\n|[\r\n\u0085\u2028\u2029]");
  private static final Pattern CANNOT_START =
      Pattern.compile("found character '(.)' that cannot start any token");
  private static final int QUOTED_KEY_MAX = 40;

  private final String[] lines;

  private YamlSyntax(String yaml) {
    this.lines = LINE_BREAK.split(yaml, -1);
  }

  /** The problem for {@code error}, raised while composing {@code yaml}. */
  static PlanProblem problem(String source, String yaml, MarkedYAMLException error) {
    Mark at = error.getProblemMark() != null ? error.getProblemMark() : error.getContextMark();
    String explained = new YamlSyntax(yaml).explain(error, at);
    return new PlanProblem(
        source, at == null ? null : at.getLine() + 1, null, null, PREFIX + explained);
  }

  private String explain(MarkedYAMLException error, Mark at) {
    String problem = error.getProblem() == null ? "" : error.getProblem();
    String context = error.getContext() == null ? "" : error.getContext();
    Mark from = error.getContextMark();
    if (at == null) {
      return context.isEmpty() ? problem : context + ", " + problem;
    }
    String where = "at column " + (at.getColumn() + 1) + ", ";
    if (problem.contains("(TAB)")) {
      return where
          + "a tab: YAML indents and separates with spaces only; replace the tab with spaces";
    }
    if (problem.startsWith("expected <block end>") && from != null) {
      return where
          + found(problem)
          + " that does not line up with the block it is in (line "
          + (from.getLine() + 1)
          + ", column "
          + (from.getColumn() + 1)
          + "): probably wrong indentation; the keys of one mapping,"
          + " and the \"- \" of one list, start in the same column";
    }
    if (problem.startsWith("mapping values are not allowed")) {
      return where + misplacedColon(at);
    }
    if (problem.startsWith("could not find expected ':'") && from != null) {
      return where
          + "no ':' after "
          + quoted(textFrom(from))
          + " (line "
          + (from.getLine() + 1)
          + ", column "
          + (from.getColumn() + 1)
          + "): probably a missing ':' after a key (write key: value)";
    }
    if (context.startsWith("while scanning a quoted scalar")
        && problem.contains("end of stream")
        && from != null) {
      String quote = textFrom(from).isEmpty() ? "quote" : textFrom(from).substring(0, 1);
      return where
          + "the file ends inside a quoted value: the "
          + quote
          + " opened on line "
          + (from.getLine() + 1)
          + ", column "
          + (from.getColumn() + 1)
          + " is never closed (probably a missing closing "
          + quote
          + ")";
    }
    if (context.startsWith("while parsing a flow")
        && problem.startsWith("expected ','")
        && from != null) {
      boolean list = context.contains("sequence");
      return where
          + "the "
          + (list ? "[" : "{")
          + " opened on line "
          + (from.getLine() + 1)
          + ", column "
          + (from.getColumn() + 1)
          + " is not closed here: probably a missing "
          + (list ? "']'" : "'}'")
          + " or a missing ',' between its "
          + (list ? "items" : "entries");
    }
    Matcher cannotStart = CANNOT_START.matcher(problem);
    if (cannotStart.find()) {
      return where + "a value cannot start with '" + cannotStart.group(1) + "' unless it is quoted";
    }
    return where + (context.isEmpty() ? problem : context + ", " + problem);
  }

  /** What the parser met where it expected a block to go on or end. */
  private static String found(String problem) {
    if (problem.endsWith("'?'") || problem.endsWith("'<block mapping start>'")) {
      return "a key";
    }
    if (problem.endsWith("'-'") || problem.endsWith("'<block sequence start>'")) {
      return "a list item";
    }
    return "a line";
  }

  /**
   * A ':' where no key can start. The scanner read the line as going on with the value above, so
   * the slip is one of: this line indented deeper than the one above, the line above missing its
   * own ':', or a value that holds ": " and needs quotes.
   */
  private String misplacedColon(Mark at) {
    String line = line(at.getLine());
    int colon = offset(line, at.getColumn());
    if (colon > 0 && line.substring(0, colon).contains(": ")) {
      return "a second ':' on this line: a value that contains \": \" must be quoted";
    }
    int above = at.getLine() - 1;
    while (above >= 0 && (line(above).isBlank() || line(above).strip().startsWith("#"))) {
      above--;
    }
    if (above >= 0 && indent(line) > indent(line(above))) {
      return "a key indented deeper than line "
          + (above + 1)
          + ", as if it went on with the value there:"
          + " probably wrong indentation; the keys of one mapping start in the same column";
    }
    if (above >= 0 && !line(above).contains(":")) {
      return "line "
          + (above + 1)
          + " has no ':', so this line reads as going on with it: probably a missing ':'"
          + " after the key on line "
          + (above + 1)
          + " (write key: value)";
    }
    return "a ':' where no key can start: probably wrong indentation, or a missing ':' on a line above";
  }

  /** The rest of the mark's line from its column, trimmed and kept short. */
  private String textFrom(Mark mark) {
    String line = line(mark.getLine());
    String text = line.substring(offset(line, mark.getColumn())).strip();
    return text.length() > QUOTED_KEY_MAX ? text.substring(0, QUOTED_KEY_MAX) + "..." : text;
  }

  private String line(int index) {
    return index >= 0 && index < lines.length ? lines[index] : "";
  }

  /** The char offset of a code-point column, bounded by the line. */
  private static int offset(String line, int column) {
    int codePoints = line.codePointCount(0, line.length());
    return line.offsetByCodePoints(0, Math.min(column, codePoints));
  }

  private static int indent(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) == ' ') {
      i++;
    }
    return i;
  }

  private static String quoted(String text) {
    return "\"" + text + "\"";
  }
}
