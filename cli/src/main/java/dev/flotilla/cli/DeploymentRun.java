package dev.flotilla.cli;

import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.timeline.Timeline;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Deployments the CLI watches on an engine it started, from their progress to their report: it
 * waits for every one to end, writes the timelines, prints a {@link SummaryTable} for each and
 * closes the engine (which releases its journal).
 *
 * <p>An interrupt (Ctrl-C) only cancels the deployments and waits: the main thread, which is
 * already waiting for the results, still does all the reporting, so there is exactly one report
 * whichever way the run ends, and a run that ends normally never touches the cancel path. Watching
 * deployments a service runs ({@code deploy --server}), an interrupt may detach instead: it stops
 * following them, and they keep running there.
 */
final class DeploymentRun {

  /**
   * Beyond the cancel grace, the time an interrupt leaves the run to report and close the engine.
   */
  private static final long REPORT_ALLOWANCE_SECONDS = 10;

  /**
   * One deployment to watch.
   *
   * @param timelineJson where its timeline goes, or null
   */
  record Watched(DeploymentHandle handle, ProgressPrinter progress, Path timelineJson) {}

  /** Closes what the run used once it has reported: the engine, or the service's streams. */
  private final Runnable release;

  /** Stops following a deployment on an interrupt; null if an interrupt cancels it. */
  private final Consumer<DeploymentHandle> detach;

  private final CliSettings cli;
  private final PrintWriter out;
  private final PrintWriter err;
  private final String interruptReason;

  private final CompletableFuture<Void> interrupted = new CompletableFuture<>();

  /** Released once the run has reported and closed its engine. */
  private final CountDownLatch over = new CountDownLatch(1);

  private volatile int exitCode = FlotillaCli.NOT_SUCCEEDED;

  DeploymentRun(
      Flotilla engine, CliSettings cli, PrintWriter out, PrintWriter err, String interruptReason) {
    this(engine::close, null, cli, out, err, interruptReason);
  }

  /**
   * @param release closes what the run used, once it has reported
   * @param detach what an interrupt does to each deployment instead of cancelling it; null to
   *     cancel
   */
  DeploymentRun(
      Runnable release,
      Consumer<DeploymentHandle> detach,
      CliSettings cli,
      PrintWriter out,
      PrintWriter err,
      String interruptReason) {
    this.release = release;
    this.detach = detach;
    this.cli = cli;
    this.out = out;
    this.err = err;
    this.interruptReason = interruptReason;
  }

  /**
   * Watches the deployments to their end, reports each and closes the engine.
   *
   * @return {@link FlotillaCli#SUCCEEDED} if every deployment succeeded, else {@link
   *     FlotillaCli#NOT_SUCCEEDED}
   */
  int watch(List<Watched> deployments, InterruptSignal interrupts) {
    InterruptSignal.Registration registration = null;
    try {
      ProgressPrinter.shareEngine(deployments.stream().map(Watched::progress).toList());
      deployments.forEach(watched -> watched.progress().start());
      registration = interrupts.register(() -> onInterrupt(deployments));
      List<Timeline> timelines = awaitEnd(deployments);
      // The progress ends before the report starts, so their lines never interleave.
      deployments.forEach(watched -> watched.progress().close());
      boolean allSucceeded = true;
      for (int i = 0; i < deployments.size(); i++) {
        Timeline timeline = timelines.get(i);
        Path file = deployments.get(i).timelineJson();
        Path written = file == null ? null : TimelineFiles.write(timeline, file, err);
        SummaryTable.print(timeline, deployments.get(i).progress().durations(), written, out);
        allSucceeded &= timeline.status() == DeploymentStatus.SUCCEEDED;
      }
      exitCode = allSucceeded ? FlotillaCli.SUCCEEDED : FlotillaCli.NOT_SUCCEEDED;
      return exitCode;
    } finally {
      deployments.forEach(watched -> watched.progress().close());
      out.flush();
      err.flush();
      release.run();
      over.countDown();
      if (registration != null) {
        registration.close();
      }
    }
  }

  /**
   * The final timelines, in order; after an interrupt, the timeline as it stands of any cancelled
   * deployment that has not ended within the grace period.
   */
  private List<Timeline> awaitEnd(List<Watched> deployments) {
    List<CompletableFuture<DeploymentResult>> results = new ArrayList<>();
    deployments.forEach(watched -> results.add(watched.handle().result().toCompletableFuture()));
    CompletableFuture<Void> all =
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new));
    try {
      CompletableFuture.anyOf(all, interrupted).get();
      if (!all.isDone()) {
        all.get(cli.cancelGrace().toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (TimeoutException e) {
      err.println(
          "flotilla: not every deployment ended within "
              + cli.cancelGrace().toSeconds()
              + " s of the cancel; reporting them as they stand");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      deployments.forEach(watched -> watched.handle().cancel(interruptReason));
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "a deployment's result failed, which the engine promises never happens", e);
    }
    List<Timeline> timelines = new ArrayList<>();
    for (int i = 0; i < deployments.size(); i++) {
      CompletableFuture<DeploymentResult> result = results.get(i);
      timelines.add(
          result.isDone() ? result.join().timeline() : deployments.get(i).handle().snapshot());
    }
    return timelines;
  }

  /**
   * On the signal's thread: cancel, then leave the reporting to the main thread and wait for it.
   */
  private int onInterrupt(List<Watched> deployments) {
    if (over.getCount() > 0 && detach != null) {
      err.println();
      err.println(
          "flotilla: "
              + interruptReason
              + ": detaching; the service keeps running "
              + (deployments.size() == 1 ? "the deployment" : "the deployments"));
      err.flush();
      deployments.forEach(watched -> detach.accept(watched.handle()));
      interrupted.complete(null);
      awaitOver();
    } else if (over.getCount() > 0) {
      err.println();
      err.println(
          "flotilla: "
              + interruptReason
              + ": cancelling "
              + (deployments.size() == 1
                  ? "the deployment"
                  : "the " + deployments.size() + " deployments")
              + "...");
      err.flush();
      deployments.forEach(watched -> watched.handle().cancel(interruptReason));
      interrupted.complete(null);
      awaitOver();
    }
    return exitCode;
  }

  private void awaitOver() {
    try {
      over.await(cli.cancelGrace().toSeconds() + REPORT_ALLOWANCE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
