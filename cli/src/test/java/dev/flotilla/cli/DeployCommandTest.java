package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code flotilla deploy}, run in-process: exit codes, output and the timeline JSON contract. */
class DeployCommandTest {

  /** Three targets, a plain step, a rolling step with two children and a step on the engine. */
  private static final String PLAN =
      """
      name: tiny-release
      seed: 7
      targets:
        - { name: "web-{1..3}", roles: [web] }
      steps:
        - name: Deploy web
          roles: [web]
          action: { type: simulate, duration: 20ms%s }
        - name: Restart
          roles: [web]
          rolling: { windowSize: 2 }
          children:
            - { name: Drain, action: { type: simulate, duration: 5ms } }
            - { name: Start, action: { type: simulate, duration: 5ms } }
        - name: Notify
          runOnServer: true
          condition: always
          action: { type: simulate, duration: 1ms }
      """;

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void succeedingDeploymentExitsZeroAndWritesTheTimelineContract() throws IOException {
    // Proves exit code 0 and every field name of the timeline JSON that other tools read.
    Path plan = write("plan.yaml", PLAN.formatted(""));
    Path timeline = dir.resolve("out/timeline.json");

    CliRun run = CliRun.of("deploy", plan.toString(), "--timeline-json", timeline.toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    JsonNode root = JSON.readTree(timeline.toFile());
    assertThat(root.path("deploymentId").asText()).isNotBlank();
    assertThat(root.path("name").asText()).isEqualTo("tiny-release");
    assertThat(root.path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(root.path("maxParallelism").asInt()).isEqualTo(10);
    assertThat(root.path("targetIsolation").asText()).isEqualTo("exclusive");

    JsonNode steps = root.path("steps");
    assertThat(steps).hasSize(5);
    for (JsonNode step : steps) {
      assertThat(fieldNames(step))
          .contains(
              "index",
              "name",
              "block",
              "parent",
              "status",
              "maxParallelism",
              "windowSize",
              "runOnServer");
    }
    JsonNode restart = steps.get(1);
    assertThat(restart.path("name").asText()).isEqualTo("Restart");
    assertThat(restart.path("windowSize").asInt()).isEqualTo(2);
    assertThat(restart.path("block").asInt()).isEqualTo(1);
    assertThat(steps.get(2).path("parent").asText()).isEqualTo("Restart");
    assertThat(steps.get(4).path("runOnServer").asBoolean()).isTrue();

    JsonNode executions = root.path("executions");
    assertThat(executions).hasSize(3 + 3 + 3 + 1);
    for (JsonNode execution : executions) {
      assertThat(fieldNames(execution))
          .contains(
              "step", "stepIndex", "block", "target", "attempt", "status", "startMs", "endMs");
      assertThat(execution.path("status").asText()).isEqualTo("SUCCEEDED");
    }
    assertThat(run.out())
        .contains("Deployment  tiny-release SUCCEEDED")
        .contains("Id          " + root.path("deploymentId").asText())
        .contains("Timeline    " + timeline.toAbsolutePath());
  }

  @Test
  void failingStepExitsOneAndStillWritesTheTimeline() throws IOException {
    // Proves a failed deployment exits 1, reports the failure and still writes its timeline.
    Path plan = write("plan.yaml", PLAN.formatted(", failOn: [web-2]"));
    Path timeline = dir.resolve("timeline.json");

    CliRun run = CliRun.of("deploy", plan.toString(), "--timeline-json", timeline.toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    JsonNode root = JSON.readTree(timeline.toFile());
    assertThat(root.path("status").asText()).isEqualTo("FAILED");
    assertThat(root.path("steps").get(0).path("status").asText()).isEqualTo("FAILED");
    assertThat(root.path("steps").get(1).path("status").asText()).isEqualTo("SKIPPED");
    assertThat(root.path("steps").get(4).path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(run.out())
        .contains("failed     Deploy web on web-2: simulated failure on web-2")
        .contains("Deployment  tiny-release FAILED");
  }

  @Test
  void invalidPlanExitsTwoPrintsEveryProblemAndStartsNothing() throws IOException {
    // Proves each plan problem is printed on its own line, with file and line, and nothing starts.
    Path plan =
        write(
            "plan.yaml",
            """
        name: broken
        targets:
          - { name: web-1, roles: [web] }
        steps:
          - name: Deploy
            roles: [web]
            startTrigger: withPrevious
            timeout: soon
            action: { type: simulate, duration: 1s }
        """);

    CliRun run = CliRun.of("deploy", plan.toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err().lines().filter(line -> line.contains("plan.yaml:"))).hasSize(2);
    assertThat(run.err())
        .contains("plan.yaml:7: step \"Deploy\": startTrigger")
        .contains("plan.yaml:8: step \"Deploy\": timeout");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void missingPlanFileExitsTwo() {
    // Proves a plan path that names no file is invalid input, not a failed deployment.
    CliRun run = CliRun.of("deploy", dir.resolve("absent.yaml").toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("no plan file").contains("absent.yaml");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-1", "NaN", "Infinity", "fast"})
  void timeScaleMustBeAPositiveNumber(String timeScale) throws IOException {
    // Proves a time scale that is not a positive number is refused before anything starts.
    Path plan = write("plan.yaml", PLAN.formatted(""));

    CliRun run = CliRun.of("deploy", plan.toString(), "--time-scale", timeScale);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("--time-scale");
    assertThat(run.out()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Greeting", "=hello", " =hello"})
  void setMustBeKeyEqualsValue(String setting) throws IOException {
    // Proves a --set without a key and an equals sign is refused, naming the bad value.
    Path plan = write("plan.yaml", PLAN.formatted(""));

    CliRun run = CliRun.of("deploy", plan.toString(), "--set", "Stage=prod", "--set", setting);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("\"" + setting + "\"");
  }

  @Test
  void setAppliesTheMaxParallelismAlias() throws IOException {
    // Proves --set reaches the plan's variables, where the Octopus alias sets the cap.
    Path plan = write("plan.yaml", PLAN.formatted(""));
    Path timeline = dir.resolve("timeline.json");

    CliRun run =
        CliRun.of(
            "deploy",
            plan.toString(),
            "--set",
            "Octopus.Action.MaxParallelism=3",
            "--timeline-json",
            timeline.toString(),
            "--in-memory");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    JsonNode root = JSON.readTree(timeline.toFile());
    assertThat(root.path("maxParallelism").asInt()).isEqualTo(3);
    assertThat(root.path("steps").get(0).path("maxParallelism").asInt()).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(strings = {"deploy --bogus plan.yaml", "deploy", "launch plan.yaml", ""})
  void usageErrorsExitTwo(String arguments) {
    // Proves picocli's own usage errors (unknown option, missing parameter or subcommand) exit 2.
    String[] args = arguments.isEmpty() ? new String[0] : arguments.split(" ");

    CliRun run = CliRun.of(args);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("--help");
  }

  @Test
  void finishedLinesAndTheSummaryShowTheSameElapsedAndActiveTimes() throws IOException {
    // Proves one definition of each duration everywhere: a step that waits for the guard its
    // block's other step
    // holds shows a longer elapsed than active time, and the summary row repeats the live line's
    // two figures.
    Path plan =
        write(
            "plan.yaml",
            """
        name: shared-target
        targets: [{ name: web-1, roles: [web] }]
        steps:
          - { name: Long, roles: [web], action: { type: simulate, duration: 300ms } }
          - { name: Short, roles: [web], startTrigger: withPrevious, action: { type: simulate, duration: 20ms } }
        """);

    CliRun run = CliRun.of("deploy", plan.toString(), "--in-memory");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    Pattern live =
        Pattern.compile(
            "finished   (Long|Short) SUCCEEDED: 1 succeeded, 0 failed, 0 skipped in (\\S+) "
                + "\\(active (\\S+)\\)");
    Map<String, String[]> liveTimes = new HashMap<>();
    live.matcher(run.out())
        .results()
        .forEach(m -> liveTimes.put(m.group(1), new String[] {m.group(2), m.group(3)}));
    assertThat(liveTimes).as(run.out()).containsOnlyKeys("Long", "Short");
    for (Map.Entry<String, String[]> step : liveTimes.entrySet()) {
      assertThat(run.out())
          .as("the summary row of " + step.getKey())
          .containsPattern(
              "(?m)^"
                  + step.getKey()
                  + " +SUCCEEDED +1 +0 +0 +"
                  + Pattern.quote(step.getValue()[0])
                  + " +"
                  + Pattern.quote(step.getValue()[1])
                  + "$");
    }
    // One of the two waited for the other's guard (300 ms or 20 ms): its elapsed time includes that
    // wait.
    assertThat(liveTimes.values())
        .anySatisfy(times -> assertThat(millis(times[0])).isGreaterThan(millis(times[1])));
    assertThat(run.out()).contains(SummaryTable.DURATIONS);
  }

  @Test
  void interruptCancelsTheDeploymentAndStillReportsIt() throws IOException {
    // Proves the Ctrl-C path: the deployment ends CANCELLED, the timeline is written, the
    // summary printed, and the process is told to exit 1.
    Path plan = write("plan.yaml", PLAN.formatted("").replace("duration: 20ms", "duration: 10m"));
    Path timeline = dir.resolve("timeline.json");
    CompletableFuture<Integer> interruptExitCode = new CompletableFuture<>();
    InterruptSignal interruptAtOnce =
        handler -> {
          new Thread(() -> interruptExitCode.complete(handler.onInterrupt()), "test-interrupt")
              .start();
          return () -> {};
        };

    CliRun run =
        CliRun.with(
            interruptAtOnce, "deploy", plan.toString(), "--timeline-json", timeline.toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(interruptExitCode.join()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(JSON.readTree(timeline.toFile()).path("status").asText()).isEqualTo("CANCELLED");
    assertThat(run.err()).contains("interrupted (Ctrl-C): cancelling the deployment");
    assertThat(run.out()).contains("Deployment  tiny-release CANCELLED");
  }

  @Test
  void normalEndStopsListeningForInterrupts() throws IOException {
    // Proves a run that ends by itself removes its interrupt handler, so exiting never cancels.
    Path plan = write("plan.yaml", PLAN.formatted(""));
    AtomicBoolean registered = new AtomicBoolean();
    AtomicBoolean removed = new AtomicBoolean();
    InterruptSignal recording =
        handler -> {
          registered.set(true);
          return () -> removed.set(true);
        };

    CliRun run = CliRun.with(recording, "deploy", plan.toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(registered).isTrue();
    assertThat(removed).isTrue();
    assertThat(run.err()).doesNotContain("interrupted");
  }

  /** Reads a duration the CLI printed back: {@code 352ms}, {@code 1.2s}. */
  private static double millis(String duration) {
    return duration.endsWith("ms")
        ? Double.parseDouble(duration.substring(0, duration.length() - 2))
        : Double.parseDouble(duration.substring(0, duration.length() - 1)) * 1_000;
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
