package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deploy summary shows the same lower bound as a sweep, right under the makespan. */
class DeploySummaryLowerBoundTest {

  private static final Pattern LOWER_BOUND =
      Pattern.compile("^Lower bound \\S+ \\(makespan / bound = (\\d+\\.\\d\\d)\\)$");

  @TempDir Path dir;

  @Test
  void summaryPrintsTheLowerBoundAndItsRatioAfterTheMakespan() throws IOException {
    // Proves the line follows Makespan and its ratio is at least 1 (a bound no schedule beats).
    Path plan =
        Files.writeString(
            dir.resolve("plan.yaml"),
            """
        name: bound
        targets:
          - { name: "web-{1..6}", roles: [web] }
        steps:
          - { name: Deploy, roles: [web], maxParallelism: 2, action: { type: simulate, duration: 10ms } }
        """);

    CliRun run = CliRun.of("deploy", plan.toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    List<String> lines = run.out().lines().toList();
    int makespan =
        lines.indexOf(
            lines.stream().filter(line -> line.startsWith("Makespan")).findFirst().orElseThrow());
    Matcher bound = LOWER_BOUND.matcher(lines.get(makespan + 1));
    assertThat(bound.matches()).as(run.toString()).isTrue();
    assertThat(Double.parseDouble(bound.group(1))).isGreaterThanOrEqualTo(1.0);
  }
}
