package dev.flotilla.server;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code flotilla node} was asked to run.
 *
 * @param service the HTTP service: its address, port, journal directory, time scale and token
 * @param clusterPort the port of the node's cluster transport; null if not given
 * @param seeds the cluster's seed nodes as {@code host:port}; empty if none were given
 * @param journalUrl the JDBC URL of a shared journal; null if not given
 */
public record NodeOptions(
    DeploymentService.Options service, Integer clusterPort, List<String> seeds, String journalUrl) {

  public NodeOptions {
    seeds = List.copyOf(seeds);
  }

  /**
   * Whether the node is one of a cluster (seeds, a cluster port or a shared journal were given);
   * otherwise it is the single service on its own journal.
   */
  public boolean clustered() {
    return !seeds.isEmpty() || clusterPort != null || journalUrl != null;
  }

  /** The journal directory of a single node; null in memory. */
  public Path journal() {
    return service.journal();
  }
}
