package dev.flotilla.samples;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.cli.FlotillaCli;
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
import dev.flotilla.engine.timeline.Timeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The plans shipped in {@code samples/plans} run through the flotilla CLI and end as their headers
 * say.
 */
class SamplePlansTest {

  /** How each shipped plan ends; a new plan needs its line here. */
  private static final Map<String, Integer> EXPECTED_EXIT_CODES =
      Map.of(
          "quick-start.yaml",
          FlotillaCli.SUCCEEDED,
          // Restart fails on web-07 on purpose.
          "web-release.yaml",
          FlotillaCli.NOT_SUCCEEDED,
          "web-farm-rolling.yaml",
          FlotillaCli.SUCCEEDED,
          "microservices.yaml",
          FlotillaCli.SUCCEEDED,
          // Deploy app fails on app-02 on purpose; the always and failure steps still run.
          "failing-release.yaml",
          FlotillaCli.NOT_SUCCEEDED,
          // Its seed draws failures that every node survives within its 2 retries.
          "fleet-patch.yaml",
          FlotillaCli.SUCCEEDED,
          // Against a loopback OpenSSH server, which the test starts (see LoopbackSshd).
          LoopbackSshd.PLAN,
          FlotillaCli.SUCCEEDED,
          // Waits for a person: refused outside a terminal; answered below by a scripted operator.
          "release-with-approval.yaml",
          FlotillaCli.INVALID_INPUT);

  /** Fast enough for a test, slow enough that simulated steps still overlap as they would. */
  private static final String TIME_SCALE = "0.02";

  /** Maven runs tests in the module's directory; an IDE may run them from the repository root. */
  static Path plansDir() {
    Path inModule = Path.of("plans");
    return Files.isDirectory(inModule) ? inModule : Path.of("samples", "plans");
  }

