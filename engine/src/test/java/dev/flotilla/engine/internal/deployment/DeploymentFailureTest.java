package dev.flotilla.engine.internal.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.testing.ControlledActions;
import dev.flotilla.engine.testing.ControlledActions.Execution;
import dev.flotilla.engine.testing.ThrowingActions;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.Timeline.ExecutionEntry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every submitted deployment ends, and says why: journal failures (Pekko's persistence test kit),
 * actions that throw at each point, actors that stop. Each test proves the handle's result
 * completes and the timeline accounts for every execution; the ones about actions also prove the
 * target's guard was given back.
 */
class DeploymentFailureTest {

  private static final ActionSpec CONTROLLED = new ActionSpec(ControlledActions.NAME, Map.of());
  private static final int MAX_RESTARTS = 2;

  private ControlledActions actions;
  private ThrowingActions throwing;
  private Flotilla engine;
  private PersistenceTestKit journal;

  @BeforeEach
  void startEngine() {
    startEngine(null);
  }

  /** An engine on the test kit's journal, restarting deployments at once and at most twice. */
  private void startEngine(ActionType extra) {
    if (engine != null) {
      engine.close();
    }
    Config config =
        ConfigFactory.parseString(
                """
            pekko.persistence.testkit.events.serialize = off
            flotilla.deployment-restart {
              min-backoff = 10ms
              max-backoff = 50ms
              random-factor = 0
              max-restarts = %d
            }
            """
                    .formatted(MAX_RESTARTS))
            .withFallback(PersistenceTestKitPlugin.getInstance().config())
            .withFallback(ConfigFactory.load());
    actions = new ControlledActions();
    throwing = new ThrowingActions();
    ActionTypes types = ActionTypes.builtIn().with(actions).with(throwing);
    if (extra != null) {
      types = types.with(extra);
    }
    EngineSettings settings =
        EngineSettings.fromConfig(config)
            .withMaxDeployments(1)
            .withActionTypes(types)
            .withJournal(
                new EngineSettings.Journal(
                    PersistenceTestKitPlugin.PluginId(),
                    "pekko.persistence.no-snapshot-store",
                    true,
                    0));
    engine = Flotilla.start(settings, config);
    journal = PersistenceTestKit.create(engine.system());
  }

  @AfterEach
  void stopEngine() {
    engine.close();
  }

  private static List<Target> targets(String... names) {
    return java.util.Arrays.stream(names).map(name -> new Target(name, List.of("web"))).toList();
  }

  private static DeploymentPlan controlled(String name, String... targets) {
    return DeploymentPlan.of(name, targets(targets), List.of(Step.of("Deploy", CONTROLLED, "web")));
  }

  private static DeploymentPlan throwingAt(String point, String... targets) {
    return DeploymentPlan.of("throws-at-" + point, targets(targets), List.of(throwingStep(point)));
  }

  private static Step throwingStep(String point) {
    return Step.of("Deploy", new ActionSpec(ThrowingActions.NAME, Map.of("at", point)), "web")
        .withMaxParallelism(1);
  }

  private static String persistenceId(DeploymentHandle handle) {
    return DeploymentActor.persistenceId(handle.deploymentId()).id();
  }

  /** The result, which must complete, and its timeline, which must account for every execution. */
  private static DeploymentResult ended(DeploymentHandle handle) throws Exception {
    DeploymentResult result = handle.result().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(dev.flotilla.engine.testing.TimelineAccounting.unaccounted(result.timeline()))
        .isEmpty();
    return result;
  }

  /**
   * The guard of {@code target} is free: a deployment on it runs (the engine runs one deployment at
   * a time).
   */
  private void guardIsFree(String target) throws Exception {
    DeploymentHandle next = engine.submit(controlled("after", target));
    actions.next().succeed();
    assertThat(ended(next).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
  }

  private static List<Tuple> attempts(Timeline timeline) {
    return timeline.executions().stream().map(e -> new Tuple(e.attempt(), e.status())).toList();
  }

  // ---- the journal ----

  @Test
  void aJournalWriteThatFailsRestartsTheDeploymentWhichReRunsWhatWasInFlightAndFinishes()
      throws Exception {
    DeploymentHandle handle = engine.submit(controlled("journal-fails-once", "w1"));
    Execution first = actions.next();
    journal.failNextPersisted(persistenceId(handle));
    first.succeed();

    Execution again = actions.next();
    assertThat(again.attempt).isEqualTo(2);
    again.succeed();
    DeploymentResult result = ended(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(attempts(result.timeline()))
        .containsExactly(
            new Tuple(1, ExecutionStatus.INTERRUPTED), new Tuple(2, ExecutionStatus.SUCCEEDED));
  }

  @Test
  void aJournalThatKeepsFailingEndsTheDeploymentFailedWithTheReasonOnceRestartsRunOut()
      throws Exception {
    DeploymentHandle handle = engine.submit(controlled("journal-keeps-failing", "w1"));
    Execution first = actions.next();
    journal.failNextNPersisted(persistenceId(handle), MAX_RESTARTS + 1);
    first.succeed();

    DeploymentResult result = ended(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(result.timeline().executions())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.status()).isEqualTo(ExecutionStatus.FAILED);
              assertThat(e.message()).startsWith("the deployment's actor failed: ");
            });
    guardIsFree("w1");
  }

  @Test
  void aRejectedJournalWriteEndsTheDeploymentFailedWithTheReason() throws Exception {
    DeploymentHandle handle = engine.submit(controlled("journal-rejects", "w1", "w2"));
    List<Execution> running = actions.next(2);
    journal.rejectNextPersisted(persistenceId(handle));
    running.get(0).succeed();

    DeploymentResult result = ended(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(result.timeline().executions())
        .hasSize(2)
        .allSatisfy(
            e -> {
              assertThat(e.status()).isEqualTo(ExecutionStatus.FAILED);
              assertThat(e.message()).startsWith("the deployment's actor failed: ");
            });
    guardIsFree("w1");
  }

  @Test
  void aDeploymentWhoseAcceptanceIsRejectedEndsFailedWithEveryStepSkipped() throws Exception {
    RecordingHandleListener listener = new RecordingHandleListener();
    journal.rejectNextPersisted();
    DeploymentHandle handle = engine.submit(controlled("accept-rejected", "w1"), listener);

    DeploymentResult result = ended(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(result.timeline().steps())
        .singleElement()
        .satisfies(
            step -> {
              assertThat(step.status()).isEqualTo(StepStatus.SKIPPED);
              assertThat(step.skipReason())
                  .startsWith("deployment aborted: the deployment's actor failed: ");
            });
    assertThat(listener.aborted.get()).isEqualTo(1);
    guardIsFree("w1");
  }

  @Test
  void anAcceptanceLostToAJournalFailureIsRecordedAgainAndTheDeploymentRuns() throws Exception {
    journal.failNextPersisted();
    DeploymentHandle handle = engine.submit(controlled("accept-fails-once", "w1"));
    actions.next().succeed();
    assertThat(ended(handle).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
  }

  @Test
  void aCancelLostToAJournalFailureIsCarriedOutAfterTheRestart() throws Exception {
    DeploymentHandle handle = engine.submit(controlled("cancel-fails-once", "w1"));
    Execution running = actions.next();
    journal.failNextPersisted(persistenceId(handle));
    handle.cancel("operator said stop");

    running.awaitCancelled();
    DeploymentResult result = ended(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.CANCELLED);
    assertThat(result.timeline().executions())
        .singleElement()
        .satisfies(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.CANCELLED));
    actions.expectNoStart(Duration.ofMillis(100));
  }

  // ---- actions that throw ----

  private void assertFailedWith(DeploymentHandle handle, String message) throws Exception {
    DeploymentResult result = ended(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(result.timeline().executions())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.status()).isEqualTo(ExecutionStatus.FAILED);
              assertThat(e.message()).contains(message);
            });
    assertThat(result.timeline().steps().get(0).targetsNotStarted()).isEqualTo(1);
  }

  @Test
  void anActionWhoseStartThrowsFailsItsExecutionAndGivesTheGuardBack() throws Exception {
    assertFailedWith(engine.submit(throwingAt("start", "w1", "w2")), "boom at start");
    guardIsFree("w1");
  }

  @Test
  void anActionWhoseResultThrowsFailsItsExecutionAndGivesTheGuardBack() throws Exception {
    assertFailedWith(engine.submit(throwingAt("result", "w1", "w2")), "boom in result");
    guardIsFree("w1");
  }

  @Test
  void anActionWhoseFutureFailsFailsItsExecutionAndGivesTheGuardBack() throws Exception {
    assertFailedWith(engine.submit(throwingAt("future", "w1", "w2")), "boom in future");
    guardIsFree("w1");
  }

  @Test
  void anActionWhoseCancelThrowsOnTimeoutFailsItsExecutionAndGivesTheGuardBack() throws Exception {
    DeploymentPlan plan =
        DeploymentPlan.of(
            "times-out",
            targets("w1", "w2"),
            List.of(throwingStep("cancel").withTimeout(Duration.ofMillis(50))));
    assertFailedWith(engine.submit(plan), "boom in cancel");
    guardIsFree("w1");
  }

  @Test
  void anActionWhoseCancelThrowsWhenTheDeploymentIsCancelledStillEndsItCancelled()
      throws Exception {
    DeploymentHandle handle = engine.submit(throwingAt("cancel", "w1"));
    throwing.awaitStart();
    handle.cancel("operator said stop");

    DeploymentResult result = ended(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.CANCELLED);
    assertThat(result.timeline().executions())
        .singleElement()
        .satisfies(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.CANCELLED));
    guardIsFree("w1");
  }

  @Test
  void anExecutionWhosePerTargetActorDiesEndsFailedAndItsStepEnds() throws Exception {
    DeploymentResult result = ended(engine.submit(throwingAt("error", "w1", "w2")));
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(result.timeline().executions())
        .extracting(ExecutionEntry::status, ExecutionEntry::message)
        .containsOnly(new Tuple(ExecutionStatus.FAILED, DeploymentDecider.ORPHANED));
    guardIsFree("w1");
    guardIsFree("w2");
  }

  // ---- the deployment's actor ----

  @Test
  void aDeploymentWhoseActorThrowsEndsFailedWithTheReason() throws Exception {
    DeploymentHandle handle =
        engine.submit(
            controlled("listener-throws", "w1", "w2"),
            new DeploymentListener() {
              private final AtomicBoolean thrown = new AtomicBoolean();

              @Override
              public void onEvent(DeploymentEvent event) {
                if (event instanceof DeploymentEvent.ExecutionStarted
                    && thrown.compareAndSet(false, true)) {
                  throw new AssertionError("a listener broke the deployment's actor");
                }
              }
            });

    DeploymentResult result = ended(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(result.timeline().executions())
        .isNotEmpty()
        .allSatisfy(
            e ->
                assertThat(e.message())
                    .isEqualTo(
                        "the deployment's actor failed: a listener broke the deployment's actor"));
    guardIsFree("w1");
  }

  @Test
  void aPlanWhoseActionCanNoLongerBeConfiguredEndsFailedSayingWhy() throws Exception {
    AtomicInteger configured = new AtomicInteger();
    ActionType fickle =
        new ActionType() {
          @Override
          public String name() {
            return "fickle";
          }

          @Override
          public Action configure(Map<String, Object> parameters) {
            // Checked when the plan is submitted, unavailable when it runs.
            if (configured.incrementAndGet() > 1) {
              throw new IllegalStateException("the credentials store is unreachable");
            }
            return context ->
                dev.flotilla.engine.action.RunningAction.completed(
                    dev.flotilla.engine.action.ActionResult.success());
          }
        };
    startEngine(fickle);
    DeploymentHandle handle =
        engine.submit(
            DeploymentPlan.of(
                "fickle",
                targets("w1"),
                List.of(Step.of("Deploy", new ActionSpec("fickle", Map.of()), "web"))));

    DeploymentResult result = ended(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(result.timeline().steps())
        .singleElement()
        .satisfies(
            step ->
                assertThat(step.skipReason())
                    .isEqualTo(
                        "cannot run on this engine: step \"Deploy\": the credentials store is unreachable"));
  }

  /** Counts the aborts it hears. */
  private static final class RecordingHandleListener implements DeploymentListener {
    final AtomicInteger aborted = new AtomicInteger();

    @Override
    public void onEvent(DeploymentEvent event) {
      if (event instanceof DeploymentEvent.DeploymentAborted) {
        aborted.incrementAndGet();
      }
    }
  }
}
