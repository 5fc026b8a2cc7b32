package dev.flotilla.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineJson;
import dev.flotilla.persistence.testing.LoopbackPostgres;
import dev.flotilla.persistence.testing.TestJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Deployments on a durable journal, LevelDB and PostgreSQL alike: replay, resume after the engine
 * stops, one writing engine per journal. The tests of one journal's own failures follow at the end.
 */
class DurableDeploymentTest {

  @TempDir Path journal;

  private static DeploymentPlan plan(String yaml) throws Exception {
    return new PlanLoader(EngineSettings.fromConfig(ConfigFactory.load()).actionTypes())
        .parse(yaml, "test.yaml", Map.of());
  }

  private static Flotilla start(Path dir) throws JournalUnavailableException {
    return start(dir, ConfigFactory.load());
  }

  private static Flotilla start(Path dir, Config config) throws JournalUnavailableException {
    return DurableEngine.start(dir, EngineSettings.fromConfig(config), config);
  }

  private static Flotilla start(DurableJournal journal) throws JournalUnavailableException {
    return start(journal, ConfigFactory.load());
  }

  private static Flotilla start(DurableJournal journal, Config config)
      throws JournalUnavailableException {
    return DurableEngine.start(journal, EngineSettings.fromConfig(config), config);
  }

