package dev.flotilla.cluster.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.flotilla.cluster.FlotillaCluster;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import dev.flotilla.server.ClusterView;
import dev.flotilla.server.DeploymentService;
import dev.flotilla.server.Node;
import dev.flotilla.server.NodeMode;
import dev.flotilla.server.NodeOptions;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code flotilla node --cluster-port P --seed HOST:PORT --journal-url URL}: a node of a Flotilla
 * cluster ({@link FlotillaCluster}) with the HTTP service on its engine, which answers for every
 * deployment of the shared journal. Without {@code --seed} the node seeds itself (the first node of
 * a new cluster); without {@code --cluster-port} it takes {@code
 * flotilla.cluster.own-system.pekko.remote.artery.canonical.port}. The journal URL is required: the
 * nodes share it.
 */
public final class ClusterNodeMode implements NodeMode {

  private static final Logger log = LoggerFactory.getLogger(ClusterNodeMode.class);

  private static final String OWN = "flotilla.cluster.own-system.";
  private static final String PORT = OWN + "pekko.remote.artery.canonical.port";
  private static final String HOST = OWN + "pekko.remote.artery.canonical.hostname";
  private static final String SEEDS = OWN + "pekko.cluster.seed-nodes";
  private static final int MAX_PORT = 65_535;

  @Override
  public String name() {
    return "cluster";
  }

  @Override
  public Node start(NodeOptions options, Config config, UnaryOperator<ActionTypes> actionTypes)
      throws IOException, JournalUnavailableException {
    if (options.journalUrl() == null) {
      throw new IllegalArgumentException(
          "a node of a cluster needs --journal-url jdbc:postgresql://HOST[:PORT]/DATABASE: the"
              + " nodes share one PostgreSQL journal (create its tables with 'flotilla db init"
              + " --journal-url URL')");
    }
    DurableJournal.Postgres journal = DurableJournal.postgres(options.journalUrl(), config);
    Config withCluster = config.withFallback(ConfigFactory.defaultReference());
    if (options.clusterPort() != null) {
      withCluster =
          withCluster.withValue(PORT, ConfigValueFactory.fromAnyRef(port(options.clusterPort())));
    }
    String host = withCluster.getString(HOST);
    int port = withCluster.getInt(PORT);
    List<String> seeds = new ArrayList<>();
    for (String seed : options.seeds().isEmpty() ? List.of(host + ":" + port) : options.seeds()) {
      seeds.add(seedAddress(seed));
    }
    withCluster = withCluster.withValue(SEEDS, ConfigValueFactory.fromIterable(seeds));
    EngineSettings settings =
        EngineSettings.fromConfig(withCluster)
            .withActionTypes(actionTypes.apply(ActionTypes.builtIn(options.service().timeScale())));
    FlotillaCluster cluster = FlotillaCluster.start(journal, settings, withCluster);
    // A clear word in the log about which nodes are in the cluster (membership changes).
    MembershipLog.start(cluster.system());
    String address = Cluster.get(cluster.system()).selfMember().address().toString();
    log.info(
        "Cluster node {} started on journal {}, joining seed nodes {}",
        address,
        journal.describe(),
        seeds);
    DeploymentService service =
        DeploymentService.startOn(cluster.engine(), options.service(), config, view(cluster));
    return new ClusterNode(service, address, journal.describe(), seeds);
  }

  /**
   * What the HTTP service of a node sees of the cluster: the deployments other nodes run, followed
   * from the journal, and which node runs which.
   */
  public static ClusterView view(FlotillaCluster cluster) {
    return new ClusterView() {
      @Override
      public DeploymentHandle follow(
          String deploymentId, List<DeploymentEvent> recorded, DeploymentListener listener) {
        return cluster.follow(deploymentId, recorded, listener);
      }

      @Override
      public CompletionStage<String> nodeOf(String deploymentId) {
        return cluster.nodeOf(deploymentId);
      }
    };
  }

  /** A seed as {@code host:port}, as the address of the node's actor system there. */
  static String seedAddress(String seed) {
    int colon = seed.lastIndexOf(':');
    String problem = null;
    if (colon <= 0 || colon == seed.length() - 1) {
      problem = "it is not HOST:PORT";
    } else {
      try {
        port(Integer.parseInt(seed.substring(colon + 1)));
      } catch (IllegalArgumentException e) {
        problem = "its port is not a number between 1 and " + MAX_PORT;
      }
    }
    if (problem != null) {
      throw new IllegalArgumentException(
          "--seed "
              + seed
              + ": "
              + problem
              + "; give the cluster port of a node, such as --seed 127.0.0.1:2551");
    }
    return "pekko://flotilla@" + seed;
  }

  private static int port(int port) {
    if (port < 1 || port > MAX_PORT) {
      throw new IllegalArgumentException(
          "--cluster-port must be between 1 and " + MAX_PORT + ", not " + port);
    }
    return port;
  }

  /** The HTTP service on a cluster node's engine; stopping it leaves the cluster. */
  private record ClusterNode(
      DeploymentService service, String address, String journal, List<String> seeds)
      implements Node {

    @Override
    public URI uri() {
      return service.uri();
    }

    @Override
    public String describe() {
      return "cluster node "
          + address
          + ", seed nodes "
          + String.join(", ", seeds)
          + ", journal "
          + journal;
    }

    @Override
    public DeploymentService.Stopped stop() {
      log.info("Cluster node {} leaving: its deployments move to the other nodes", address);
      return service.stop();
    }
  }
}
