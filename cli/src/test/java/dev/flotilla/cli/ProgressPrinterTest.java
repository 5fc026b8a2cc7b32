package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.cli.progress.LiveScreen;
import dev.flotilla.cli.progress.ProgressMode;
import dev.flotilla.cli.progress.TerminalSize;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionWaiting;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.deployment.DeploymentListener.ExecutionLogLine;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The progress stays readable for a large fleet, in lines and in bars. Events are fed by hand and
 * no printing thread is started: each test prints with {@code tick()}, {@code drawNow()} and {@code
 * close()} on its own thread.
 */
class ProgressPrinterTest {

  private static final int FLEET = 2_000;
  private static final int FAILURES_SHOWN = 5;
  private static final int OUTPUT_MAX_RUNNING = 50;
  private static final CliSettings SETTINGS =
      new CliSettings(
          Duration.ofSeconds(1), OUTPUT_MAX_RUNNING, 200, FAILURES_SHOWN, Duration.ofSeconds(20));
  private static final ActionSpec NOTHING = new ActionSpec("simulate", Map.of());
  private static final long T0 = 1_700_000_000_000_000L;

  private final StringWriter out = new StringWriter();
  private DeploymentPlan plan;
  private ProgressPrinter printer;

  @BeforeEach
  void fleet() {
    List<Target> targets = new ArrayList<>();
    for (int i = 1; i <= FLEET; i++) {
      targets.add(new Target(target(i), List.of("web")));
    }
    plan =
        DeploymentPlan.of(
            "fleet",
            targets,
            List.of(
                Step.of("Deploy", NOTHING, "web"),
                Step.rolling(
                    "Restart",
                    3,
                    List.of(Step.of("Drain", NOTHING), Step.of("Start", NOTHING)),
                    "web")));
    printer =
        new ProgressPrinter(
            PlanLayout.of(plan), SETTINGS, ProgressMode.LINES, new PrintWriter(out, true), null);
    printer.onEvent(new DeploymentAccepted("d-1", plan, T0));
    printer.onEvent(new DeploymentStarted(T0));
    printer.onEvent(new StepStarted(0, T0));
  }

  @Test
  void waitingExecutionsOfAStepAreSummarizedInOneLinePerTick() {
    // Proves 2,000 executions waiting for their guards make one line, not 2,000.
    for (int i = 1; i <= FLEET; i++) {
      printer.onEvent(
          new ExecutionWaiting(0, target(i), 1, "deployment d-2 step \"Patch\"", T0 + i));
    }

    printer.tick();
    printer.close();

    List<String> waitingLines =
        lines().stream().filter(line -> line.contains(" waiting ")).toList();
    assertThat(waitingLines)
        .singleElement()
        .asString()
        .contains("Deploy: 2000 executions started waiting for their target guard")
        .contains("web-2000, held by deployment d-2 step \"Patch\"");
    assertThat(status()).contains("2000 waiting, 0 running");
  }

  @Test
  void scriptOutputIsShownPrefixedWithStepAndTarget() {
    // Proves a script's output line is shown with the step and target it came from.
    printer.onEvent(new ExecutionStarted(0, target(1), 1, T0));
    printer.onLogLine(new ExecutionLogLine(0, "Deploy", target(1), 1, "hello from web-0001"));

    printer.close();

    assertThat(out.toString()).contains("[Deploy/web-0001] hello from web-0001");
  }

  @Test
  void scriptOutputIsCountedNotShownWhileManyExecutionsRun() {
    // Proves output is not printed while more than the cap of executions run, but counted.
    for (int i = 1; i <= OUTPUT_MAX_RUNNING + 1; i++) {
      printer.onEvent(new ExecutionStarted(0, target(i), 1, T0));
    }
    printer.onLogLine(new ExecutionLogLine(0, "Deploy", target(1), 1, "hello"));

    printer.tick();
    printer.close();

    assertThat(out.toString()).doesNotContain("[Deploy/");
    assertThat(status()).contains("51 running").contains("1 output line not shown");
  }

  @Test
  void failedExecutionsBeyondTheCapAreCountedNotListed() {
    // Proves a step failing on the whole fleet shows a few failures, then counts the rest.
    for (int i = 1; i <= FLEET; i++) {
      printer.onEvent(new ExecutionStarted(0, target(i), 1, T0));
      printer.onEvent(
          new ExecutionFinished(
              0, target(i), 1, ExecutionStatus.FAILED, "exit code 1", List.of(), true, T0 + 1));
    }
    printer.onEvent(new StepFinished(0, StepStatus.FAILED, 0, T0 + 2_000_000));

    printer.close();

    assertThat(lines().stream().filter(line -> line.contains("exit code 1")))
        .hasSize(FAILURES_SHOWN);
    assertThat(out.toString())
        .contains("Deploy: more failed attempts are counted, not shown")
        .contains("finished   Deploy FAILED: 0 succeeded, 2000 failed, 0 skipped in 2.0s");
  }

