package dev.flotilla.engine.internal.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.RunCondition;
import dev.flotilla.engine.model.StartTrigger;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.model.TargetIsolation;
import dev.flotilla.engine.testing.ControlledActions;
import dev.flotilla.engine.testing.ControlledActions.Execution;
import dev.flotilla.engine.testing.RecordingListener;
import dev.flotilla.engine.timeline.Timeline;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The orchestration rules of semantics.md, one per test, driven through the embedding API. */
class DeploymentBehaviourTest {

  private static final ActionSpec CONTROLLED = new ActionSpec(ControlledActions.NAME, Map.of());
  private static final Duration QUIET = Duration.ofMillis(150);

  private ControlledActions actions;
  private Flotilla engine;

  @BeforeEach
  void startEngine() {
    startEngine(5);
  }

  private void startEngine(int maxDeployments) {
    if (engine != null) {
      engine.close();
    }
    actions = new ControlledActions();
    EngineSettings settings =
        EngineSettings.fromConfig(ConfigFactory.load())
            .withMaxDeployments(maxDeployments)
            .withActionTypes(ActionTypes.builtIn().with(actions));
    engine = Flotilla.start(settings);
  }

  @AfterEach
  void stopEngine() {
    engine.close();
  }

  private static List<Target> targets(String role, String... names) {
    return java.util.Arrays.stream(names).map(name -> new Target(name, List.of(role))).toList();
  }

  private static Step step(String name, String... roles) {
    return Step.of(name, CONTROLLED, roles);
  }

