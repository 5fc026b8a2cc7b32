package dev.flotilla.persistence;

import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentListener;
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

  private Resumption() {}

  /**
   * Resumes every unfinished deployment of the engine's journal.
   *
   * @param listeners the listener for each deployment id
   * @return a handle per resumed deployment, in resumption order
   */
  public static List<DeploymentHandle> resumeUnfinished(Flotilla engine, DeploymentHistory history,
      Function<String, DeploymentListener> listeners) throws DeploymentHistory.JournalReadException {
    record Unfinished(String id, List<DeploymentEvent> events, long acceptedAt) {}
    List<Unfinished> unfinished = new ArrayList<>();
    for (String id : history.deploymentIds()) {
      List<DeploymentEvent> events = history.events(id);
      if (DeploymentHistory.isUnfinished(events) && events.get(0) instanceof DeploymentAccepted accepted) {
        unfinished.add(new Unfinished(id, events, accepted.atMicros()));
      }
    }
    unfinished.sort(Comparator.comparingLong(Unfinished::acceptedAt));
    List<DeploymentHandle> handles = new ArrayList<>();
    for (Unfinished deployment : unfinished) {
      handles.add(engine.resume(deployment.id(), deployment.events(), listeners.apply(deployment.id())));
    }
    return handles;
  }
}
