package dev.flotilla.server;

import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * What a node of a cluster lets its HTTP service see beyond the deployments submitted to it: the
 * deployments other nodes run, followed live from the shared journal, and which node runs which.
 * The single service has none ({@link DeploymentService#start}); a cluster node passes its own to
 * {@link DeploymentService#startOn(dev.flotilla.engine.Flotilla, DeploymentService.Options,
 * com.typesafe.config.Config, ClusterView)}.
 */
public interface ClusterView {

  /**
   * Follows a deployment this node may not run, from its recorded events on: {@code listener} hears
   * every event recorded after {@code recorded}, live, until it finishes; the handle's cancel and
   * answers reach the deployment wherever it runs.
   *
   * @param recorded its events in the journal so far, starting with its acceptance
   */
  DeploymentHandle follow(
      String deploymentId, List<DeploymentEvent> recorded, DeploymentListener listener);

  /**
   * The node that runs an unfinished deployment now, such as {@code
   * pekko://flotilla@127.0.0.1:2551}; completes with null when none answers in time. Asked only of
   * deployments that have not finished, so it never starts a finished one again.
   */
  CompletionStage<String> nodeOf(String deploymentId);
}
