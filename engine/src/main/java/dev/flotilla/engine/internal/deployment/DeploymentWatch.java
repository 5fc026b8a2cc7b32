package dev.flotilla.engine.internal.deployment;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.model.DeploymentPlan;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's hold on one deployment it runs, so that every deployment ends even if its actor does
 * not. The actor hands each batch it has recorded to the listener through here, so the watch knows
 * the last recorded state and how much of it the listener heard. When the actor stops before the
 * deployment finished (its journal failed for good, it threw), the engine calls {@link #stopped},
 * which tells the listener the rest of the last batch and then ends the deployment FAILED. The
 * listener hears every event once and in order either way: from the actor while it lives, from the
 * engine after it stopped, never from both at once.
 */
public final class DeploymentWatch {

  private static final Logger log = LoggerFactory.getLogger(DeploymentWatch.class);

  private final String deploymentId;
  private final DeploymentPlan plan;
  private final DeploymentListener listener;
  private final boolean resumed;
  // Written by the deployment's actor; read by the engine once that actor has stopped (its
  // termination orders the writes before the reads).
  private volatile DeploymentState recorded = DeploymentState.empty();

  /** The last batch handed to the listener, and how many of its events the listener was given. */
  private List<DeploymentEvent> lastBatch = List.of();

  private int delivered;

  /**
   * @param plan the deployment's plan
   * @param listener the deployment's listener: it hears the events that end it
   * @param resumed the deployment is recovered from its journal: the listener already knows its
   *     history
   */
  public DeploymentWatch(
      String deploymentId, DeploymentPlan plan, DeploymentListener listener, boolean resumed) {
    this.deploymentId = deploymentId;
    this.plan = plan;
    this.listener = listener;
    this.resumed = resumed;
  }

  public String deploymentId() {
    return deploymentId;
  }

  public DeploymentListener listener() {
    return listener;
  }

  /**
   * The deployment's actor recovered {@code state}; the listener knows it already, or hears it as
   * history.
   */
  void recovered(DeploymentState state) {
    lastBatch = List.of();
    delivered = 0;
    recorded = state;
  }

  /**
   * The deployment's actor recorded {@code events}, which made {@code state}: the listener hears
   * them, in order. An exception a listener throws is logged and otherwise ignored; if it throws
   * anything else the actor stops, and {@link #stopped} goes on after the event it threw on.
   */
  void published(DeploymentState state, List<DeploymentEvent> events) {
    lastBatch = events;
    delivered = 0;
    recorded = state;
    for (DeploymentEvent event : events) {
      delivered++;
      tell(event);
    }
  }

  private void tell(DeploymentEvent event) {
    try {
      listener.onEvent(event);
    } catch (RuntimeException e) {
      log.warn(
          "Deployment {}: listener failed on {}",
          deploymentId,
          event.getClass().getSimpleName(),
          e);
    }
  }

  /** Whether the deployment has finished, as far as its actor recorded. */
  public boolean finished() {
    return recorded.status().isFinal();
  }

  /**
   * The deployment's actor stopped. Unless the deployment had finished, ends it FAILED with {@code
   * reason}: its listener hears why ({@link DeploymentEvent.DeploymentAborted}), that every
   * execution in flight failed and every step not over failed or was skipped, then that the
   * deployment finished. Nothing of it is journaled: a durable engine still finds it unfinished in
   * its journal and resumes it on its next start.
   *
   * @return the events the listener heard; none if the deployment had finished
   */
  public List<DeploymentEvent> stopped(String reason, long nowMicros) {
    DeploymentState last = recorded;
    if (last.status().isFinal()) {
      return List.of();
    }
    List<DeploymentEvent> events = new ArrayList<>(lastBatch.subList(delivered, lastBatch.size()));
    if (last.deploymentId() == null) {
      // Its acceptance was never recorded (or, for a resumed deployment, never recovered).
      DeploymentAccepted accepted = new DeploymentAccepted(deploymentId, plan, nowMicros);
      if (!resumed) {
        events.add(accepted);
      }
      last = last.apply(accepted);
    }
    DeploymentDecider.Decision decision = DeploymentDecider.abort(last, reason, nowMicros);
    events.addAll(decision.events());
    lastBatch = List.of();
    delivered = 0;
    recorded = decision.after();
    events.forEach(this::tell);
    return List.copyOf(events);
  }
}
