package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code flotilla simulate --sweep}, run in-process: the table, the rehearsal and invalid input.
 */
class SimulateCommandTest {

  /** Twenty targets, one step of 100ms each: the makespan is 20 x 100ms over the cap. */
  private static final String FLEET =
      """
      name: fleet
      seed: 3
      targets:
        - { name: "web-{01..20}", roles: [web] }
      steps:
        - name: Deploy
          roles: [web]
          action: { type: simulate, duration: 100ms }
      """;

  /** Runs simulated actions five times faster than planned; the table still shows plan time. */
  private static final String TIME_SCALE = "0.2";

  /**
   * Runs per value where a test compares makespans: their median shrugs off one run slowed by a
   * busy machine.
   */
  private static final String RUNS = "3";

  /** One row of the sweep's table, its times in milliseconds. */
  private record TableRow(
      int value, double makespanMs, double boundMs, double ratio, String status) {}

  private static final String DURATION = "\\d+(?:\\.\\d+)?ms|\\d+(?:\\.\\d+)?s|\\d+m\\d\\ds";
  private static final Pattern ROW =
      Pattern.compile(
          "^\\s*(\\d+)\\s+("
              + DURATION
              + ")\\s+("
              + DURATION
              + ")\\s+(\\d+\\.\\d\\d|-)\\s+(\\S.*)$");

  @TempDir Path dir;

  @Test
  void sweepPrintsARowPerValueAndTheMakespanFallsAsTheCapRises() throws IOException {
    // Proves one row per value, in sweep order, and that cap 10 finishes before cap 1.
    Path plan = write("fleet.yaml", FLEET);

    CliRun run =
        CliRun.of(
            "simulate",
            plan.toString(),
            "--sweep",
            "maxParallelism=1,2,5,10",
            "--runs",
            RUNS,
            "--time-scale",
            TIME_SCALE);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    List<TableRow> rows = table(run.out());
    assertThat(rows).extracting(TableRow::value).containsExactly(1, 2, 5, 10);
    assertThat(rows).extracting(TableRow::status).containsOnly("SUCCEEDED");
    assertThat(rows.get(3).makespanMs()).as(run.toString()).isLessThan(rows.get(0).makespanMs());
    // One progress line per run, and a bar per value.
    assertThat(run.out().lines().filter(line -> line.contains(" run "))).hasSize(4 * 3);
    assertThat(run.out()).contains("= makespan  | lower bound");
  }

  @Test
  void everyRowsMakespanIsAtLeastItsLowerBound() throws IOException {
    // Proves the ratio column never dips below 1 (within its two decimals), medians included.
    Path plan = write("fleet.yaml", FLEET);

    CliRun run =
        CliRun.of(
            "simulate",
            plan.toString(),
            "--sweep",
            "maxParallelism=1,3,20",
            "--runs",
            RUNS,
            "--time-scale",
            TIME_SCALE);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    List<TableRow> rows = table(run.out());
    assertThat(rows).hasSize(3);
    for (TableRow row : rows) {
      assertThat(row.ratio()).as(run.toString()).isGreaterThanOrEqualTo(0.995);
    }
    assertThat(run.out().lines().filter(line -> line.contains(" run "))).hasSize(9);
    assertThat(run.out()).contains("medians of 3 runs");
  }

  @Test
  void scriptWithAnEstimateIsSimulatedForItsEstimateAndNeverRun() throws IOException {
    // Proves a script is not run (it would fail and leave a file) but simulated for its 50ms
    // estimate.
    Path marker = dir.resolve("script-ran");
    Path plan =
        write(
            "script.yaml",
            """
        name: scripted
        targets:
          - { name: web-1, roles: [web] }
        steps:
          - name: Deploy
            roles: [web]
            action: { type: script, run: "touch '%s'; exit 1", estimate: 50ms }
        """
                .formatted(marker));

    CliRun run = CliRun.of("simulate", plan.toString(), "--sweep", "maxParallelism=1");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(marker).doesNotExist();
    TableRow row = table(run.out()).get(0);
    assertThat(row.status()).isEqualTo("SUCCEEDED");
    // The bound of a single execution is its measured duration: its estimate, not the 1s default.
    assertThat(row.boundMs()).as(run.toString()).isGreaterThanOrEqualTo(50.0).isLessThan(1000.0);
    assertThat(run.out())
        .contains("script steps with an estimate are simulated as their estimate: \"Deploy\" 50ms");
  }

