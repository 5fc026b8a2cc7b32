package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.Timeline.ExecutionEntry;
import dev.flotilla.engine.timeline.Timeline.StepEntry;
import dev.flotilla.engine.timeline.TimelineJson;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.testing.LoopbackPostgres;
import dev.flotilla.persistence.testing.TestJournal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A deployment survives a crash of its JVM: the CLI is SIGKILLed in the middle of a deployment of
 * scripts, then {@code flotilla resume} in a new JVM finishes it, and {@code flotilla replay} in a
 * third rebuilds the same timeline from the journal alone. Every script appends "start step target
 * attempt" to a ledger the moment it runs and "end ..." when it is done, so the ledger is what
 * really ran; the resumed and the replayed timelines must account for it exactly.
 *
 * <p>Kill points are by progress: after the k-th script has ended, spread over the whole
 * deployment. CI runs {@value #DEFAULT_KILL_POINTS} on LevelDB and {@value
 * #DEFAULT_POSTGRES_KILL_POINTS} on PostgreSQL (each point costs about 13 s);{@code
 * -Dflotilla.crash-test.kill-points=100} runs 100 on each (see the README).
 */
class CrashRecoveryTest {

  /** 22 executions in 3 blocks; each script takes about 0.25 s, so the run takes about 3 s. */
  private static final String PLAN =
      """
      name: crash-recovery
      variables: { Ledger: "%1$s" }
      targets:
        - { name: "db-{1..2}", roles: [db] }
        - { name: "web-{1..6}", roles: [web] }
      steps:
        - { name: Migrate, roles: [db], maxParallelism: 2, action: { type: script, run: '%2$s' } }
        - { name: Prepare, roles: [web], startTrigger: withPrevious, maxParallelism: 2,
            action: { type: script, run: '%2$s' } }
        - { name: Deploy, roles: [web], maxParallelism: 3, action: { type: script, run: '%2$s' } }
        - { name: Verify, roles: [web, db], maxParallelism: 2, action: { type: script, run: '%2$s' } }
      """;

  private static final String SCRIPT =
      "echo \"start $FLOTILLA_STEP $FLOTILLA_TARGET $FLOTILLA_ATTEMPT\" >> \"$Ledger\"; "
          + "sleep 0.25; echo \"end $FLOTILLA_STEP $FLOTILLA_TARGET $FLOTILLA_ATTEMPT\" >> \"$Ledger\"";

  /** Executions in {@link #PLAN}: 2 Migrate, 6 Prepare, 6 Deploy, 8 Verify. */
  private static final int EXECUTIONS = 22;

  private static final int DEFAULT_KILL_POINTS = 10;

  /** Fewer on PostgreSQL, in each block (early, middle, late), so the test run stays short. */
  private static final int DEFAULT_POSTGRES_KILL_POINTS = 3;

  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final Duration RESUME_DEADLINE = Duration.ofSeconds(120);
  private static final int SIGKILL_EXIT_CODE = 128 + 9;

  /** One attempt named by a ledger line. */
  private record Ran(String step, String target, int attempt) {}

  /** The ledger: the attempts that started, and those whose script ran to its end, in order. */
  private record Ledger(List<Ran> started, List<Ran> ended) {}

  @TempDir Path dir;

  /**
   * Kill points: after the k-th script has ended, for k spread evenly from the first script to the
   * last but two, so the kill lands in every block and at every phase of a block. (The last two
   * Verify scripts run together and end together: killing after either could come after the end.)
   */
  static Stream<Arguments> killPoints() {
    Integer given = Integer.getInteger("flotilla.crash-test.kill-points");
    return Stream.concat(
        killPoints(given != null ? given : DEFAULT_KILL_POINTS)
            .mapToObj(k -> Arguments.of(TestJournal.LEVELDB, k)),
        killPoints(given != null ? given : DEFAULT_POSTGRES_KILL_POINTS)
            .mapToObj(k -> Arguments.of(TestJournal.POSTGRES, k)));
  }

  private static IntStream killPoints(int count) {
    int last = EXECUTIONS - 2;
    return IntStream.range(0, count)
        .map(i -> 1 + (int) Math.round((double) i * (last - 1) / Math.max(1, count - 1)));
  }

