package dev.flotilla.cluster;

import com.typesafe.config.Config;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.ActionRuntime;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.internal.deployment.DeploymentActor;
import dev.flotilla.engine.internal.guard.TargetGuards;
import dev.flotilla.engine.internal.runtime.EngineActor;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import dev.flotilla.persistence.PostgresSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentPersistenceIdsQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * One node of a Flotilla cluster: Pekko Cluster on Artery (loopback by default), the shared
 * PostgreSQL journal, deployments as sharded entities, the cluster's target guards and caps. It
 * offers the same {@link Flotilla} API as one engine ({@link #engine}): submit, cancel, the
 * handle's live timeline and result; and it answers for any deployment of the cluster, whichever
 * node runs it ({@link #handle}, {@link #deploymentIds}).
 *
 * <p>Settings: {@code flotilla.cluster} in this module's {@code reference.conf} (the Pekko settings
 * of the node, Split Brain Resolver, failure detector, sharding), the cluster's seed nodes in
 * {@code pekko.cluster.seed-nodes}; docs/semantics.md ("Cluster") says what the cluster guarantees.
 */
public final class FlotillaCluster implements AutoCloseable {

  private final Flotilla engine;
  private final String readJournal;
  private final Map<String, DeploymentHandle> handles = new ConcurrentHashMap<>();
  private final Map<String, Integer> recordedCounts;
  private final Duration retryInterval;

  private FlotillaCluster(
      Flotilla engine,
      String readJournal,
      Map<String, Integer> recordedCounts,
      Duration retryInterval) {
    this.engine = engine;
    this.readJournal = readJournal;
    this.recordedCounts = recordedCounts;
    this.retryInterval = retryInterval;
  }

  /**
   * Starts a node on {@code journal}: checks the journal's schema, starts the actor system ({@code
   * flotilla}), joins the seed nodes of {@code pekko.cluster.seed-nodes}.
   *
   * @param config the configuration to start from, usually {@code ConfigFactory.load()}
   * @throws JournalUnavailableException if the database cannot be reached or lacks the schema
   */
  public static FlotillaCluster start(
      DurableJournal.Postgres journal, EngineSettings settings, Config config)
      throws JournalUnavailableException {
    PostgresSchema.check(journal);
    Config withJournal = DurableEngine.configFor(journal, config);
    Config nodeConfig =
        withJournal
            .getConfig("flotilla.cluster.own-system")
            .withFallback(Flotilla.ownSystemConfig(withJournal));
    return startNode(settings, nodeConfig);
  }

  /**
   * Starts a node on the journal its configuration names ({@code flotilla.cluster.journal-plugin},
   * {@code snapshot-plugin}, {@code read-journal}): for tests on another journal than PostgreSQL.
   *
   * @param nodeConfig the actor system's whole configuration
   */
  static FlotillaCluster startNode(EngineSettings settings, Config nodeConfig) {
    Config cluster = nodeConfig.getConfig("flotilla.cluster");
    EngineSettings durable =
        settings.withJournal(
            EngineSettings.Journal.durable(
                cluster.getString("journal-plugin"),
                cluster.getString("snapshot-plugin"),
                nodeConfig.getInt("flotilla.journal.snapshot-every")));
    Map<String, Integer> recordedCounts = new ConcurrentHashMap<>();
    ActorSystem<EngineActor.Command> system =
        ActorSystem.create(node(durable, cluster, recordedCounts), "flotilla", nodeConfig);
    return new FlotillaCluster(
        Flotilla.runningOn(system, system, durable, true),
        cluster.getString("read-journal"),
        recordedCounts,
        cluster.getDuration("retry-interval"));
  }

  private static Behavior<EngineActor.Command> node(
      EngineSettings settings, Config cluster, Map<String, Integer> recordedCounts) {
    Duration retry = cluster.getDuration("retry-interval");
    return Behaviors.setup(
        context -> {
          ActorSystem<?> system = context.getSystem();
          ClusterSharding sharding = ClusterSharding.get(system);
          ScheduledExecutorService timer =
              Executors.newSingleThreadScheduledExecutor(
                  runnable -> {
                    Thread thread = new Thread(runnable, "flotilla-timer");
                    thread.setDaemon(true);
                    return thread;
                  });
          system.getWhenTerminated().thenRun(timer::shutdownNow);
          ActionRuntime runtime =
              new ActionRuntime(
                  timer,
                  system
                      .dispatchers()
                      .lookup(DispatcherSelector.fromConfig("flotilla.blocking-dispatcher")));
          ActorRef<Object> guardClient =
              context.spawn(GuardClient.create(sharding, retry), "guard-client");
          ActorRef<CapsClient.Command> capsClient =
              context.spawn(CapsClient.create(sharding, retry), "caps-client");
          EngineSettings.Journal journal = settings.journal();
          DeploymentEntity.Node node =
              new DeploymentEntity.Node(
                  settings,
                  runtime,
                  new DeploymentActor.Store(
                      journal.journalPluginId(),
                      journal.snapshotPluginId(),
                      true,
                      journal.snapshotEvery()),
                  guardClient.<TargetGuards.Command>narrow(),
                  capsClient,
                  sharding,
                  retry,
                  cluster.getInt("deployment-restarts"),
                  new ConcurrentHashMap<>());
          ClusterShardingSettings remembered =
              ClusterShardingSettings.create(system).withRememberEntities(true);
          Duration guardCheck = cluster.getDuration("guard-check-interval");
          sharding.init(
              Entity.of(
                  ClusterGuard.TYPE_KEY,
                  entity ->
                      ClusterGuard.create(
                          entity.getEntityId(),
                          (lease, replyTo) ->
                              sharding
                                  .entityRefFor(DeploymentEntity.TYPE_KEY, lease.deploymentId())
                                  .tell(new DeploymentEntity.CheckLease(lease, replyTo)),
                          guardCheck)));
          Duration capsCheck = cluster.getDuration("caps-check-interval");
          sharding.init(
              Entity.of(
                      ClusterCaps.TYPE_KEY,
                      entity ->
                          ClusterCaps.create(
                              settings.maxDeployments(),
                              (id, replyTo) ->
                                  sharding
                                      .entityRefFor(DeploymentEntity.TYPE_KEY, id)
                                      .tell(new DeploymentEntity.Admit(replyTo)),
                              capsCheck))
                  .withSettings(remembered));
          // Deployments last: a remembered one starts at once and talks to guards and caps.
          sharding.init(
              Entity.of(
                      DeploymentEntity.TYPE_KEY,
                      entity ->
                          DeploymentEntity.create(entity.getEntityId(), entity.getShard(), node))
                  .withStopMessage(DeploymentEntity.Stop.INSTANCE)
                  .withSettings(remembered));
          return ClusterEngine.create(
              sharding, cluster.getString("read-journal"), retry, recordedCounts);
        });
  }

  /** The engine API of this node: deployments submitted here run wherever sharding puts them. */
  public Flotilla engine() {
    return engine;
  }

  public ActorSystem<?> system() {
    return engine.system();
  }

  /**
   * A handle on any deployment of the cluster, submitted on any node: its timeline (from the shared
   * journal, live while it runs), its result, cancel. Null if the journal does not know it.
   */
  public DeploymentHandle handle(String deploymentId) {
    DeploymentHandle known = handles.get(deploymentId);
    if (known != null) {
      return known;
    }
    CurrentEventsByPersistenceIdQuery journal =
        PersistenceQuery.get(system())
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournal);
    List<DeploymentEvent> first =
        journal
            .currentEventsByPersistenceId(DeploymentActor.persistenceId(deploymentId).id(), 1, 1)
            .mapConcat(envelope -> DeploymentEvent.Batch.unpack((DeploymentEvent) envelope.event()))
            .take(1)
            .runWith(Sink.seq(), system())
            .toCompletableFuture()
            .orTimeout(engine.settings().closeTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .join();
    if (first.isEmpty()) {
      return null;
    }
    return handles.computeIfAbsent(
        deploymentId, id -> engine.resume(id, first, DeploymentListener.NONE));
  }

  /**
   * Follows a deployment of the cluster, submitted on any node, from the events already read from
   * the journal: {@code listener} hears every event after {@code recorded}, live, until it
   * finishes. The handle's cancel and answers go to the deployment's entity wherever it runs.
   *
   * @param recorded its events so far, starting with its acceptance
   * @throws IllegalStateException if this node already has a handle on it
   */
  public DeploymentHandle follow(
      String deploymentId, List<DeploymentEvent> recorded, DeploymentListener listener) {
    recordedCounts.put(deploymentId, recorded.size());
    try {
      return engine.resume(deploymentId, recorded, listener);
    } catch (RuntimeException e) {
      recordedCounts.remove(deploymentId);
      throw e;
    }
  }

  /**
   * The address of the node whose entity hosts the deployment now; null if it has finished or no
   * node answered within the retry interval. Asking starts the entity if no node hosts it (it then
   * recovers from the journal), so ask only about deployments that have not finished.
   */
  public CompletionStage<String> nodeOf(String deploymentId) {
    return ClusterSharding.get(system())
        .entityRefFor(DeploymentEntity.TYPE_KEY, deploymentId)
        .<DeploymentEntity.Hosted>ask(DeploymentEntity.Where::new, retryInterval)
        .handle((hosted, error) -> hosted == null || hosted.finished() ? null : hosted.node());
  }

  /** Submits on this node; see {@link Flotilla#submit}. */
  public DeploymentHandle submit(dev.flotilla.engine.model.DeploymentPlan plan)
      throws dev.flotilla.engine.plan.InvalidPlanException {
    DeploymentHandle handle = engine.submit(plan);
    handles.put(handle.deploymentId(), handle);
    return handle;
  }

  /** The ids of every deployment in the shared journal, in no particular order. */
  public List<String> deploymentIds() {
    CurrentPersistenceIdsQuery journal =
        PersistenceQuery.get(system())
            .getReadJournalFor(CurrentPersistenceIdsQuery.class, readJournal);
    String prefix = DeploymentActor.persistenceId("x").id().replace("x", "");
    List<String> ids = new ArrayList<>();
    for (String id :
        journal
            .currentPersistenceIds()
            .runWith(Sink.seq(), system())
            .toCompletableFuture()
            .orTimeout(engine.settings().closeTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .join()) {
      if (id.startsWith(prefix)) {
        ids.add(id.substring(prefix.length()));
      }
    }
    return ids;
  }

  /**
   * Leaves the cluster: coordinated shutdown hands this node's shards over to the others, then the
   * actor system stops.
   */
  @Override
  public void close() {
    engine.close();
  }
}