  private static DeploymentResult await(DeploymentHandle handle) throws Exception {
    return handle.result().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /**
   * Submits {@code plan} and returns its id once {@code count} events of {@code type} are recorded;
   * the caller then stops the engine there, as a crash would.
   */
  private static String runUntil(
      Flotilla engine, DeploymentPlan plan, Class<? extends DeploymentEvent> type, int count)
      throws Exception {
    CountDownLatch seen = new CountDownLatch(count);
    DeploymentHandle handle =
        engine.submit(
            plan,
            new DeploymentListener() {
              @Override
              public void onEvent(DeploymentEvent event) {
                if (type.isInstance(event)) {
                  seen.countDown();
                }
              }
            });
    assertThat(seen.await(30, TimeUnit.SECONDS))
        .as("%d %s events", count, type.getSimpleName())
        .isTrue();
    return handle.deploymentId();
  }

  /** Resumes the journal's one unfinished deployment on {@code engine} and waits for its result. */
  private static DeploymentResult resumeTheUnfinished(Flotilla engine, String expectedId)
      throws Exception {
    List<DeploymentHandle> resumed =
        Resumption.resumeUnfinished(
            engine, new DeploymentHistory(engine.system()), ignored -> DeploymentListener.NONE);
    assertThat(resumed).extracting(DeploymentHandle::deploymentId).containsExactly(expectedId);
    return await(resumed.get(0));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void replayRebuildsTheTimelineTheLiveRunProduced(TestJournal kind) throws Exception {
    DurableJournal durable = kind.create(journal);
    DeploymentPlan plan =
        plan(
            """
        name: replayed
        targets: [{ name: "web-{1..6}", roles: [web] }, { name: db, roles: [db] }]
        steps:
          - { name: Migrate, roles: [db], action: { type: simulate, duration: 5ms } }
          - { name: Deploy, roles: [web], startTrigger: withPrevious, maxParallelism: 2, retries: 1,
              action: { type: simulate, duration: 2ms, failOn: [web-3] } }
          - name: Roll
            roles: [web]
            condition: always
            rolling: { windowSize: 2 }
            children:
              - { name: Drain, action: { type: simulate, duration: 1ms } }
              - { name: Restart, action: { type: simulate, duration: 1ms } }
          - { name: Skipped, roles: [db], action: { type: simulate } }
        """);
    String live;
    String id;
    try (Flotilla engine = start(durable)) {
      DeploymentHandle handle = engine.submit(plan);
      DeploymentResult result = await(handle);
      assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
      live = TimelineJson.toJson(result.timeline());
      id = handle.deploymentId();
    }
    try (Flotilla engine = start(durable)) {
      DeploymentHistory history = new DeploymentHistory(engine.system());
      Timeline replayed = history.replay(id).orElseThrow();
      assertThat(TimelineJson.toJson(replayed)).isEqualTo(live);
      assertThat(history.list())
          .singleElement()
          .satisfies(
              summary -> {
                assertThat(summary.id()).isEqualTo(id);
                assertThat(summary.name()).isEqualTo("replayed");
                assertThat(summary.status()).isEqualTo(DeploymentStatus.FAILED);
              });
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void aSummaryReadFromTheEndsOfTheEventsMatchesOneFromAllOfThem(TestJournal kind)
      throws Exception {
    DurableJournal durable = kind.create(journal);
    // 300 targets: over 600 events in more journal entries than a summary reads from the head.
    DeploymentPlan longPlan =
        plan(
            """
        name: long
        targets: [{ name: "node-{1..300}", roles: [node] }]
        steps:
          - { name: Patch, roles: [node], action: { type: simulate, duration: 0ms } }
        """);
    DeploymentPlan slowPlan =
        plan(
            """
        name: unfinished
        targets: [{ name: "node-{1..300}", roles: [node] }]
        steps:
          - { name: Patch, roles: [node], maxParallelism: 2, action: { type: simulate, duration: 100ms } }
        """);
    String finished;
    String unfinished;
    try (Flotilla engine = start(durable)) {
      DeploymentHandle handle = engine.submit(longPlan);
      assertThat(await(handle).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      finished = handle.deploymentId();
      unfinished = runUntil(engine, slowPlan, DeploymentEvent.ExecutionStarted.class, 3);
    }
    try (Flotilla engine = start(durable)) {
      DeploymentHistory history = new DeploymentHistory(engine.system());
      for (String id : List.of(finished, unfinished)) {
        List<DeploymentEvent> all = history.events(id);
        assertThat(history.summary(id)).isEqualTo(DeploymentHistory.summarize(id, all, all.size()));
      }
      assertThat(history.events(finished)).hasSizeGreaterThan(600);
      assertThat(history.summary(finished).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      assertThat(history.summary(unfinished).status()).isEqualTo(DeploymentStatus.RUNNING);
      assertThat(Resumption.unfinished(history))
          .extracting(Resumption.Unfinished::deploymentId)
          .containsExactly(unfinished);
    }
  }

  @Test
  void aJournalWrittenBeforeBatchesReadsTheSame() throws Exception {
    // Written by the engine as it was before events were recorded in batches: one event per entry.
    Path fixture = Path.of(getClass().getResource("/journals/pre-batch/journal").toURI());
    Files.createDirectories(journal.resolve("journal"));
    try (Stream<Path> files = Files.list(fixture)) {
      for (Path file : files.toList()) {
        Files.copy(file, journal.resolve("journal").resolve(file.getFileName().toString()));
      }
    }
    try (Flotilla engine = start(journal)) {
      DeploymentHistory history = new DeploymentHistory(engine.system());
      List<DeploymentEvent> events = history.events("20261126T131437-ed906b");
      assertThat(events).hasSizeGreaterThan(20);
      DeploymentHistory.Summary summary = history.summary("20261126T131437-ed906b");
      assertThat(summary.name()).isEqualTo("pre-batch");
      assertThat(summary.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      assertThat(summary.events()).isEqualTo(events.size());
      Timeline timeline = history.replay("20261126T131437-ed906b").orElseThrow();
      assertThat(timeline.executions())
          .hasSize(8)
          .allSatisfy(
              execution -> assertThat(execution.status()).isEqualTo(ExecutionStatus.SUCCEEDED));
      assertThat(Resumption.unfinished(history)).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void aStoppedEngineResumesWithoutRerunningFinishedExecutions(TestJournal kind) throws Exception {
    DurableJournal durable = kind.create(journal);
    DeploymentPlan plan =
        plan(
            """
        name: resumed
        targets: [{ name: "web-{1..8}", roles: [web] }]
        steps:
          - { name: Deploy, roles: [web], maxParallelism: 2, action: { type: simulate, duration: 150ms } }
          - { name: Verify, roles: [web], action: { type: simulate, duration: 1ms } }
        """);
    String id;
    // The fifth start is recorded only after at least three executions finished (cap 2), and its
    // 150 ms action is still running when the engine stops right after: both cases are in the
    // journal.
    try (Flotilla engine = start(durable)) {
      id = runUntil(engine, plan, DeploymentEvent.ExecutionStarted.class, 5);
    }
    try (Flotilla engine = start(durable)) {
      DeploymentHistory history = new DeploymentHistory(engine.system());
      DeploymentResult result = resumeTheUnfinished(engine, id);
      assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);

      List<Timeline.ExecutionEntry> executions = result.timeline().executions();
      Map<String, List<Timeline.ExecutionEntry>> deployByTarget =
          executions.stream()
              .filter(e -> e.step().equals("Deploy"))
              .collect(Collectors.groupingBy(Timeline.ExecutionEntry::target));
      assertThat(deployByTarget).hasSize(8);
      for (List<Timeline.ExecutionEntry> attempts : deployByTarget.values()) {
        // Exactly one successful attempt per target; anything before it was interrupted by the
        // stop.
        assertThat(attempts).filteredOn(e -> e.status() == ExecutionStatus.SUCCEEDED).hasSize(1);
        assertThat(attempts)
            .allSatisfy(
                e ->
                    assertThat(e.status())
                        .isIn(ExecutionStatus.SUCCEEDED, ExecutionStatus.INTERRUPTED));
        assertThat(attempts.get(attempts.size() - 1).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
      }
      assertThat(executions)
          .filteredOn(e -> e.status() == ExecutionStatus.INTERRUPTED)
          .isNotEmpty()
          .allSatisfy(e -> assertThat(e.endMs()).isNull());
      assertThat(history.replay(id).map(TimelineJson::toJson))
          .contains(TimelineJson.toJson(result.timeline()));
    }
  }

  @Test
  void aPendingInterventionSurvivesAStopAndIsAnsweredAfterTheResume() throws Exception {
    // Proves a guided failure's intervention and a manual step's are not lost with the process:
    // after the resume the same interventions wait (same numbers, raised once), nothing failed
    // runs again, and the answers given then decide the deployment.
    DeploymentPlan plan =
        plan(
            """
        name: guided
        guidedFailure: true
        targets: [{ name: "web-{1..2}", roles: [web] }]
        steps:
          - { name: Approve, action: { type: manual, instructions: "Check the change" } }
          - { name: Deploy, roles: [web], startTrigger: withPrevious,
              action: { type: simulate, duration: 1ms, failOn: [web-2] } }
          - { name: Verify, roles: [web], action: { type: simulate, duration: 1ms } }
        """);
    String id;
    try (Flotilla engine = start(journal)) {
      id = runUntil(engine, plan, DeploymentEvent.InterventionRaised.class, 2);
    }
    try (Flotilla engine = start(journal)) {
      List<DeploymentHandle> resumed =
          Resumption.resumeUnfinished(
              engine, new DeploymentHistory(engine.system()), ignored -> DeploymentListener.NONE);
      assertThat(resumed).extracting(DeploymentHandle::deploymentId).containsExactly(id);
      DeploymentHandle handle = resumed.get(0);
      assertThat(handle.interventions())
          .extracting(Timeline.InterventionEntry::step)
          .containsExactlyInAnyOrder("Approve", "Deploy");
      for (Timeline.InterventionEntry pending : handle.interventions()) {
        InterventionDecision decision =
            pending.manual() ? InterventionDecision.PROCEED : InterventionDecision.IGNORE;
        assertThat(
                handle
                    .answer(pending.number(), decision, "alice", null)
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS)
                    .accepted())
            .as("answer %s to %s", decision, pending)
            .isTrue();
      }

      DeploymentResult result = await(handle);
      assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      assertThat(result.timeline().interventions()).hasSize(2);
      assertThat(result.timeline().executions())
          .filteredOn(e -> !e.step().equals("Verify"))
          .extracting(
              Timeline.ExecutionEntry::step,
              Timeline.ExecutionEntry::target,
              Timeline.ExecutionEntry::status)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("Approve", null, ExecutionStatus.SUCCEEDED),
              org.assertj.core.groups.Tuple.tuple("Deploy", "web-1", ExecutionStatus.SUCCEEDED),
              org.assertj.core.groups.Tuple.tuple("Deploy", "web-2", ExecutionStatus.IGNORED));
      assertThat(new DeploymentHistory(engine.system()).replay(id).map(TimelineJson::toJson))
          .contains(TimelineJson.toJson(result.timeline()));
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void interruptedExecutionsCountAsFailedWhenThePlanSaysSo(TestJournal kind) throws Exception {
    DurableJournal durable = kind.create(journal);
    DeploymentPlan plan =
        plan(
            """
        name: strict
        onInterrupted: fail
        targets: [{ name: "web-{1..4}", roles: [web] }]
        steps:
          - { name: Deploy, roles: [web], maxParallelism: 1, action: { type: simulate, duration: 200ms } }
        """);
    String id;
    try (Flotilla engine = start(durable)) {
      id = runUntil(engine, plan, DeploymentEvent.ExecutionStarted.class, 1);
    }
    try (Flotilla engine = start(durable)) {
      DeploymentResult result = resumeTheUnfinished(engine, id);
      assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
      assertThat(result.timeline().executions())
          .first()
          .satisfies(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.INTERRUPTED));
      assertThat(result.steps().get(0).failed()).isEqualTo(1);
      assertThat(result.steps().get(0).skipped()).isEqualTo(3);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void aSecondEngineOnTheSameJournalIsRefusedAtOnce(TestJournal kind) throws Exception {
    DurableJournal durable = kind.create(journal);
    try (Flotilla first = start(durable)) {
      first
          .submit(
              plan(
                  """
          name: holds-the-journal
          steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
          """))
          .result()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      assertThatThrownBy(() -> start(durable))
          .isInstanceOf(JournalUnavailableException.class)
          .hasMessageContaining(durable.describe())
          .hasMessageContaining("already in use");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void anEngineHoldsItsJournalFromTheMomentItStarts(TestJournal kind) throws Exception {
    DurableJournal durable = kind.create(journal);
    // Proves the lock is taken at start, not at the first deployment: an idle engine still refuses
    // a second one.
    try (Flotilla idle = start(durable)) {
      assertThatThrownBy(() -> start(durable))
          .isInstanceOf(JournalUnavailableException.class)
          .hasMessageContaining("already in use");
    }
  }

  @Test
  void onlyADirectoryAnEngineUsedHoldsAJournal() throws Exception {
    // Proves read-only tools can tell a missing journal from an empty one without creating it.
    Path missing = journal.resolve("missing");
    assertThat(DurableEngine.holdsJournal(missing)).isFalse();
    assertThat(missing).doesNotExist();
    try (Flotilla engine = start(missing)) {
      assertThat(DurableEngine.holdsJournal(missing)).isTrue();
    }
  }

  @Test
  void aDamagedJournalIsReportedWithItsPath() throws Exception {
    try (Flotilla engine = start(journal)) {
      await(
          engine.submit(
              plan(
                  """
          name: soon-damaged
          steps: [{ name: S, runOnServer: true, action: { type: simulate } }]
          """)));
    }
    try (Stream<Path> files = Files.list(journal.resolve("journal"))) {
      for (Path file :
          files.filter(f -> f.getFileName().toString().startsWith("MANIFEST")).toList()) {
        Files.writeString(file, "this is not a LevelDB manifest");
      }
    }
    assertThatThrownBy(() -> start(journal))
        .isInstanceOf(JournalUnavailableException.class)
        .hasMessageContaining(journal.toAbsolutePath().toString())
        .hasMessageContaining("damaged");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void recoveryStartsFromASnapshotAndTheEventsAfterIt(TestJournal kind) throws Exception {
    DurableJournal durable = kind.create(journal);
    Config config =
        ConfigFactory.parseString("flotilla.journal.snapshot-every = 10")
            .withFallback(ConfigFactory.load());
    DeploymentPlan plan =
        plan(
            """
        name: snapshotted
        targets: [{ name: "web-{01..30}", roles: [web] }]
        steps:
          - { name: Deploy, roles: [web], maxParallelism: 1, action: { type: simulate, duration: 20ms } }
        """);
    String id;
    try (Flotilla engine = start(durable, config)) {
      id = runUntil(engine, plan, DeploymentEvent.ExecutionFinished.class, 12);
    }
    if (durable instanceof DurableJournal.Postgres postgres) {
      assertThat(LoopbackPostgres.get().count(postgres, "SELECT count(*) FROM snapshot"))
          .isPositive();
    } else {
      try (Stream<Path> snapshots = Files.list(journal.resolve("snapshots"))) {
        assertThat(snapshots.filter(f -> f.getFileName().toString().startsWith("snapshot-")))
            .isNotEmpty();
      }
    }
    try (Flotilla engine = start(durable, config)) {
      DeploymentResult result = resumeTheUnfinished(engine, id);
      assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      assertThat(result.timeline().executions())
          .filteredOn(e -> e.status() == ExecutionStatus.SUCCEEDED)
          .extracting(Timeline.ExecutionEntry::target)
          .doesNotHaveDuplicates()
          .hasSize(30);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void aResumedDeploymentWhoseActionTypeThisEngineLacksEndsFailedSayingWhy(TestJournal kind)
      throws Exception {
    DurableJournal durable = kind.create(journal);
    // An action type only the first engine knows: it never ends, so the deployment is unfinished.
    dev.flotilla.engine.action.ActionType hang =
        new dev.flotilla.engine.action.ActionType() {
          @Override
          public String name() {
            return "hang";
          }

          @Override
          public dev.flotilla.engine.action.Action configure(Map<String, Object> parameters) {
            return context ->
                dev.flotilla.engine.action.RunningAction.of(
                    new java.util.concurrent.CompletableFuture<>(), () -> {});
          }
        };
    Config config = ConfigFactory.load();
    EngineSettings withHang = EngineSettings.fromConfig(config).withActionType(hang);
    DeploymentPlan plan =
        new PlanLoader(withHang.actionTypes())
            .parse(
                """
        name: orphaned
        targets: [{ name: "web-{1..2}", roles: [web] }]
        steps:
          - { name: Hang, roles: [web], maxParallelism: 1, action: { type: hang } }
          - { name: After, roles: [web], action: { type: simulate } }
        """,
                "orphaned.yaml",
                Map.of());
    String id;
    try (Flotilla engine = DurableEngine.start(durable, withHang, config)) {
      id = runUntil(engine, plan, DeploymentEvent.ExecutionStarted.class, 1);
    }
    try (Flotilla engine = start(durable)) {
      DeploymentResult result = resumeTheUnfinished(engine, id);
      assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
      assertThat(result.timeline().executions())
          .singleElement()
          .satisfies(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.INTERRUPTED));
      assertThat(result.timeline().steps().get(1).status())
          .isEqualTo(dev.flotilla.engine.deployment.StepStatus.SKIPPED);
      assertThat(result.timeline().steps().get(1).skipReason()).contains("hang");
    }
  }
}