  @ParameterizedTest(name = "{0}: killed after {1} scripts ended")
  @MethodSource("killPoints")
  void aKilledDeploymentResumesRunsNothingTwiceAndReplaysAsItRan(
      TestJournal kind, int killAfterEnds) throws Exception {
    // Proves that after a SIGKILL nothing recorded as finished runs again, every run is accounted
    // for, the
    // resumed deployment completes obeying the caps, the guards and the block order, and the
    // journal replays
    // into the resumed run's timeline.
    Path ledgerFile = dir.resolve("ledger.txt");
    Path plan = Files.writeString(dir.resolve("plan.yaml"), PLAN.formatted(ledgerFile, SCRIPT));
    DurableJournal durable = kind.create(dir.resolve("journal"));
    List<String> journal =
        durable instanceof DurableJournal.Postgres postgres
            ? List.of("--journal-url", LoopbackPostgres.get().urlWithCredentials(postgres))
            : List.of("--journal", durable.describe());
    Path timelineFile = dir.resolve("resumed.json");
    Path replayFile = dir.resolve("replayed.json");

    CliProcess deploy =
        CliProcess.start(
            dir,
            "deploy",
            "deploy",
            plan.toString(),
            journal.get(0),
            journal.get(1),
            "--time-scale",
            "1");
    awaitEndedScripts(ledgerFile, killAfterEnds, deploy);
    assertThat(deploy.kill())
        .as("killed before the deployment ended\n" + deploy)
        .isEqualTo(SIGKILL_EXIT_CODE);

    CliProcess resume =
        CliProcess.start(
            dir,
            "resume",
            "resume",
            journal.get(0),
            journal.get(1),
            "--timeline-json",
            timelineFile.toString());
    assertThat(resume.await(RESUME_DEADLINE))
        .as(resume.toString())
        .isEqualTo(FlotillaCli.SUCCEEDED);

    Timeline timeline = TimelineJson.read(timelineFile);
    CliProcess replay =
        CliProcess.start(
            dir,
            "replay",
            "replay",
            timeline.deploymentId(),
            journal.get(0),
            journal.get(1),
            "--timeline-json",
            replayFile.toString());
    assertThat(replay.await(RESUME_DEADLINE))
        .as(replay.toString())
        .isEqualTo(FlotillaCli.SUCCEEDED);

    Ledger ledger = ledger(ledgerFile);
    String report =
        "ledger "
            + ledger
            + "\ntimeline "
            + timeline.executions()
            + "\n"
            + deploy
            + resume
            + replay;
    assertThat(Files.readString(replayFile))
        .as("the replayed timeline is the resumed one: " + report)
        .isEqualTo(Files.readString(timelineFile));
    assertThat(timeline.status()).as(report).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(ledger.started()).as("no attempt ran twice: " + report).doesNotHaveDuplicates();
    assertEveryRunIsARecordedAttempt(timeline, ledger.started(), report);
    assertEveryFinishedAttemptRanExactlyOnce(timeline, ledger, report);
    assertInterruptedAttemptsHaveNoEnd(timeline, report);
    assertEveryExecutionEndsSucceededAfterConsecutiveAttempts(timeline, report);
    assertCapsHeld(timeline, report);
    assertNoOverlapOnATarget(timeline, report);
    assertBlocksInOrder(timeline, report);
  }

  private static void assertEveryRunIsARecordedAttempt(
      Timeline timeline, List<Ran> ran, String report) {
    List<Ran> recorded = timeline.executions().stream().map(CrashRecoveryTest::attempt).toList();
    assertThat(recorded)
        .as("every ledger line is an attempt the journal recorded: " + report)
        .containsAll(ran);
  }

  /** An attempt the journal records as finished started once and its script ran to its end. */
  private static void assertEveryFinishedAttemptRanExactlyOnce(
      Timeline timeline, Ledger ledger, String report) {
    for (ExecutionEntry execution : timeline.executions()) {
      if (execution.status() == ExecutionStatus.SUCCEEDED
          || execution.status() == ExecutionStatus.FAILED) {
        assertThat(ledger.started())
            .as("%s ran exactly once: %s", attempt(execution), report)
            .filteredOn(attempt(execution)::equals)
            .hasSize(1);
        assertThat(ledger.ended())
            .as("%s ran to its end: %s", attempt(execution), report)
            .contains(attempt(execution));
      }
    }
  }

  private static void assertInterruptedAttemptsHaveNoEnd(Timeline timeline, String report) {
    assertThat(timeline.executions())
        .as(report)
        .filteredOn(execution -> execution.status() == ExecutionStatus.INTERRUPTED)
        .allSatisfy(execution -> assertThat(execution.endMs()).isNull());
  }

  /**
   * Attempts 1..n of each (step, target): only the last one succeeded, the others were interrupted.
   */
  private static void assertEveryExecutionEndsSucceededAfterConsecutiveAttempts(
      Timeline timeline, String report) {
    Map<String, List<ExecutionEntry>> byExecution =
        timeline.executions().stream()
            .collect(
                Collectors.groupingBy(
                    execution -> execution.step() + " " + execution.target(),
                    TreeMap::new,
                    Collectors.toList()));
    long expected = timeline.steps().stream().mapToLong(StepEntry::targets).sum();
    assertThat(byExecution).as(report).hasSize((int) expected);
    byExecution.forEach(
        (execution, attempts) -> {
          List<ExecutionEntry> ordered =
              attempts.stream().sorted(Comparator.comparingInt(ExecutionEntry::attempt)).toList();
          for (int i = 0; i < ordered.size(); i++) {
            ExecutionEntry attempt = ordered.get(i);
            assertThat(attempt.attempt())
                .as("%s attempt numbers: %s", execution, report)
                .isEqualTo(i + 1);
            assertThat(attempt.status())
                .as("%s attempt %d: %s", execution, i + 1, report)
                .isEqualTo(
                    i == ordered.size() - 1
                        ? ExecutionStatus.SUCCEEDED
                        : ExecutionStatus.INTERRUPTED);
          }
        });
  }

