package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The usage help wraps between words, within its width, as picocli indents it. */
class HelpLayoutTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "deploy",
        "deployments",
        "replay",
        "resume",
        "simulate",
        "timeline",
        "node",
        "serve"
      })
  void helpWrapsBetweenWordsOnlyAndWithinTheWidth(String command) {
    // Proves no word of the help is cut (picocli alone broke PLAN.yaml after its dot), and every
    // line fits in
    // 80 columns unless it is one word longer than that.
    String[] args = command.isEmpty() ? new String[] {"--help"} : new String[] {command, "--help"};
    CliRun run = CliRun.of(args);

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(words(run.out())).isEqualTo(words(unwrapped(args)));
    assertThat(run.out().lines())
        .allSatisfy(
            line ->
                assertThat(line.length() <= HelpLayout.WIDTH || line.strip().indexOf(' ') < 0)
                    .as("fits in %d columns: %s", HelpLayout.WIDTH, line)
                    .isTrue());
  }

  @Test
  void namesWithDotsAndSlashesStayWhole() {
    // Proves the words users reported cut in two read whole.
    String help = CliRun.of("deploy", "--help").out();

    assertThat(help)
        .contains("PLAN.yaml")
        .contains("Octopus.Action.MaxParallelism")
        .contains(".flotilla/journal");
  }

  @Test
  void wrappedLinesOfATableRowContinueUnderItsDescription() {
    // Proves picocli's indentation is kept: a row's wrapped lines start two columns right of its
    // description.
    List<String> lines = HelpLayout.wrap("  -x, --example   " + "word ".repeat(30), 0, 18, 20, 80);

    assertThat(lines).hasSizeGreaterThan(1);
    assertThat(lines.get(0)).startsWith("  -x, --example   word").hasSizeLessThanOrEqualTo(80);
    assertThat(lines.subList(1, lines.size()))
        .allSatisfy(line -> assertThat(line).startsWith(" ".repeat(20) + "word"));
  }

  /** The same help from picocli alone, on a line long enough that it never wraps. */
  private static String unwrapped(String[] args) {
    StringWriter out = new StringWriter();
    CommandLine commandLine = new CommandLine(new FlotillaCli()).setUsageHelpWidth(1_000);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.execute(args);
    return out.toString();
  }

  private static List<String> words(String text) {
    return Arrays.stream(text.split("\\s+")).filter(word -> !word.isEmpty()).toList();
  }
}
