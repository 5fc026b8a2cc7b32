package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every quoted value reaches a real /bin/sh literally, whatever characters it holds. */
class ShellQuotingTest {

  private static final List<String> AWKWARD =
      List.of(
          "",
          "plain",
          "two words",
          "  leading and trailing  ",
          "it's",
          "'",
          "''",
          "'quoted'",
          "\"double\"",
          "$HOME",
          "${PATH}",
          "$(touch /tmp/flotilla-pwned)",
          "`touch /tmp/flotilla-pwned`",
          "a; rm -rf /tmp/flotilla-nothing",
          "a && b || c | d > e < f",
          "back\\slash\\",
          "line one\nline two",
          "trailing newline\n",
          "tab\there",
          "glob * ? [a-z] ~",
          "!bang #hash %percent &amp",
          "ünïcödé ✓ 日本語 🚀",
          "-n",
          "--help");

  @Test
  void quotesAnEmptyStringAsAnEmptyWord() {
    assertThat(ShellQuoting.quote("")).isEqualTo("''");
  }

  @Test
  void writesASingleQuoteAsCloseEscapeReopen() {
    assertThat(ShellQuoting.quote("it's")).isEqualTo("'it'\\''s'");
  }

  @Test
  void theShellReadsBackEveryAwkwardValueLiterally() throws Exception {
    assertThat(echoThroughShell(AWKWARD)).containsExactlyElementsOf(AWKWARD);
  }

  @Test
  void theShellReadsBackRandomValuesLiterally() throws Exception {
    // Seeded, so a failure is reproducible; the alphabet is biased towards the shell's specials.
    Random random = new Random(13);
    String alphabet = "'\"\\$`!*?[]{}()<>|&;#~ \t\nabcXYZ019=-_/.,:é日🚀";
    int[] codePoints = alphabet.codePoints().toArray();
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      StringBuilder value = new StringBuilder();
      int length = random.nextInt(24);
      for (int j = 0; j < length; j++) {
        value.appendCodePoint(codePoints[random.nextInt(codePoints.length)]);
      }
      values.add(value.toString());
    }
    assertThat(echoThroughShell(values)).containsExactlyElementsOf(values);
  }

  @Test
  void exportsVariablesToEveryPartOfTheCommand() throws Exception {
    Map<String, String> variables = new LinkedHashMap<>();
    variables.put("VERSION", "1.2 'beta' $(id)");
    variables.put("TARGET", "web-01");
    String line =
        ShellQuoting.withVariables(variables, "true; printf '%s|%s' \"$VERSION\" \"$TARGET\"");
    assertThat(runShell(line)).isEqualTo("1.2 'beta' $(id)|web-01");
  }

  @Test
  void leavesACommandWithoutVariablesAsItIs() {
    assertThat(ShellQuoting.withVariables(Map.of(), "uptime")).isEqualTo("uptime");
  }

  @Test
  void refusesANameTheShellCannotAssign() {
    assertThat(ShellQuoting.isName("FLOTILLA_TARGET")).isTrue();
    assertThat(ShellQuoting.isName("_x1")).isTrue();
    assertThat(ShellQuoting.isName("1x")).isFalse();
    assertThat(ShellQuoting.isName("a-b")).isFalse();
    assertThat(ShellQuoting.isName("a;b")).isFalse();
    assertThat(ShellQuoting.isName("")).isFalse();
    assertThatThrownBy(() -> ShellQuoting.withVariables(Map.of("x;rm", "1"), "true"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Prints every value as the shell parsed it, NUL-separated, and splits them back. */
  @SuppressWarnings("OrphanedFormatString") // A format for the shell's printf, not for Java's.
  private static List<String> echoThroughShell(List<String> values)
      throws IOException, InterruptedException {
    StringBuilder script = new StringBuilder("printf '%s\\0'");
    values.forEach(value -> script.append(' ').append(ShellQuoting.quote(value)));
    String output = runShell(script.toString());
    List<String> parsed = new ArrayList<>(List.of(output.split("\0", -1)));
    parsed.remove(parsed.size() - 1); // After the last NUL.
    return parsed;
  }

  private static String runShell(String script) throws IOException, InterruptedException {
    Process shell = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true).start();
    String output = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(shell.waitFor(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(shell.exitValue()).as(output).isZero();
    return output;
  }
}