  private static DeploymentResult await(DeploymentHandle handle) throws Exception {
    return handle.result().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void blocksAreBarriersAndWithPreviousJoinsABlock() throws Exception {
    DeploymentPlan plan =
        DeploymentPlan.of(
            "barriers",
            List.of(new Target("a", List.of("a")), new Target("b", List.of("b"))),
            List.of(
                step("A", "a"),
                step("B", "b").withStartTrigger(StartTrigger.WITH_PREVIOUS),
                step("C", "a")));
    DeploymentHandle handle = engine.submit(plan);

    List<Execution> block0 = actions.next(2);
    assertThat(block0).extracting(e -> e.step).containsExactlyInAnyOrder("A", "B");
    block0.stream().filter(e -> e.step.equals("A")).findFirst().orElseThrow().succeed();
    actions.expectNoStart(QUIET);
    block0.stream().filter(e -> e.step.equals("B")).findFirst().orElseThrow().succeed();
    Execution c = actions.next();
    assertThat(c.step).isEqualTo("C");
    c.succeed();

    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(result.timeline().steps())
        .extracting(Timeline.StepEntry::block)
        .containsExactly(0, 0, 1);
  }

  @Test
  void stepCapBoundsTargetsRunningAtOnce() throws Exception {
    DeploymentPlan plan =
        DeploymentPlan.of(
            "cap",
            targets("web", "w1", "w2", "w3", "w4", "w5"),
            List.of(step("Deploy", "web").withMaxParallelism(2)));
    DeploymentHandle handle = engine.submit(plan);

    List<Execution> first = actions.next(2);
    actions.expectNoStart(QUIET);
    first.get(0).succeed();
    Execution third = actions.next();
    actions.expectNoStart(QUIET);
    first.get(1).succeed();
    third.succeed();
    actions.next(2).forEach(Execution::succeed);

    assertThat(await(handle).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
  }

  @Test
  void deploymentCapBoundsStepsRunningAtOnceInABlock() throws Exception {
    DeploymentPlan plan =
        DeploymentPlan.of(
                "steps",
                List.of(
                    new Target("a", List.of("a")),
                    new Target("b", List.of("b")),
                    new Target("c", List.of("c"))),
                List.of(
                    step("A", "a"),
                    step("B", "b").withStartTrigger(StartTrigger.WITH_PREVIOUS),
                    step("C", "c").withStartTrigger(StartTrigger.WITH_PREVIOUS)))
            .withMaxParallelism(2);
    DeploymentHandle handle = engine.submit(plan);

    List<Execution> running = actions.next(2);
    assertThat(running).extracting(e -> e.step).containsExactlyInAnyOrder("A", "B");
    actions.expectNoStart(QUIET);
    Execution b = running.stream().filter(e -> e.step.equals("B")).findFirst().orElseThrow();
    b.succeed();
    Execution c = actions.next();
    assertThat(c.step).isEqualTo("C");
    running.stream().filter(e -> e.step.equals("A")).findFirst().orElseThrow().succeed();
    c.succeed();
    assertThat(await(handle).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
  }

  @Test
  void aFailingStepStartsNoNewTargetsWhileItsSiblingsRunToTheEnd() throws Exception {
    List<Target> targets = new java.util.ArrayList<>(targets("web", "w1", "w2", "w3"));
    targets.add(new Target("db", List.of("db")));
    DeploymentPlan plan =
        DeploymentPlan.of(
            "fails",
            targets,
            List.of(
                step("Web", "web").withMaxParallelism(1),
                step("Db", "db").withStartTrigger(StartTrigger.WITH_PREVIOUS),
                step("After", "db"),
                step("Always", "db").withCondition(RunCondition.ALWAYS),
                step("OnFailure", "db").withCondition(RunCondition.FAILURE)));
    DeploymentHandle handle = engine.submit(plan);

    List<Execution> block0 = actions.next(2);
    Execution web = block0.stream().filter(e -> e.step.equals("Web")).findFirst().orElseThrow();
    Execution db = block0.stream().filter(e -> e.step.equals("Db")).findFirst().orElseThrow();
    web.fail("broken");
    actions.expectNoStart(QUIET);
    assertThat(db.isCancelled()).isFalse();
    db.succeed();
    Execution always = actions.next();
    assertThat(always.step).isEqualTo("Always");
    always.succeed();
    Execution onFailure = actions.next();
    assertThat(onFailure.step).isEqualTo("OnFailure");
    onFailure.succeed();

    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(result.steps())
        .extracting(DeploymentResult.StepSummary::status)
        .containsExactly(
            StepStatus.FAILED,
            StepStatus.SUCCEEDED,
            StepStatus.SKIPPED,
            StepStatus.SUCCEEDED,
            StepStatus.SUCCEEDED);
    DeploymentResult.StepSummary webSummary = result.steps().get(0);
    assertThat(webSummary.failed()).isEqualTo(1);
    assertThat(webSummary.skipped()).isEqualTo(2);
    assertThat(result.timeline().executions()).noneMatch(e -> e.step().equals("After"));
  }

  @Test
  void variableConditionRunsAStepOnlyWhenTheVariableIsTruthy() throws Exception {
    DeploymentPlan plan =
        DeploymentPlan.of(
                "vars",
                targets("web", "w1"),
                List.of(
                    step("Off", "web").withCondition(RunCondition.variable("RunOff")),
                    step("On", "web").withCondition(RunCondition.variable("RunOn"))))
            .withVariables(Map.of("RunOff", "False", "RunOn", "True"));
    DeploymentHandle handle = engine.submit(plan);

    Execution on = actions.next();
    assertThat(on.step).isEqualTo("On");
    on.succeed();
    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(result.steps())
        .extracting(DeploymentResult.StepSummary::status)
        .containsExactly(StepStatus.SKIPPED, StepStatus.SUCCEEDED);
  }

  @Test
  void retriesRerunAFailedExecutionOnTheSameTarget() throws Exception {
    DeploymentPlan plan =
        DeploymentPlan.of(
            "retry",
            targets("web", "w1"),
            List.of(step("Flaky", "web").withRetries(2, Duration.ofMillis(10))));
    DeploymentHandle handle = engine.submit(plan);

    Execution first = actions.next();
    first.fail("flaky");
    Execution second = actions.next();
    assertThat(second.target).isEqualTo("w1");
    assertThat(second.attempt).isEqualTo(2);
    second.succeed();

    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(result.timeline().executions())
        .extracting(Timeline.ExecutionEntry::attempt, Timeline.ExecutionEntry::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, ExecutionStatus.FAILED),
            org.assertj.core.groups.Tuple.tuple(2, ExecutionStatus.SUCCEEDED));
  }

  @Test
  void timeoutCancelsTheActionAndCountsAsAFailure() throws Exception {
    DeploymentPlan plan =
        DeploymentPlan.of(
            "timeout",
            targets("web", "w1"),
            List.of(step("Slow", "web").withTimeout(Duration.ofMillis(200))));
    DeploymentHandle handle = engine.submit(plan);

    Execution slow = actions.next();
    slow.awaitCancelled();
    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.FAILED);
    assertThat(result.timeline().executions())
        .singleElement()
        .satisfies(e -> assertThat(e.status()).isEqualTo(ExecutionStatus.TIMED_OUT));
  }

  @Test
  void cancelStopsRunningActionsSkipsPendingStepsAndReleasesGuards() throws Exception {
    DeploymentPlan plan =
        DeploymentPlan.of(
            "cancel",
            targets("web", "w1", "w2"),
            List.of(step("Deploy", "web"), step("Later", "web")));
    DeploymentHandle handle = engine.submit(plan);
    List<Execution> running = actions.next(2);

    handle.cancel("operator said stop");
    for (Execution execution : running) {
      execution.awaitCancelled();
    }
    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.CANCELLED);
    assertThat(result.steps())
        .extracting(DeploymentResult.StepSummary::status)
        .containsExactly(StepStatus.CANCELLED, StepStatus.SKIPPED);
    assertThat(result.timeline().executions())
        .extracting(Timeline.ExecutionEntry::status)
        .containsOnly(ExecutionStatus.CANCELLED);

    DeploymentHandle next =
        engine.submit(
            DeploymentPlan.of("after-cancel", targets("web", "w1"), List.of(step("Again", "web"))));
    actions.next().succeed();
    assertThat(await(next).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
  }

  @Test
  void targetGuardSerializesWorkOnAMachineAcrossDeployments() throws Exception {
    DeploymentPlan first =
        DeploymentPlan.of("first", targets("web", "shared-host"), List.of(step("One", "web")));
    DeploymentPlan second =
        DeploymentPlan.of("second", targets("web", "shared-host"), List.of(step("Two", "web")));
    DeploymentHandle firstHandle = engine.submit(first);
    Execution one = actions.next();
    RecordingListener listener = new RecordingListener();
    DeploymentHandle secondHandle = engine.submit(second, listener);

    DeploymentEvent.ExecutionWaiting waiting =
        listener.await(DeploymentEvent.ExecutionWaiting.class, e -> true);
    assertThat(waiting.heldBy()).contains(firstHandle.deploymentId()).contains("One");
    actions.expectNoStart(QUIET);
    one.succeed();
    Execution two = actions.next();
    assertThat(two.step).isEqualTo("Two");
    two.succeed();

    Timeline timeline = await(secondHandle).timeline();
    assertThat(timeline.executions())
        .singleElement()
        .satisfies(e -> assertThat(e.waitingFor()).contains("One"));
    assertThat(await(firstHandle).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
  }

  @Test
  void sharedIsolationLetsDeploymentsShareAMachine() throws Exception {
    DeploymentPlan first =
        DeploymentPlan.of("s1", targets("web", "host"), List.of(step("One", "web")))
            .withTargetIsolation(TargetIsolation.SHARED);
    DeploymentPlan second =
        DeploymentPlan.of("s2", targets("web", "host"), List.of(step("Two", "web")))
            .withTargetIsolation(TargetIsolation.SHARED);
    DeploymentHandle a = engine.submit(first);
    DeploymentHandle b = engine.submit(second);

    List<Execution> both = actions.next(2);
    assertThat(both).extracting(e -> e.step).containsExactlyInAnyOrder("One", "Two");
    both.forEach(Execution::succeed);
    assertThat(await(a).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(await(b).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
  }

  @Test
  void rollingWindowSlidesInsteadOfRunningInBatches() throws Exception {
    Step rolling = Step.rolling("Roll", 2, List.of(step("Drain"), step("Restart")), "web");
    DeploymentPlan plan =
        DeploymentPlan.of("rolling", targets("web", "a", "b", "c", "d"), List.of(rolling))
            .withMaxParallelism(10);
    DeploymentHandle handle = engine.submit(plan);

    List<Execution> drains = actions.next(2);
    assertThat(drains).extracting(e -> e.step).containsOnly("Drain");
    assertThat(drains).extracting(e -> e.target).containsExactlyInAnyOrder("a", "b");
    Execution drainA = drains.stream().filter(e -> e.target.equals("a")).findFirst().orElseThrow();
    drainA.succeed();
    Execution restartA = actions.next();
    assertThat(restartA.step + "@" + restartA.target).isEqualTo("Restart@a");
    // Target a is still inside the window: nothing else may start.
    actions.expectNoStart(QUIET);
    restartA.succeed();
    // a left the window, so c enters at once, while b is still inside (the window slides).
    Execution drainC = actions.next();
    assertThat(drainC.step + "@" + drainC.target).isEqualTo("Drain@c");
    drains.stream().filter(e -> e.target.equals("b")).forEach(Execution::succeed);
    drainC.succeed();
    actions.succeedAllUntil(handle.result().toCompletableFuture());

    DeploymentResult result = await(handle);
    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(result.timeline().steps())
        .extracting(
            Timeline.StepEntry::name, Timeline.StepEntry::parent, Timeline.StepEntry::windowSize)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Roll", null, 2),
            org.assertj.core.groups.Tuple.tuple("Drain", "Roll", null),
            org.assertj.core.groups.Tuple.tuple("Restart", "Roll", null));
  }

  @Test
  void runOnServerRunsOnceWithoutATarget() throws Exception {
    DeploymentPlan plan =
        DeploymentPlan.of(
            "server", targets("web", "w1", "w2"), List.of(Step.onServer("Notify", CONTROLLED)));
    DeploymentHandle handle = engine.submit(plan);
    Execution notify = actions.next();
    assertThat(notify.target).isNull();
    notify.succeed();
    actions.expectNoStart(QUIET);
    DeploymentResult result = await(handle);
    assertThat(result.timeline().executions())
        .singleElement()
        .satisfies(e -> assertThat(e.target()).isNull());
  }

  @Test
  void engineCapQueuesDeploymentsFirstComeFirstServed() throws Exception {
    startEngine(1);
    DeploymentHandle a =
        engine.submit(DeploymentPlan.of("a", targets("r", "t1"), List.of(step("A", "r"))));
    DeploymentHandle b =
        engine.submit(DeploymentPlan.of("b", targets("r", "t2"), List.of(step("B", "r"))));
    Execution first = actions.next();
    assertThat(first.step).isEqualTo("A");
    actions.expectNoStart(QUIET);
    first.succeed();
    Execution second = actions.next();
    assertThat(second.step).isEqualTo("B");
    second.succeed();
    assertThat(await(a).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(await(b).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
  }

  @Test
  void deploymentsWithTheSameConcurrencyTagNeverRunAtOnce() throws Exception {
    DeploymentPlan shopProd =
        DeploymentPlan.of("release-1", targets("r", "t1"), List.of(step("One", "r")))
            .withProject("shop", "production");
    DeploymentPlan shopProdAgain =
        DeploymentPlan.of("release-2", targets("r", "t2"), List.of(step("Two", "r")))
            .withProject("shop", "production");
    DeploymentPlan other =
        DeploymentPlan.of("release-3", targets("r", "t3"), List.of(step("Three", "r")))
            .withProject("shop", "staging");
    DeploymentHandle one = engine.submit(shopProd);
    DeploymentHandle two = engine.submit(shopProdAgain);
    DeploymentHandle three = engine.submit(other);

    List<Execution> running = actions.next(2);
    assertThat(running).extracting(e -> e.step).containsExactlyInAnyOrder("One", "Three");
    actions.expectNoStart(QUIET);
    running.forEach(Execution::succeed);
    actions.next().succeed();
    for (DeploymentHandle handle : List.of(one, two, three)) {
      assertThat(await(handle).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    }
  }

  @Test
  void cancellingAQueuedDeploymentRunsNothing() throws Exception {
    startEngine(1);
    DeploymentHandle a =
        engine.submit(DeploymentPlan.of("a", targets("r", "t1"), List.of(step("A", "r"))));
    DeploymentHandle b =
        engine.submit(DeploymentPlan.of("b", targets("r", "t2"), List.of(step("B", "r"))));
    Execution first = actions.next();
    b.cancel("not needed");
    DeploymentResult cancelled = await(b);
    assertThat(cancelled.status()).isEqualTo(DeploymentStatus.CANCELLED);
    assertThat(cancelled.timeline().executions()).isEmpty();
    assertThat(cancelled.steps())
        .extracting(DeploymentResult.StepSummary::status)
        .containsOnly(StepStatus.SKIPPED);
    first.succeed();
    assertThat(await(a).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    actions.expectNoStart(QUIET);
  }
}