  /** At no instant do more finished executions of a step overlap than its cap. */
  private static void assertCapsHeld(Timeline timeline, String report) {
    Map<String, Integer> caps =
        timeline.steps().stream()
            .collect(Collectors.toMap(StepEntry::name, StepEntry::maxParallelism));
    finished(timeline)
        .collect(Collectors.groupingBy(ExecutionEntry::step))
        .forEach(
            (step, executions) ->
                assertThat(mostAtOnce(executions))
                    .as("%s runs at most %d at once: %s", step, caps.get(step), report)
                    .isLessThanOrEqualTo(caps.get(step)));
  }

  /** Exclusive isolation: the finished executions on one target never overlap. */
  private static void assertNoOverlapOnATarget(Timeline timeline, String report) {
    finished(timeline)
        .collect(Collectors.groupingBy(ExecutionEntry::target))
        .forEach(
            (target, executions) ->
                assertThat(mostAtOnce(executions))
                    .as("one execution at a time on %s: %s", target, report)
                    .isEqualTo(1));
  }

  /**
   * Every execution of a block starts after every finished execution of the blocks before it has
   * ended.
   */
  private static void assertBlocksInOrder(Timeline timeline, String report) {
    Map<Integer, Double> lastEnd = new HashMap<>();
    finished(timeline)
        .forEach(execution -> lastEnd.merge(execution.block(), execution.endMs(), Math::max));
    for (ExecutionEntry execution : timeline.executions()) {
      lastEnd.forEach(
          (block, end) -> {
            if (block < execution.block()) {
              assertThat(execution.startMs())
                  .as("%s starts after block %d ended: %s", attempt(execution), block, report)
                  .isGreaterThanOrEqualTo(end);
            }
          });
    }
  }

  private static java.util.stream.Stream<ExecutionEntry> finished(Timeline timeline) {
    return timeline.executions().stream().filter(execution -> execution.endMs() != null);
  }

  /**
   * The most intervals open at one instant; one ending exactly when another starts does not overlap
   * it.
   */
  private static int mostAtOnce(List<ExecutionEntry> executions) {
    record Edge(double at, int delta) {}
    List<Edge> edges = new ArrayList<>();
    for (ExecutionEntry execution : executions) {
      edges.add(new Edge(execution.startMs(), 1));
      edges.add(new Edge(execution.endMs(), -1));
    }
    edges.sort(Comparator.comparingDouble(Edge::at).thenComparingInt(Edge::delta));
    int open = 0;
    int most = 0;
    for (Edge edge : edges) {
      open += edge.delta();
      most = Math.max(most, open);
    }
    return most;
  }

  private static Ran attempt(ExecutionEntry execution) {
    return new Ran(execution.step(), execution.target(), execution.attempt());
  }

  /**
   * Waits until {@code ends} scripts have ended, woken by the file system each time a script writes
   * to the ledger (and at least every 100 ms, to notice a deployment that ended early).
   */
  private static void awaitEndedScripts(Path ledger, int ends, CliProcess deploy) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    try (java.nio.file.WatchService watch = ledger.getFileSystem().newWatchService()) {
      ledger
          .toAbsolutePath()
          .getParent()
          .register(
              watch,
              java.nio.file.StandardWatchEventKinds.ENTRY_CREATE,
              java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY);
      while (ledger(ledger).ended().size() < ends) {
        if (!deploy.process().isAlive()) {
          throw new AssertionError(
              "the deployment ended before " + ends + " scripts ended\n" + deploy);
        }
        if (System.nanoTime() > deadline) {
          deploy.kill();
          throw new AssertionError(
              "fewer than " + ends + " scripts ended within " + DEADLINE + "\n" + deploy);
        }
        java.nio.file.WatchKey key = watch.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
        }
      }
    }
  }

  /** The complete lines of the ledger (a line being appended is not counted yet). */
  private static Ledger ledger(Path ledger) throws IOException {
    List<Ran> started = new ArrayList<>();
    List<Ran> ended = new ArrayList<>();
    if (Files.exists(ledger)) {
      String text = Files.readString(ledger);
      int end = text.lastIndexOf('\n');
      if (end >= 0) {
        for (String line : text.substring(0, end).split("\n")) {
          String[] fields = line.split(" ");
          Ran ran = new Ran(fields[1], fields[2], Integer.parseInt(fields[3]));
          (fields[0].equals("start") ? started : ended).add(ran);
        }
      }
    }
    return new Ledger(started, ended);
  }
}