  @Test
  void childrenOfARollingStepAreShownUnderIt() {
    // Proves the children's finished lines follow their rolling step's, indented, though the engine
    // finishes them first.
    printer.onEvent(new StepStarted(1, T0));
    printer.onEvent(new StepFinished(2, StepStatus.SUCCEEDED, 0, T0 + 1));
    printer.onEvent(new StepFinished(3, StepStatus.SUCCEEDED, 0, T0 + 1));
    printer.onEvent(new StepFinished(1, StepStatus.SUCCEEDED, 0, T0 + 1));

    printer.close();

    List<String> finished = lines().stream().filter(line -> line.contains("finished")).toList();
    assertThat(finished).hasSize(3);
    assertThat(finished.get(0)).contains("finished   Restart SUCCEEDED");
    assertThat(finished.get(1)).contains("finished     Drain SUCCEEDED");
    assertThat(finished.get(2)).contains("finished     Start SUCCEEDED");
  }

  @Test
  void everyLineStartsWithTheClockThenTheTimeSinceTheStart() {
    // Proves the plain lines a CI log gets are timestamped: wall-clock time, then seconds since the
    // start.
    printer.onEvent(new StepFinished(0, StepStatus.SUCCEEDED, 0, T0 + 2_500_000));

    printer.tick();
    printer.close();

    assertThat(lines())
        .hasSizeGreaterThanOrEqualTo(3)
        .allMatch(
            line -> line.matches("\\d{2}:\\d{2}:\\d{2}\\.\\d{3} +\\+\\d+\\.\\ds  \\S.*"),
            "timestamped");
    assertThat(out.toString())
        .contains("   +0.0s  started    Deploy: 2000 targets, 10 at once")
        .contains("   +2.5s  finished   Deploy SUCCEEDED");
  }

  @Test
  void finishedLineShowsTheElapsedTimeAndTheActiveTimeLabelled() {
    // Proves a step whose first execution waited 0.5 s for its guard shows both durations: in 3.7s
    // (elapsed, the
    // wait included), active 3.2s (first execution start to last end).
    printer.onEvent(new ExecutionWaiting(0, target(1), 1, "deployment d-2 step \"Patch\"", T0));
    printer.onEvent(new ExecutionStarted(0, target(1), 1, T0 + 500_000));
    printer.onEvent(new ExecutionStarted(0, target(2), 1, T0 + 600_000));
    printer.onEvent(
        new ExecutionFinished(
            0, target(1), 1, ExecutionStatus.SUCCEEDED, null, List.of(), true, T0 + 3_700_000));
    printer.onEvent(
        new ExecutionFinished(
            0, target(2), 1, ExecutionStatus.SUCCEEDED, null, List.of(), true, T0 + 3_650_000));
    printer.onEvent(new StepFinished(0, StepStatus.SUCCEEDED, 0, T0 + 3_700_000));

    printer.close();

    assertThat(out.toString())
        .contains(
            "finished   Deploy SUCCEEDED: 2 succeeded, 0 failed, 1998 skipped in 3.7s "
                + "(active 3.2s)");
    assertThat(printer.durations().elapsedMs(0)).isEqualTo(3_700.0);
    assertThat(printer.durations().activeMs(0)).isEqualTo(3_200.0);
  }

  @Test
  void elapsedIsNeverShorterThanActiveWhenTheStepStartIsRecordedAfterItsFirstExecution() {
    // Proves a step's start recorded a moment after its first execution started (the engine stamps
    // the step when it
    // records it) still gives an elapsed time that covers the active one.
    printer.onEvent(new StepStarted(1, T0 + 300_000));
    printer.onEvent(new ExecutionStarted(2, target(1), 1, T0 + 100_000));
    printer.onEvent(
        new ExecutionFinished(
            2, target(1), 1, ExecutionStatus.SUCCEEDED, null, List.of(), true, T0 + 1_100_000));
    printer.onEvent(new StepFinished(2, StepStatus.SUCCEEDED, 0, T0 + 1_000_000));

    assertThat(printer.durations().activeMs(2)).isEqualTo(1_000.0);
    assertThat(printer.durations().elapsedMs(2)).isEqualTo(1_000.0);
    assertThat(printer.durations().activeMs(1)).isEqualTo(1_000.0);
  }