  @Test
  void scriptWithoutAnEstimateIsSimulatedForTheStatedDefault() throws IOException {
    // Proves --script-default stands in for a missing estimate, and the output says so.
    Path plan =
        write(
            "script.yaml",
            """
        name: scripted
        targets:
          - { name: web-1, roles: [web] }
        steps:
          - { name: Deploy, roles: [web], action: { type: script, run: "exit 1" } }
        """);

    CliRun run =
        CliRun.of(
            "simulate", plan.toString(), "--sweep", "maxParallelism=1", "--script-default", "30ms");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(run.out())
        .contains("script steps without an estimate are simulated as 30ms (--script-default)");
    TableRow row = table(run.out()).get(0);
    assertThat(row.status()).isEqualTo("SUCCEEDED");
    assertThat(row.boundMs()).as(run.toString()).isGreaterThanOrEqualTo(30.0).isLessThan(1000.0);
  }

  @Test
  void sweepOverridesTheMaxParallelismVariableThatWinsOverTheKey() throws IOException {
    // Proves the swept cap is the cap that runs even when the plan pins it with the Octopus
    // variable.
    Path plan =
        write(
            "pinned.yaml",
            FLEET.replace(
                "seed: 3", "seed: 3\nvariables: { Octopus.Action.MaxParallelism: \"1\" }"));

    CliRun run =
        CliRun.of(
            "simulate",
            plan.toString(),
            "--sweep",
            "maxParallelism=1,10",
            "--runs",
            RUNS,
            "--time-scale",
            TIME_SCALE);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    List<TableRow> rows = table(run.out());
    assertThat(rows.get(1).makespanMs()).as(run.toString()).isLessThan(rows.get(0).makespanMs());
  }

  @Test
  void stepLevelSweepVariesOneStepsTargetCap() throws IOException {
    // Proves step:NAME.maxParallelism reaches the named step: its makespan falls with its cap.
    Path plan = write("fleet.yaml", FLEET);

    CliRun run =
        CliRun.of(
            "simulate",
            plan.toString(),
            "--sweep",
            "step:Deploy.maxParallelism=1,10",
            "--runs",
            RUNS,
            "--time-scale",
            TIME_SCALE);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    List<TableRow> rows = table(run.out());
    assertThat(rows).extracting(TableRow::value).containsExactly(1, 10);
    assertThat(rows.get(1).makespanMs()).as(run.toString()).isLessThan(rows.get(0).makespanMs());
  }

