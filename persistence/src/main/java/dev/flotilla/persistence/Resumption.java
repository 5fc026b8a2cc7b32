package dev.flotilla.persistence;

import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.model.DeploymentPlan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Picks up what a stopped (or crashed) engine left: every deployment its journal records as
 * unfinished is resumed, in the order it was first accepted, so queues and concurrency tags are
 * rebuilt from what actually runs now. No guard lease survives: guards are in memory only.
 */
public final class Resumption {

  /**
   * A deployment the journal records as unfinished.
   *
   * @param events everything recorded before the stop, starting with its acceptance
   */
  public record Unfinished(String deploymentId, DeploymentPlan plan, List<DeploymentEvent> events) {

    private long acceptedAtMicros() {
      return events.get(0).atMicros();
    }
  }

  private Resumption() {}

  /** The unfinished deployments of the journal, in the order they were first accepted. */
  public static List<Unfinished> unfinished(DeploymentHistory history)
      throws DeploymentHistory.JournalReadException {
    List<Unfinished> unfinished = new ArrayList<>();
    for (String id : history.deploymentIds()) {
      DeploymentHistory.Summary summary = history.summary(id);
      if (summary.events() == 0 || summary.status().isFinal()) {
        // Finished deployments are told apart by their last events, without reading their history.
        continue;
      }
      List<DeploymentEvent> events = history.events(id);
      if (DeploymentHistory.isUnfinished(events)
          && events.get(0) instanceof DeploymentAccepted accepted) {
        unfinished.add(new Unfinished(id, accepted.plan(), List.copyOf(events)));
      }
    }
    unfinished.sort(Comparator.comparingLong(Unfinished::acceptedAtMicros));
    return unfinished;
  }

  /** Resumes one unfinished deployment on {@code engine}, whose journal recorded it. */
  public static DeploymentHandle resume(
      Flotilla engine, Unfinished deployment, DeploymentListener listener) {
    return engine.resume(deployment.deploymentId(), deployment.events(), listener);
  }

  /**
   * Resumes one unfinished deployment with the values of its sensitive variables, which its journal
   * holds masked (see {@link Flotilla#resume(String, List, DeploymentListener, Map)}).
   */
  public static DeploymentHandle resume(
      Flotilla engine,
      Unfinished deployment,
      DeploymentListener listener,
      java.util.Map<String, String> secrets) {
    return engine.resume(deployment.deploymentId(), deployment.events(), listener, secrets);
  }

  /**
   * Resumes every unfinished deployment of the engine's journal.
   *
   * @param listeners the listener for each deployment id
   * @return a handle per resumed deployment, in resumption order
   */
  public static List<DeploymentHandle> resumeUnfinished(
      Flotilla engine, DeploymentHistory history, Function<String, DeploymentListener> listeners)
      throws DeploymentHistory.JournalReadException {
    List<DeploymentHandle> handles = new ArrayList<>();
    for (Unfinished deployment : unfinished(history)) {
      handles.add(resume(engine, deployment, listeners.apply(deployment.deploymentId())));
    }
    return handles;
  }
}
