package dev.flotilla.cli;

import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineRecorder;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A deployment a service runs, followed through its event stream: the CLI's {@link
 * DeploymentHandle} for {@code deploy --server}, so that the same {@link DeploymentRun} and {@link
 * ProgressPrinter} that show a local deployment show this one. Its events go to the printer as they
 * come, and to a {@link TimelineRecorder} of its own, which answers {@link #snapshot} without
 * asking the service; its result is the service's final timeline.
 *
 * <p>Following ends when the deployment finishes, when the user {@linkplain #detach detaches}, or
 * when the connection is lost: the result then holds the timeline as it stood, and {@link #lost}
 * says why.
 */
final class RemoteDeployment implements DeploymentHandle {

  private final ServiceApi api;
  private final String id;
  private final ServiceApi.Events events;
  private final DeploymentAccepted accepted;
  private final TimelineRecorder recorder = new TimelineRecorder();
  private final CompletableFuture<DeploymentResult> result = new CompletableFuture<>();
  private volatile boolean detached;
  private volatile String lost;

  private RemoteDeployment(
      ServiceApi api, String id, ServiceApi.Events events, DeploymentAccepted accepted) {
    this.api = api;
    this.id = id;
    this.events = events;
    this.accepted = accepted;
    recorder.onEvent(accepted);
  }

  /**
   * Opens the deployment's event stream and reads up to its first event, which carries the plan.
   */
  static RemoteDeployment open(ServiceApi api, String id) throws ServiceApi.Failure {
    ServiceApi.Events events = api.events(id);
    DeploymentAccepted[] first = new DeploymentAccepted[1];
    try {
      while (first[0] == null
          && events.next(
              new DeploymentListener() {
                @Override
                public void onEvent(DeploymentEvent event) {
                  if (event instanceof DeploymentAccepted accepted) {
                    first[0] = accepted;
                  }
                }
              })) {
        // Only the accepted event comes before it; anything else would be skipped here.
      }
    } catch (IOException e) {
      events.close();
      throw new ServiceApi.Failure(
          "lost the event stream of deployment " + id + " at " + api.root() + ": " + e);
    }
    if (first[0] == null) {
      events.close();
      throw new ServiceApi.Failure(
          "the service at " + api.root() + " sent no event for deployment " + id);
    }
    return new RemoteDeployment(api, id, events, first[0]);
  }

  /** The plan as the service runs it (its variables and settings applied). */
  DeploymentPlan plan() {
    return accepted.plan();
  }

  /**
   * Follows the stream on a thread of its own, handing every event and output line to {@code
   * progress} in order (the accepted event first); the result completes when following ends.
   */
  void follow(DeploymentListener progress) {
    Thread reader =
        new Thread(
            () -> {
              DeploymentListener both =
                  new DeploymentListener() {
                    @Override
                    public void onEvent(DeploymentEvent event) {
                      synchronized (recorder) {
                        recorder.onEvent(event);
                      }
                      progress.onEvent(event);
                    }

                    @Override
                    public void onLogLine(ExecutionLogLine line) {
                      progress.onLogLine(line);
                    }
                  };
              progress.onEvent(accepted);
              try {
                while (events.next(both)) {
                  // Each message is handed on as it is read.
                }
              } catch (IOException | ServiceApi.Failure e) {
                if (!detached) {
                  lost = e.getMessage();
                }
              } finally {
                events.close();
                finish();
              }
            },
            "flotilla-event-stream");
    reader.setDaemon(true);
    reader.start();
  }

  /** The final timeline from the service; the one recorded here if it cannot be had. */
  private void finish() {
    Timeline timeline = snapshot();
    if (timeline.status().isFinal() && !detached) {
      try {
        timeline = api.timeline(id);
      } catch (ServiceApi.Failure e) {
        // The recorded one is built from the same events: it says the same.
      }
    } else if (!detached && lost == null) {
      lost = "the service ended the event stream before deployment " + id + " finished";
    }
    result.complete(new DeploymentResult(id, timeline.status(), timeline));
  }

  /** Stops following; the deployment keeps running on the service. */
  void detach() {
    detached = true;
    events.close();
  }

  /** Stops reading the stream, if it is still open. */
  void close() {
    events.close();
  }

  /** Whether the user detached before the deployment finished. */
  boolean detached() {
    return detached && !snapshot().status().isFinal();
  }

  /** Why following ended before the deployment finished, or null. */
  String lost() {
    return lost;
  }

  @Override
  public String deploymentId() {
    return id;
  }

  @Override
  public CompletionStage<DeploymentResult> result() {
    return result;
  }

  /** Asks the service to cancel it; following goes on until it has ended. */
  @Override
  public void cancel(String reason) {
    try {
      api.cancel(id, reason);
    } catch (ServiceApi.Failure e) {
      lost = e.getMessage();
      events.close();
    }
  }

  /** Answers through the node's intervention route, as {@code flotilla intervene} does. */
  @Override
  public CompletionStage<InterventionReply> answer(
      int number, InterventionDecision decision, String by, String note) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            ServiceApi.Answer answer =
                api.answer(id, number, decision.name().toLowerCase(Locale.ROOT), note, by);
            InterventionReply.Outcome outcome =
                switch (answer.status()) {
                  case 200 -> InterventionReply.Outcome.ACCEPTED;
                  case 400 -> InterventionReply.Outcome.NOT_ALLOWED;
                  case 404 -> InterventionReply.Outcome.UNKNOWN_INTERVENTION;
                  default -> InterventionReply.Outcome.ALREADY_ANSWERED;
                };
            return InterventionReply.of(outcome, answer.error());
          } catch (ServiceApi.Failure e) {
            throw new CompletionException(e);
          }
        });
  }

  @Override
  public Timeline snapshot() {
    synchronized (recorder) {
      return recorder.timeline();
    }
  }
}
