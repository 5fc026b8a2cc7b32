package dev.flotilla.server;

import java.net.URI;

/**
 * A running node of Flotilla, as {@code flotilla node} runs it: an engine and the HTTP service on
 * it. A {@link DeploymentService} is the single node; a {@link NodeMode} may start other kinds.
 */
public interface Node extends AutoCloseable {

  /**
   * The node's HTTP service, as this machine reaches it, such as {@code http://127.0.0.1:8080/}.
   */
  URI uri();

  /**
   * What kind of node this is, for the line {@code flotilla node} prints at start, such as {@code
   * cluster node pekko://flotilla@127.0.0.1:2551, ...}; empty for the single service, which the
   * command describes from its options.
   */
  default String describe() {
    return "";
  }

  /**
   * Stops the node: its HTTP service, then its engine. Idempotent.
   *
   * @return the deployments the stop left unfinished, and where (if anywhere) they are kept
   */
  DeploymentService.Stopped stop();

  /** Stops the node, as {@link #stop()}, without the report. */
  @Override
  default void close() {
    stop();
  }
}
