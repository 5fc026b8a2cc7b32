package dev.flotilla.samples.cli;

import com.typesafe.config.Config;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.plan.InvalidPlanException;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.LoggerFactory;

/**
 * One deployment run by the CLI, from submission to report: it starts an engine, submits the plan
 * with a {@link ProgressPrinter} listening, waits for the end, writes the timeline, prints the
 * {@link SummaryTable} and closes the engine.
 *
 * <p>An interrupt (Ctrl-C) only cancels the deployment and waits: the main thread, which is
 * already waiting for the result, still does all the reporting, so there is exactly one report
 * whichever way the run ends, and a run that ends normally never touches the cancel path.
 */
final class DeploymentRun {

  /** Beyond the cancel grace, the time an interrupt leaves the run to report and close the engine. */
  private static final long REPORT_ALLOWANCE_SECONDS = 10;

  private final DeploymentPlan plan;
  private final double timeScale;
  private final Path timelineJson;
  private final CliSettings cli;
  private final PrintWriter out;
  private final PrintWriter err;
  private final String interruptReason;

  private final CompletableFuture<Void> interrupted = new CompletableFuture<>();
  /** Released once the run has reported and closed its engine. */
  private final CountDownLatch over = new CountDownLatch(1);
  private volatile int exitCode = FlotillaCli.NOT_SUCCEEDED;

  DeploymentRun(DeploymentPlan plan, double timeScale, Path timelineJson, CliSettings cli, PrintWriter out,
      PrintWriter err, String interruptReason) {
    this.plan = plan;
    this.timeScale = timeScale;
    this.timelineJson = timelineJson;
    this.cli = cli;
    this.out = out;
    this.err = err;
    this.interruptReason = interruptReason;
  }

  /** Runs the deployment to its end and returns the exit code. */
  int run(EngineSettings settings, Config config, InterruptSignal interrupts) {
    PlanLayout layout = PlanLayout.of(plan);
    ProgressPrinter progress = new ProgressPrinter(layout, cli, out);
    // Logging starts here, on one thread: otherwise the actor system's threads race to start it
    // and SLF4J warns on stderr about the calls it had to replay.
    LoggerFactory.getILoggerFactory();
    Flotilla engine = Flotilla.start(settings, config);
    InterruptSignal.Registration registration = null;
    try {
      DeploymentHandle handle;
      try {
        handle = engine.submit(plan, progress);
      } catch (InvalidPlanException e) {
        e.problems().forEach(err::println);
        return exitCode = FlotillaCli.INVALID_INPUT;
      }
      printHeader(layout, handle.deploymentId());
      progress.start();
      registration = interrupts.register(() -> onInterrupt(handle));
      Timeline timeline = awaitEnd(handle);
      // The progress ends before the report starts, so their lines never interleave.
      progress.close();
      Path written = writeTimeline(timeline);
      SummaryTable.print(timeline, written, out);
      exitCode = timeline.status() == DeploymentStatus.SUCCEEDED
          ? FlotillaCli.SUCCEEDED : FlotillaCli.NOT_SUCCEEDED;
      return exitCode;
    } finally {
      progress.close();
      out.flush();
      err.flush();
      engine.close();
      over.countDown();
      if (registration != null) {
        registration.close();
      }
    }
  }

  private void printHeader(PlanLayout layout, String deploymentId) {
    long targets = layout.steps().stream().flatMap(step -> step.targets().stream()).distinct().count();
    String scale = timeScale == 1.0 ? "" : ", simulated time x" + timeScale;
    out.printf("Deploying %s (deployment %s): %d %s, %d %s in %d %s, maxParallelism %d, %s target isolation%s%n",
        plan.name(), deploymentId,
        targets, targets == 1 ? "target" : "targets",
        plan.steps().size(), plan.steps().size() == 1 ? "step" : "steps",
        layout.blocks().size(), layout.blocks().size() == 1 ? "block" : "blocks",
        plan.maxParallelism(), plan.targetIsolation().wireName(), scale);
  }

  /**
   * The final timeline; after an interrupt, the timeline as it stands if the cancelled deployment
   * has not ended within the grace period.
   */
  private Timeline awaitEnd(DeploymentHandle handle) {
    CompletableFuture<DeploymentResult> result = handle.result().toCompletableFuture();
    try {
      CompletableFuture.anyOf(result, interrupted).get();
      if (!result.isDone()) {
        return result.get(cli.cancelGrace().toMillis(), TimeUnit.MILLISECONDS).timeline();
      }
      return result.get().timeline();
    } catch (TimeoutException e) {
      err.println("flotilla: the deployment did not end within " + cli.cancelGrace().toSeconds()
          + " s of the cancel; reporting it as it stands");
      return handle.snapshot();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      handle.cancel(interruptReason);
      return handle.snapshot();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the deployment's result failed, which the engine promises never happens", e);
    }
  }

  /** On the signal's thread: cancel, then leave the reporting to the main thread and wait for it. */
  private int onInterrupt(DeploymentHandle handle) {
    if (over.getCount() > 0) {
      err.println();
      err.println("flotilla: " + interruptReason + ": cancelling the deployment...");
      err.flush();
      handle.cancel(interruptReason);
      interrupted.complete(null);
      try {
        over.await(cli.cancelGrace().toSeconds() + REPORT_ALLOWANCE_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return exitCode;
  }

  /**
   * Writes the timeline if asked to; returns where, or null. A file that cannot be written is
   * reported but does not change the exit code: the deployment itself ran as reported.
   */
  private Path writeTimeline(Timeline timeline) {
    if (timelineJson == null) {
      return null;
    }
    try {
      TimelineJson.write(timeline, timelineJson);
      return timelineJson.toAbsolutePath().normalize();
    } catch (IOException | RuntimeException e) {
      err.println("flotilla: cannot write the timeline to " + timelineJson + ": " + e);
      return null;
    }
  }
}
