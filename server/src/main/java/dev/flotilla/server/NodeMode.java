package dev.flotilla.server;

import com.typesafe.config.Config;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.persistence.JournalUnavailableException;
import java.io.IOException;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.UnaryOperator;

/**
 * A way of running a node other than the single service on its own journal: what {@code flotilla
 * node} starts when it is given seeds, a cluster port or a journal URL ({@link
 * NodeOptions#clustered()}). A module provides one by naming its class in {@code
 * META-INF/services/dev.flotilla.server.NodeMode}; the CLI finds it on its class path with {@link
 * #find()}, so the module plugs in without the command knowing it.
 */
public interface NodeMode {

  /** What the mode is called in messages, such as {@code "cluster"}. */
  String name();

  /**
   * Starts the node: its engine, and the HTTP service on it as {@code options.service()} asks
   * (address, port, token). Returns once the service listens.
   *
   * @param config the node's configuration: the {@code --config} file over the defaults
   * @throws IllegalArgumentException when the options cannot be used (a malformed seed or URL); the
   *     message says which and why, and the CLI exits with 2
   * @throws IOException when the node cannot start (a port in use, a database it cannot reach)
   * @throws JournalUnavailableException when its journal cannot be used
   */
  default Node start(NodeOptions options, Config config)
      throws IOException, JournalUnavailableException {
    return start(options, config, UnaryOperator.identity());
  }

  /**
   * Starts the node as {@link #start(NodeOptions, Config)}, with more action types than the
   * built-in ones, as {@link DeploymentService#start(DeploymentService.Options, Config,
   * UnaryOperator)} takes them for the single service: the CLI adds {@code ssh} and {@code upload}
   * on a pool of SSH sessions that it closes once the node has stopped.
   *
   * @param actionTypes adds the host's action types to the built-in ones
   */
  Node start(NodeOptions options, Config config, UnaryOperator<ActionTypes> actionTypes)
      throws IOException, JournalUnavailableException;

  /** The mode a module on the class path provides, if any. */
  static Optional<NodeMode> find() {
    return ServiceLoader.load(NodeMode.class).findFirst();
  }
}