  @Test
  void beforeItStartsADeploymentAloneOnItsEngineIsStartingAndTheClockNeverGoesBack() {
    // Proves the status before the start says "starting", not "queued" behind a cap nothing else
    // holds, and shows no
    // time since a start that has not happened, so the first line after the start (+0.0s) is not
    // earlier than it.
    ProgressPrinter alone =
        new ProgressPrinter(
            PlanLayout.of(plan), SETTINGS, ProgressMode.LINES, new PrintWriter(out, true), null);
    // On the wall clock, as the status line is: accepted now, started 1.5 s later.
    long accepted = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    alone.onEvent(new DeploymentAccepted("d-2", plan, accepted));

    alone.tick();
    alone.onEvent(new DeploymentStarted(accepted + 1_500_000));
    alone.onEvent(new StepStarted(0, accepted + 1_500_000));
    alone.close();

    assertThat(lines()).hasSize(2);
    String clock = "\\d{2}:\\d{2}:\\d{2}\\.\\d{3}";
    assertThat(lines().get(0))
        .matches(
            clock + " {11}status     starting: the engine has accepted it and is about to run it");
    assertThat(lines().get(1)).contains("   +0.0s  started    Deploy");
    assertThat(out.toString()).doesNotContain("queued");
  }

  @Test
  void beforeItStartsADeploymentIsQueuedOnlyWhileAnotherRunsOnItsEngine() {
    // Proves "queued ... deployment cap" is printed when another deployment of the engine runs, and
    // only then.
    ProgressPrinter waiting =
        new ProgressPrinter(
            PlanLayout.of(plan),
            SETTINGS,
            ProgressMode.LINES,
            new PrintWriter(out, true),
            "second");
    waiting.onEvent(new DeploymentAccepted("d-2", plan, T0));
    ProgressPrinter.shareEngine(List.of(printer, waiting));

    waiting.tick();
    printer.onEvent(new DeploymentFinished(DeploymentStatus.SUCCEEDED, T0 + 1_000_000));
    waiting.tick();
    waiting.close();

    List<String> statuses = lines().stream().filter(line -> line.contains(" status ")).toList();
    assertThat(statuses).hasSize(2);
    assertThat(statuses.get(0))
        .contains("[second] status     queued: waiting for the engine's deployment cap");
    assertThat(statuses.get(1))
        .contains("[second] status     starting: the engine has accepted it");
  }

  @Test
  void anEventDeliveredAfterAStatusLineNeverShowsAnEarlierTime() {
    // Proves the printed times never go back: an event reaches the printer after it is journaled,
    // so a status line
    // can come first; the event's line then shows the status line's time, not its own earlier one.
    printer.tick();
    printer.onEvent(new StepFinished(0, StepStatus.SUCCEEDED, 0, T0 + 1_000_000));
    printer.close();

    List<Double> offsets =
        lines().stream()
            .map(
                line ->
                    Pattern.compile(" \\+(\\d+\\.\\d)s  ")
                        .matcher(line)
                        .results()
                        .findFirst()
                        .orElseThrow())
            .map(match -> Double.parseDouble(match.group(1)))
            .toList();
    assertThat(lines()).hasSize(3);
    assertThat(lines().get(2)).contains("finished   Deploy SUCCEEDED");
    assertThat(offsets).isSorted();
  }

  @Test
  void barsModePrintsLinesAboveAPanelAndLeavesNoPanelBehind() {
    // Proves in a terminal: the started line stays, the panel draws the step's bar, and closing
    // erases the panel.
    StringWriter screenText = new StringWriter();
    LiveScreen screen =
        new LiveScreen(
            new PrintWriter(screenText), Duration.ofMillis(200), new TerminalSize(120, 40));
    ProgressPrinter bars =
        new ProgressPrinter(
            PlanLayout.of(plan), SETTINGS, ProgressMode.BARS, new PrintWriter(screenText), null);
    bars.onEvent(new DeploymentAccepted("d-1", plan, T0));
    bars.onEvent(new DeploymentStarted(T0));
    bars.onEvent(new StepStarted(0, T0));
    for (int i = 1; i <= 510; i++) {
      bars.onEvent(new ExecutionStarted(0, target(i), 1, T0));
      if (i <= 500) {
        bars.onEvent(
            new ExecutionFinished(
                0, target(i), 1, ExecutionStatus.SUCCEEDED, null, List.of(), true, T0));
      }
    }

    bars.showOn(screen);
    screen.drawNow();
    String frame = screenText.toString();
    screenText.getBuffer().setLength(0);
    bars.close();
    String last = screenText.toString();

    assertThat(frame)
        .contains("started    Deploy: 2000 targets, 10 at once\u001b[K\n")
        .contains(
            "  Deploy  [" + "█".repeat(6) + "░".repeat(18) + "]   500/2000  10 running\u001b[K\n")
        .contains("executions: 0 waiting, 10 running, 500 succeeded, 0 failed");
    assertThat(last).isEqualTo("\r\u001b[2A\u001b[J");
  }

  private List<String> lines() {
    return out.toString().lines().toList();
  }

  private String status() {
    return lines().stream()
        .filter(line -> line.contains(" status "))
        .reduce((first, second) -> second)
        .orElse("");
  }

  private static String target(int i) {
    return String.format("web-%04d", i);
  }
}
