package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.testing.LoopbackPostgres;
import dev.flotilla.persistence.testing.TestJournal;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code deploy --journal}, {@code deployments}, {@code replay} and {@code resume}, run in-process
 * on a journal of their own.
 */
class JournalCommandsTest {

  /** Three targets and a rolling step: enough events to make a replay worth comparing. */
  private static final String PLAN =
      """
      name: %s
      seed: 11
      targets:
        - { name: "web-{1..3}", roles: [web] }
      steps:
        - name: Deploy web
          roles: [web]
          maxParallelism: 2
          action: { type: simulate, duration: 10ms%s }
        - name: Restart
          roles: [web]
          condition: always
          rolling: { windowSize: 2 }
          children:
            - { name: Drain, action: { type: simulate, duration: 2ms } }
            - { name: Start, action: { type: simulate, duration: 2ms } }
      """;

  /** One execution at a time, long enough to stop the engine in the middle. */
  private static final String SLOW_PLAN =
      """
      name: %s
      targets:
        - { name: "web-{1..4}", roles: [web] }
      steps:
        - { name: Deploy, roles: [web], maxParallelism: 1, action: { type: simulate, duration: 300ms } }
      """;

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** The journal of the test: LevelDB in {@link #journal()} unless a test chose another. */
  private DurableJournal durable;

  private Path journal() {
    return dir.resolve("journal");
  }

  @BeforeEach
  void onLevelDbUnlessChosen() {
    durable = DurableJournal.levelDb(journal());
  }

  /** Runs the test on a new journal of this kind. */
  private void on(TestJournal kind) {
    durable = kind.create(journal());
  }

  /** The options that name the test's journal: {@code --journal DIR} or {@code --journal-url}. */
  private List<String> journalArgs() {
    return durable instanceof DurableJournal.Postgres postgres
        ? List.of("--journal-url", LoopbackPostgres.get().urlWithCredentials(postgres))
        : List.of("--journal", journal().toString());
  }

  /** A command on the test's journal. */
  private String[] command(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(1, journalArgs());
    return all.toArray(String[]::new);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void deploymentsListsJournaledDeploymentsNewestFirstAsJson(TestJournal kind) throws IOException {
    on(kind);
    // Proves --json lists every deployment of the journal, newest first, with its id, name and
    // status.
    String first = deploy("first", "");
    String second = deploy("second", ", failOn: [web-2]");

    CliRun run = CliRun.of(command("deployments", "--json"));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    JsonNode listed = JSON.readTree(run.out());
    assertThat(listed).hasSize(2);
    assertThat(listed.get(0).path("id").asText()).isEqualTo(second);
    assertThat(listed.get(0).path("name").asText()).isEqualTo("second");
    assertThat(listed.get(0).path("status").asText()).isEqualTo("FAILED");
    assertThat(listed.get(1).path("id").asText()).isEqualTo(first);
    assertThat(listed.get(1).path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(listed.get(1).path("startedAt").asText()).endsWith("Z");
    assertThat(listed.get(1).path("durationMs").asDouble()).isPositive();
    assertThat(listed.get(1).path("events").asLong()).isPositive();
    assertThat(listed.get(1).has("problem")).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void deploymentsPrintsATableWithIdNameAndStatus(TestJournal kind) throws IOException {
    on(kind);
    // Proves the human listing shows each deployment on one line, and how many there are.
    String id = deploy("listed", "");

    CliRun run = CliRun.of(command("deployments"));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(run.out().lines().filter(line -> line.startsWith(id)))
        .singleElement()
        .asString()
        .contains("listed")
        .contains("SUCCEEDED");
    assertThat(run.out()).contains("1 deployment in " + durable.describe());
  }

  @Test
  void aMissingJournalListsNothingAndIsNotCreated() {
    // Proves listing a directory with no journal says so, exits 0 and leaves no directory behind.
    Path missing = dir.resolve("nothing-here");

    CliRun table = CliRun.of("deployments", "--journal", missing.toString());
    CliRun json = CliRun.of("deployments", "--journal", missing.toString(), "--json");

    assertThat(table.exitCode()).as(table.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(table.out()).contains("no deployments in " + missing.toAbsolutePath());
    assertThat(json.exitCode()).as(json.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(json.out().strip()).isIn("[]", "[ ]");
    assertThat(missing).doesNotExist();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void replayWritesTheSameTimelineJsonAsTheLiveRun(TestJournal kind) throws IOException {
    on(kind);
    // Proves a replay rebuilds, from events alone, the very document the live run wrote.
    Path live = dir.resolve("live.json");
    Path replayed = dir.resolve("replayed.json");
    String id = deploy("replayed", ", failOn: [web-3]", "--timeline-json", live.toString());

    CliRun run = CliRun.of(command("replay", id, "--timeline-json", replayed.toString()));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(Files.readAllBytes(replayed)).isEqualTo(Files.readAllBytes(live));
    assertThat(run.out())
        .contains("nothing was run")
        .contains("Deployment  replayed FAILED")
        .contains("Id          " + id)
        .contains("Timeline    " + replayed.toAbsolutePath());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void replayOfASucceededDeploymentExitsZero(TestJournal kind) throws IOException {
    on(kind);
    // Proves replay's exit code is the deployment's: 0 for SUCCEEDED.
    String id = deploy("fine", "");

    CliRun run = CliRun.of(command("replay", id));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(run.out()).contains("Deployment  fine SUCCEEDED");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void replayOfAnUnknownIdExitsTwoNamingTheIdAndTheJournal(TestJournal kind) throws IOException {
    on(kind);
    // Proves an id the journal does not know is invalid input, reported with what was looked for
    // and where.
    deploy("known", "");

    CliRun run = CliRun.of(command("replay", "20000101T000000-000000"));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("20000101T000000-000000").contains(durable.describe());
    assertThat(run.out()).isEmpty();
  }

  @Test
  void aJournalHeldByAnotherEngineIsRefusedAndNothingStarts() throws Exception {
    // Proves a second engine on a held journal exits 2 at once with a message naming the directory.
    Path plan = Files.writeString(dir.resolve("plan.yaml"), PLAN.formatted("blocked", ""));
    Config config = ConfigFactory.load();
    try (Flotilla holder =
        DurableEngine.start(journal(), EngineSettings.fromConfig(config), config)) {
      CliRun deploy = CliRun.of("deploy", plan.toString(), "--journal", journal().toString());
      CliRun list = CliRun.of("deployments", "--journal", journal().toString());

      for (CliRun run : List.of(deploy, list)) {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
        assertThat(run.err())
            .contains(journal().toAbsolutePath().toString())
            .contains("already in use");
        assertThat(run.out()).isEmpty();
      }
    }
  }

  @Test
  void aJournalInUseByAnotherProcessNamesItAndSaysWhatWasNotDoneAndWhatToDo() throws Exception {
    // Proves 'deployments' on a journal a running deploy holds says nothing was listed (not
    // "nothing was started"),
    // which process holds the journal, and what to do about it.
    Path plan =
        Files.writeString(
            dir.resolve("plan.yaml"),
            """
        name: holding
        targets: [{ name: web-1, roles: [web] }]
        steps: [{ name: Wait, roles: [web], action: { type: simulate, duration: 10m } }]
        """);
    CliProcess deploy =
        CliProcess.start(
            dir, "holding", "deploy", plan.toString(), "--journal", journal().toString());
    try {
      awaitOutput(deploy, "Journal: ");

      CliRun list = CliRun.of("deployments", "--journal", journal().toString());
      CliRun replay =
          CliRun.of("replay", "20000101T000000-000000", "--journal", journal().toString());

      assertThat(list.exitCode()).as(list.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
      assertThat(list.err())
          .doesNotContain("nothing was started")
          .contains("flotilla: process " + deploy.process().pid() + " (flotilla deploy " + plan)
          .contains("has it open; a journal is opened by one engine at a time")
          .contains(
              "flotilla: nothing was listed; wait for that process to end (or stop it), then try again, "
                  + "or list another journal with --journal DIR");
      assertThat(replay.err())
          .doesNotContain("nothing was started")
          .contains("flotilla: nothing was replayed; wait");
    } finally {
      deploy.kill();
    }
  }

  /**
   * Waits until the process has printed {@code text}, watching its output file; fails if it exits
   * first.
   */
  private static void awaitOutput(CliProcess process, String text) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    try (WatchService watch = FileSystems.getDefault().newWatchService()) {
      process.outputDirectory().register(watch, StandardWatchEventKinds.ENTRY_MODIFY);
      while (!process.out().contains(text)) {
        assertThat(process.process().isAlive())
            .as("the CLI exited before printing %s%n%s", text, process)
            .isTrue();
        assertThat(System.nanoTime() - deadline)
            .as("%s not printed in time%n%s", text, process)
            .isNegative();
        WatchKey key = watch.poll(100, TimeUnit.MILLISECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
        }
      }
    }
  }

  @Test
  void journalAndInMemoryTogetherAreAUsageError() throws IOException {
    // Proves the two ways of keeping events exclude each other.
    Path plan = Files.writeString(dir.resolve("plan.yaml"), PLAN.formatted("both", ""));

    CliRun run =
        CliRun.of("deploy", plan.toString(), "--journal", journal().toString(), "--in-memory");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("mutually exclusive");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void resumeFinishesAnUnfinishedDeploymentAndReplayShowsItUnfinishedBefore(TestJournal kind)
      throws Exception {
    on(kind);
    // Proves an engine stopped mid-deployment leaves it RUNNING (replay exits 1), and resume
    // completes it.
    String id = leaveUnfinished("stopped").get(0);
    Path timeline = dir.resolve("resumed.json");

    CliRun before = CliRun.of(command("replay", id));
    CliRun resume =
        CliRun.of(command("resume", "--time-scale", "0.1", "--timeline-json", timeline.toString()));
    CliRun again = CliRun.of(command("resume"));

    assertThat(before.exitCode()).as(before.toString()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(before.out()).contains("Deployment  stopped RUNNING").contains("never finished");
    assertThat(resume.exitCode()).as(resume.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(resume.out())
        .contains("Resuming stopped (deployment " + id + ")")
        .contains("Deployment  stopped SUCCEEDED");
    JsonNode root = JSON.readTree(timeline.toFile());
    assertThat(root.path("deploymentId").asText()).isEqualTo(id);
    assertThat(root.path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(again.exitCode()).as(again.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(again.out()).contains("nothing to resume");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void resumeOfSeveralDeploymentsWritesATimelineEach(TestJournal kind) throws Exception {
    on(kind);
    // Proves every unfinished deployment is resumed and gets FILE with its id inserted before the
    // extension.
    List<String> ids = leaveUnfinished("alpha", "beta");
    Path timeline = dir.resolve("out/timeline.json");

    CliRun run =
        CliRun.of(command("resume", "--time-scale", "0.1", "--timeline-json", timeline.toString()));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(run.out())
        .contains("Resuming 2 unfinished deployments")
        .contains("with the deployment id inserted");
    for (String id : ids) {
      Path file = dir.resolve("out/timeline-" + id + ".json");
      assertThat(JSON.readTree(file.toFile()).path("status").asText())
          .as(file.toString())
          .isEqualTo("SUCCEEDED");
    }
    assertThat(timeline).doesNotExist();
  }

  @Test
  void resumeWithNothingToResumeExitsZero() {
    // Proves an empty (here: missing) journal is not an error for resume.
    CliRun run = CliRun.of("resume", "--journal", journal().toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(run.out()).contains("nothing to resume");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void interruptDuringResumeCancelsTheResumedDeployments(TestJournal kind) throws Exception {
    on(kind);
    // Proves Ctrl-C during resume cancels as deploy does: reported CANCELLED, exit code 1.
    leaveUnfinished("cancelled-after-resume");
    CompletableFuture<Integer> interruptExitCode = new CompletableFuture<>();
    InterruptSignal interruptAtOnce =
        handler -> {
          new Thread(() -> interruptExitCode.complete(handler.onInterrupt()), "test-interrupt")
              .start();
          return () -> {};
        };

    CliRun run = CliRun.with(interruptAtOnce, command("resume"));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(interruptExitCode.join()).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(run.out()).contains("Deployment  cancelled-after-resume CANCELLED");
  }

  @Test
  void onPostgresARunningEngineLocksOutNeitherDeploymentsNorReplayButASecondWriter()
      throws Exception {
    // Proves readers run beside the engine that writes a PostgreSQL journal, while resume (a
    // writer) is refused at once, naming the engine that holds the database.
    on(TestJournal.POSTGRES);
    String id = deploy("beside", "");
    Config config = ConfigFactory.load();
    try (Flotilla running =
        DurableEngine.start(durable, EngineSettings.fromConfig(config), config)) {
      CliRun list = CliRun.of(command("deployments"));
      CliRun replay = CliRun.of(command("replay", id));
      CliRun resume = CliRun.of(command("resume"));

      assertThat(list.exitCode()).as(list.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
      assertThat(list.out()).contains(id);
      assertThat(replay.exitCode()).as(replay.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
      assertThat(resume.exitCode()).as(resume.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
      assertThat(resume.err())
          .contains("already in use by another running Flotilla engine")
          .contains("nothing was resumed");
    }
  }

  @Test
  void dbInitAppliesTheSchemaAnyNumberOfTimesAndThenDeployRuns() throws Exception {
    // Proves 'db init' is idempotent and leaves a database an engine starts on.
    LoopbackPostgres postgres = LoopbackPostgres.get();
    durable = postgres.journal(postgres.newEmptyDatabase());
    String url = postgres.urlWithCredentials((DurableJournal.Postgres) durable);

    CliRun first = CliRun.of("db", "init", "--journal-url", url);
    CliRun second = CliRun.of("db", "init", "--journal-url", url);

    assertThat(first.exitCode()).as(first.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(second.exitCode()).as(second.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(second.out()).contains("Journal schema ready").contains("public.event_journal");
    assertThat(first.out() + second.out()).doesNotContain("password=" + postgres.password());
    deploy("after-init", "");
  }

  @Test
  void deployOnADatabaseWithoutTheSchemaExitsTwoSayingWhatToRun() throws Exception {
    // Proves an engine never starts on a database without the journal's tables, and says the fix.
    LoopbackPostgres postgres = LoopbackPostgres.get();
    durable = postgres.journal(postgres.newEmptyDatabase());
    Path plan = Files.writeString(dir.resolve("plan.yaml"), PLAN.formatted("unschemed", ""));

    CliRun run = CliRun.of(command("deploy", plan.toString()));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err())
        .contains(((DurableJournal.Postgres) durable).url())
        .contains("password=***")
        .contains("flotilla db init --journal-url")
        .contains("nothing was started")
        .doesNotContain("password=" + postgres.password());
  }

  @Test
  void anUnreachableJournalUrlExitsTwoWithThePasswordMasked() {
    // Proves a database that cannot be reached is named, its password never shown.
    CliRun run =
        CliRun.of(
            "deployments",
            "--journal-url",
            "jdbc:postgresql://127.0.0.1:1/nowhere?password=s3cret");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err())
        .contains("jdbc:postgresql://127.0.0.1:1/nowhere")
        .contains("cannot reach the database");
    assertThat(run.out() + run.err()).doesNotContain("s3cret");
  }

  /** Deploys through the CLI on this test's journal; returns the deployment's id. */
  private String deploy(String name, String actionExtras, String... options) throws IOException {
    Path plan = Files.writeString(dir.resolve(name + ".yaml"), PLAN.formatted(name, actionExtras));
    List<String> args = new ArrayList<>(List.of(command("deploy", plan.toString())));
    args.addAll(List.of(options));

    CliRun run = CliRun.of(args.toArray(String[]::new));

    assertThat(run.out()).as(run.toString()).contains("Journal: " + durable.describe());
    return run.out()
        .lines()
        .filter(line -> line.startsWith("Id "))
        .findFirst()
        .orElseThrow()
        .substring("Id".length())
        .strip();
  }

  /**
   * Starts each plan on an engine of the test's own, stops the engine once each has finished an
   * execution, and returns their ids: deployments the journal records as unfinished.
   */
  private List<String> leaveUnfinished(String... names) throws Exception {
    Config config = ConfigFactory.load();
    List<String> ids = new ArrayList<>();
    try (Flotilla engine =
        DurableEngine.start(durable, EngineSettings.fromConfig(config), config)) {
      CountDownLatch progressed = new CountDownLatch(names.length);
      for (String name : names) {
        CountDownLatch first = new CountDownLatch(1);
        ids.add(
            engine
                .submit(
                    engine.planLoader().parse(SLOW_PLAN.formatted(name), name + ".yaml", Map.of()),
                    new DeploymentListener() {
                      @Override
                      public void onEvent(DeploymentEvent event) {
                        if (event instanceof DeploymentEvent.ExecutionFinished
                            && first.getCount() > 0) {
                          first.countDown();
                          progressed.countDown();
                        }
                      }
                    })
                .deploymentId());
      }
      assertThat(progressed.await(30, TimeUnit.SECONDS)).isTrue();
    }
    return ids;
  }
}