  @Test
  void windowSweepVariesARollingStepsWindow() throws IOException {
    // Proves step:NAME.windowSize reaches a rolling step, whose window no other cap overrides.
    Path plan =
        write(
            "rolling.yaml",
            """
        name: rolling
        targets:
          - { name: "web-{01..12}", roles: [web] }
        steps:
          - name: Restart
            roles: [web]
            rolling: { windowSize: 1 }
            children:
              - { name: Drain, action: { type: simulate, duration: 50ms } }
              - { name: Start, action: { type: simulate, duration: 50ms } }
        """);

    CliRun run =
        CliRun.of(
            "simulate",
            plan.toString(),
            "--sweep",
            "step:Restart.windowSize=1,6",
            "--runs",
            RUNS,
            "--time-scale",
            TIME_SCALE);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    List<TableRow> rows = table(run.out());
    assertThat(rows.get(1).makespanMs()).as(run.toString()).isLessThan(rows.get(0).makespanMs());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "maxParallelism=1,x           | \"x\" is not a whole number",
        "maxParallelism=1,,2          | \"\" is not a whole number",
        "maxParallelism=2,0           | 0 is below 1",
        "maxParallelism=5,5           | 5 is listed twice",
        "parallelism=1,2              | unknown key \"parallelism\"",
        "maxParallelism               | KEY=V1,V2",
        "step:Missing.maxParallelism=1 | no step \"Missing\"",
        "step:Deploy.windowSize=2     | \"Deploy\" is not a rolling step"
      })
  void invalidSweepExitsTwoNamingWhatIsWrong(String sweep, String problem) throws IOException {
    // Proves a bad --sweep is refused before anything runs, with the offending part named.
    Path plan = write("fleet.yaml", FLEET);

    CliRun run = CliRun.of("simulate", plan.toString(), "--sweep", sweep);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains(problem).contains("--sweep");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void invalidPlanExitsTwo() throws IOException {
    // Proves plan problems are reported as deploy reports them, and nothing runs.
    Path plan = write("broken.yaml", FLEET.replace("duration: 100ms", "duration: soon"));

    CliRun run = CliRun.of("simulate", plan.toString(), "--sweep", "maxParallelism=1,2");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("broken.yaml:").contains("nothing was started");
    assertThat(run.out()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"--runs, 0", "--script-default, soon", "--time-scale, 0"})
  void invalidOptionsExitTwo(String option, String value) throws IOException {
    // Proves the other options are checked before anything runs.
    Path plan = write("fleet.yaml", FLEET);

    CliRun run =
        CliRun.of("simulate", plan.toString(), "--sweep", "maxParallelism=1", option, value);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains(option);
  }

  @Test
  void interruptCancelsTheRunGoingOnAndStopsTheSweep() throws IOException {
    // Proves the Ctrl-C path: no ten-minute run is waited for, the sweep reports and exits 1.
    Path plan = write("slow.yaml", FLEET.replace("duration: 100ms", "duration: 10m"));
    CompletableFuture<Integer> interruptExitCode = new CompletableFuture<>();
    InterruptSignal interruptAtOnce =
        handler -> {
          new Thread(() -> interruptExitCode.complete(handler.onInterrupt()), "test-interrupt")
              .start();
          return () -> {};
        };

    CliRun run =
        CliRun.with(interruptAtOnce, "simulate", plan.toString(), "--sweep", "maxParallelism=1,2");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(interruptExitCode.join()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(run.err()).contains("interrupted (Ctrl-C): the sweep stopped after 0 of 2 runs");
    assertThat(table(run.out())).isEmpty();
  }

  /**
   * The rows of the sweep's table (the chart's lines hold bars, not durations, and do not match).
   */
  private static List<TableRow> table(String out) {
    return out.lines()
        .map(ROW::matcher)
        .filter(Matcher::matches)
        .map(
            m ->
                new TableRow(
                    Integer.parseInt(m.group(1)),
                    millis(m.group(2)),
                    millis(m.group(3)),
                    m.group(4).equals("-") ? Double.NaN : Double.parseDouble(m.group(4)),
                    m.group(5).trim()))
        .toList();
  }

  /** Reads the CLI's durations back: {@code 850ms}, {@code 2.4s}, {@code 3m05s}. */
  private static double millis(String text) {
    if (text.endsWith("ms")) {
      return Double.parseDouble(text.substring(0, text.length() - 2));
    }
    int minutes = text.indexOf('m');
    if (minutes > 0) {
      return Integer.parseInt(text.substring(0, minutes)) * 60_000.0
          + Integer.parseInt(text.substring(minutes + 1, text.length() - 1)) * 1000.0;
    }
    return Double.parseDouble(text.substring(0, text.length() - 1)) * 1000;
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }
}