  static Stream<Path> shippedPlans() throws IOException {
    try (Stream<Path> files = Files.list(plansDir())) {
      return files.filter(file -> file.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @Test
  void everyShippedPlanHasAnExpectedOutcome() throws IOException {
    // Proves the run test below covers every shipped plan, and no plan was dropped unnoticed.
    List<String> names = shippedPlans().map(plan -> plan.getFileName().toString()).toList();

    assertThat(names).containsExactlyInAnyOrderElementsOf(EXPECTED_EXIT_CODES.keySet());
  }

  @ParameterizedTest
  @MethodSource("shippedPlans")
  void shippedPlanEndsAsDocumented(Path plan, @TempDir Path work) throws Exception {
    // Proves a sample plan is valid, runs, and ends with the exit code its header promises.
    if (plan.getFileName().toString().equals(LoopbackSshd.PLAN)) {
      try (LoopbackSshd sshd = LoopbackSshd.start(work)) {
        assertDeployEndsAsDocumented(plan, sshd.walkThrough(plan));
      }
      return;
    }
    assertDeployEndsAsDocumented(plan, plan);
  }

  @Test
  void theSshSamplePlanIsValidWithoutAServer(@TempDir Path work) throws Exception {
    // Proves ssh-rollout.yaml loads and rehearses as shipped, whether or not sshd is installed
    // (its artifact path, relative to the repository root, made absolute for this module's tests).
    Path plan = LoopbackSshd.fromRepositoryRoot(plansDir().resolve(LoopbackSshd.PLAN), work);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        FlotillaCli.run(
            new String[] {
              "simulate",
              plan.toString(),
              "--sweep",
              "step:Roll out.windowSize=1,2",
              "--time-scale",
              TIME_SCALE
            },
            new PrintWriter(out, true),
            new PrintWriter(err, true));

    assertThat(exitCode).as("%s\n%s", out, err).isEqualTo(FlotillaCli.SUCCEEDED);
  }

  private static void assertDeployEndsAsDocumented(Path plan, Path run) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        FlotillaCli.run(
            new String[] {"deploy", run.toString(), "--time-scale", TIME_SCALE, "--in-memory"},
            new PrintWriter(out, true),
            new PrintWriter(err, true));

    String printed =
        "exit code " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    assertThat(exitCode)
        .as(printed)
        .isEqualTo(EXPECTED_EXIT_CODES.get(plan.getFileName().toString()));
    if (exitCode == FlotillaCli.INVALID_INPUT) {
      assertThat(err.toString()).contains("may wait for a person");
    } else {
      assertThat(out.toString()).contains("Makespan");
    }
  }

  @Test
  void releaseWithApprovalSucceedsWhenTheFlakyServerIsRetriedAndTheReleaseApproved()
      throws Exception {
    // Proves the sample's story: stage-02 fails once and waits; retry runs it again; the
    // approval waits; proceed lets production run; the deployment succeeds.
    try (Flotilla engine = Flotilla.start(EngineSettings.fromConfig(ConfigFactory.load()))) {
      DeploymentPlan plan =
          engine.planLoader().load(plansDir().resolve("release-with-approval.yaml"), Map.of());
      List<String> answers = new CopyOnWriteArrayList<>();
      List<String> productionLog = new CopyOnWriteArrayList<>();
      List<String> instructions = new CopyOnWriteArrayList<>();
      AtomicReference<DeploymentHandle> handle = new AtomicReference<>();
      CountDownLatch submitted = new CountDownLatch(1);
      handle.set(
          engine.submit(
              plan,
              new DeploymentListener() {
                @Override
                public void onEvent(DeploymentEvent event) {
                  if (event instanceof DeploymentEvent.ExecutionFinished finished
                      && finished.step() == 3) {
                    productionLog.addAll(finished.log());
                  }
                  if (event instanceof DeploymentEvent.InterventionRaised raised
                      && raised.instructions() != null) {
                    instructions.add(raised.instructions());
                  }
                  if (event instanceof DeploymentEvent.InterventionRaised raised) {
                    // The scripted operator: retry a failure, approve the release.
                    InterventionDecision decision =
                        raised.instructions() != null
                            ? InterventionDecision.PROCEED
                            : raised.attempt() == 1
                                ? InterventionDecision.RETRY
                                : InterventionDecision.FAIL;
                    answers.add(decision.wireName() + " " + raised.target());
                    new Thread(
                            () -> {
                              try {
                                submitted.await();
                                handle.get().answer(raised.number(), decision, "operator", null);
                              } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                              }
                            })
                        .start();
                  }
                }
              }));
      submitted.countDown();

      DeploymentResult result;
      try {
        result = handle.get().result().toCompletableFuture().get(60, SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError(
            "not over in 60 s: "
                + answers
                + "\n"
                + dev.flotilla.engine.timeline.TimelineJson.toJson(handle.get().snapshot()));
      }

      assertThat(result.status())
          .as(result.timeline().toString())
          .isEqualTo(DeploymentStatus.SUCCEEDED);
      assertThat(answers).containsExactly("retry stage-02", "proceed null");
      assertThat(result.timeline().executions())
          .filteredOn(e -> "stage-02".equals(e.target()))
          .extracting(Timeline.ExecutionEntry::status)
          .containsExactly(ExecutionStatus.FAILED, ExecutionStatus.SUCCEEDED);
      assertThat(result.timeline().executions())
          .filteredOn(e -> e.step().equals("Deploy to production"))
          .hasSize(4);
      // The build number went from Build's output to the approval and to every production target.
      assertThat(result.timeline().executions())
          .filteredOn(e -> e.step().equals("Build"))
          .extracting(Timeline.ExecutionEntry::outputs)
          .containsExactly(Map.of("BuildNumber", "1.4.27"));
      assertThat(instructions)
          .containsExactly("Check the staging smoke tests of build 1.4.27, then proceed");
      assertThat(productionLog)
          .containsExactlyInAnyOrder(
              "deploying build 1.4.27 to prod-01",
              "deploying build 1.4.27 to prod-02",
              "deploying build 1.4.27 to prod-03",
              "deploying build 1.4.27 to prod-04");
    }
  }
}
