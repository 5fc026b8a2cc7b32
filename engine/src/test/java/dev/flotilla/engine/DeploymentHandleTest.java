package dev.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
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
import dev.flotilla.engine.testing.RecordingListener;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.Timeline.ExecutionEntry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a caller gets from a submitted deployment's handle, from submit to result. */
class DeploymentHandleTest {

  private static final ActionSpec CONTROLLED = new ActionSpec(ControlledActions.NAME, Map.of());

  private ControlledActions actions;
  private Flotilla engine;

  @BeforeEach
  void startEngine() {
    actions = new ControlledActions();
    engine =
        Flotilla.start(
            EngineSettings.fromConfig(ConfigFactory.load())
                .withMaxDeployments(1)
                .withGuardIdleTimeout(Duration.ZERO)
                .withActionTypes(ActionTypes.builtIn().with(actions)));
  }

  @AfterEach
  void stopEngine() {
    engine.close();
  }

  private static DeploymentPlan plan(String name, String... hosts) {
    List<Target> targets =
        java.util.Arrays.stream(hosts).map(host -> new Target(host, List.of("web"))).toList();
    return DeploymentPlan.of(name, targets, List.of(Step.of("Deploy", CONTROLLED, "web")));
  }

  private static DeploymentResult await(DeploymentHandle handle) throws Exception {
    return handle.result().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void aSnapshotIsThereFromSubmitOnAndShowsAQueuedDeploymentAsQueued() throws Exception {
    DeploymentHandle running = engine.submit(plan("first", "a"));
    Execution first = actions.next();
    DeploymentHandle queued = engine.submit(plan("second", "b"));

    Timeline waiting = queued.snapshot();
    assertThat(waiting.deploymentId()).isEqualTo(queued.deploymentId());
    assertThat(waiting.status()).isEqualTo(DeploymentStatus.QUEUED);
    assertThat(waiting.steps())
        .extracting(Timeline.StepEntry::status)
        .containsExactly(StepStatus.PENDING);
    assertThat(waiting.executions()).isEmpty();

    first.succeed();
    actions.next().succeed();
    assertThat(await(running).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(await(queued).timeline()).isEqualTo(queued.snapshot());
  }

  @Test
  void resultCallbacksRunOnTheEnginesResultThreadNeverOnAnActorDispatcher() throws Exception {
    AtomicReference<String> listenerThread = new AtomicReference<>();
    DeploymentHandle handle =
        engine.submit(
            plan("callbacks", "a"),
            new DeploymentListener() {
              @Override
              public void onEvent(DeploymentEvent event) {
                listenerThread.set(Thread.currentThread().getName());
              }
            });
    Execution execution = actions.next();
    CompletableFuture<String> callbackThread =
        handle.result().thenApply(result -> Thread.currentThread().getName()).toCompletableFuture();
    assertThat(callbackThread).isNotDone();

    execution.succeed();

    String thread = callbackThread.get(20, TimeUnit.SECONDS);
    assertThat(listenerThread.get())
        .as("the listener, by contract, hears events on the engine's dispatcher")
        .contains("dispatcher");
    assertThat(thread).startsWith("flotilla-result-").doesNotContain("dispatcher");
  }

  @Test
  void resumingADeploymentUnderAnIdTheEngineRunsIsRefusedAndTheRunningOneCarriesOn()
      throws Exception {
    DeploymentPlan plan = plan("taken", "a");
    DeploymentHandle running = engine.submit(plan);
    Execution execution = actions.next();
    List<DeploymentEvent> history =
        List.of(new DeploymentAccepted(running.deploymentId(), plan, 0L));

    assertThatThrownBy(
            () -> engine.resume(running.deploymentId(), history, DeploymentListener.NONE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(running.deploymentId())
        .hasMessageContaining("in use");

    execution.succeed();
    assertThat(await(running).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    actions.expectNoStart(Duration.ofMillis(100));
  }

  @Test
  void aSubmitUnderAnIdInUseIsRefusedWithAnErrorAndRunsNothing() throws Exception {
    try (Flotilla sameIds = Flotilla.start(engine.settings(), () -> "always-the-same")) {
      DeploymentHandle first = sameIds.submit(plan("first", "a"));
      Execution execution = actions.next();

      assertThatThrownBy(() -> sameIds.submit(plan("second", "b")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("always-the-same")
          .hasMessageContaining("in use");

      execution.succeed();
      assertThat(await(first).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      actions.expectNoStart(Duration.ofMillis(100));
    }
  }

  @Test
  void eachSubmittedDeploymentGetsAnIdThatSortsAfterTheLastOne() throws Exception {
    DeploymentHandle first = engine.submit(plan("one", "a"));
    DeploymentHandle second = engine.submit(plan("two", "a"));

    assertThat(first.deploymentId()).isLessThan(second.deploymentId());
    actions.next().succeed();
    actions.next().succeed();
    assertThat(await(first).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(await(second).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
  }

  @Test
  void anExecutionWaitingForAGuardShowsInTheLiveTimelineAsWaitingAndNotInTheFinalOne()
      throws Exception {
    Flotilla twoAtOnce = Flotilla.start(engine.settings().withMaxDeployments(2));
    try {
      DeploymentHandle holder = twoAtOnce.submit(plan("holder", "shared-host"));
      Execution held = actions.next();
      RecordingListener listener = new RecordingListener();
      DeploymentHandle waiter = twoAtOnce.submit(plan("waiter", "shared-host"), listener);

      ExecutionEntry waiting = waitingEntry(waiter, listener);
      assertThat(waiting.target()).isEqualTo("shared-host");
      assertThat(waiting.endMs()).isNull();
      assertThat(waiting.waitingSinceMs()).isNotNull().isEqualTo(waiting.startMs());
      assertThat(waiting.waitingFor()).contains(holder.deploymentId()).contains("Deploy");
      assertThat(DeploymentResult.summarize(waiter.snapshot()))
          .singleElement()
          .satisfies(
              step -> {
                assertThat(step.running()).isEqualTo(1);
                assertThat(step.skipped()).isZero();
              });

      held.succeed();
      actions.next().succeed();
      Timeline finished = await(waiter).timeline();
      assertThat(finished.executions())
          .singleElement()
          .satisfies(
              entry -> {
                assertThat(entry.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
                assertThat(entry.waitingSinceMs()).isEqualTo(waiting.waitingSinceMs());
                assertThat(entry.waitingFor()).isEqualTo(waiting.waitingFor());
              });
      assertThat(await(holder).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    } finally {
      twoAtOnce.close();
    }
  }

  @Test
  void anExecutionStillWaitingWhenItsDeploymentIsCancelledLeavesTheTimeline() throws Exception {
    Flotilla twoAtOnce = Flotilla.start(engine.settings().withMaxDeployments(2));
    try {
      DeploymentHandle holder = twoAtOnce.submit(plan("holder", "shared-host"));
      Execution held = actions.next();
      RecordingListener listener = new RecordingListener();
      DeploymentHandle waiter = twoAtOnce.submit(plan("waiter", "shared-host"), listener);
      waitingEntry(waiter, listener);

      waiter.cancel("not today");

      DeploymentResult result = await(waiter);
      assertThat(result.status()).isEqualTo(DeploymentStatus.CANCELLED);
      assertThat(result.timeline().executions())
          .noneMatch(entry -> entry.status() == ExecutionStatus.WAITING);
      held.succeed();
      assertThat(await(holder).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    } finally {
      twoAtOnce.close();
    }
  }

  @Test
  void deploymentsBackToBackOnTheSameTargetsRunWhenIdleGuardsStopAtOnce() throws Exception {
    for (int round = 0; round < 5; round++) {
      DeploymentHandle handle = engine.submit(plan("round-" + round, "a", "b"));
      actions.next(2).forEach(Execution::succeed);
      assertThat(await(handle).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    }
  }

  /**
   * The waiting entry of the handle's snapshot, once its listener heard that an execution waits.
   */
  private static ExecutionEntry waitingEntry(DeploymentHandle handle, RecordingListener listener)
      throws InterruptedException {
    listener.await(DeploymentEvent.ExecutionWaiting.class, event -> true);
    // The handle records each event before its listener hears it.
    return handle.snapshot().executions().stream()
        .filter(entry -> entry.status() == ExecutionStatus.WAITING)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no waiting execution in " + handle.snapshot()));
  }
}
