package dev.flotilla.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.internal.runtime.EngineActor;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.plan.InvalidPlanException;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.engine.timeline.Timeline;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The embedding API: an engine that runs deployments.
 *
 * <pre>{@code
 * try (Flotilla engine = Flotilla.start()) {
 *   DeploymentPlan plan = engine.planLoader().load(Path.of("release.yaml"), Map.of());
 *   DeploymentHandle handle = engine.submit(plan);
 *   DeploymentResult result = handle.result().toCompletableFuture().join();
 * }
 * }</pre>
 *
 * <p>Either the engine owns an actor system of its own ({@link #start}), or it runs as a guest in
 * the host's actor system ({@link #embed}), whose configuration it leaves as it is. Thread-safe.
 */
public final class Flotilla implements AutoCloseable {

  /** Numbers the engines embedded in this JVM, so each has its own actor name in its host. */
  private static final AtomicInteger EMBEDDED = new AtomicInteger();

  /**
   * Completes results, so that callers' callbacks never run on the engine's threads. Shared by the
   * engines of the JVM; its daemon threads end when idle.
   */
  private static final Executor RESULTS = resultsExecutor();

  private final ActorSystem<?> system;
  private final ActorRef<EngineActor.Command> engine;
  private final EngineSettings settings;
  private final boolean ownsSystem;

  /** Where new deployment ids come from: {@link DeploymentIds}, or a test's own source. */
  private final Supplier<String> ids;

  /**
   * Every deployment the engine knows (queued, running, stopping), by id: an id in use is refused.
   */
  private final Map<String, Submitted> known = new ConcurrentHashMap<>();

  private final AtomicBoolean closed = new AtomicBoolean();

  private Flotilla(
      ActorSystem<?> system,
      ActorRef<EngineActor.Command> engine,
      EngineSettings settings,
      boolean ownsSystem) {
    this(system, engine, settings, ownsSystem, new DeploymentIds()::next);
  }

  private Flotilla(
      ActorSystem<?> system,
      ActorRef<EngineActor.Command> engine,
      EngineSettings settings,
      boolean ownsSystem,
      Supplier<String> ids) {
    this.ids = ids;
    this.system = system;
    this.engine = engine;
    this.settings = settings;
    this.ownsSystem = ownsSystem;
  }

  /**
   * An engine in its own actor system, configured from {@code application.conf} and the defaults.
   */
  public static Flotilla start() {
    Config config = ConfigFactory.load();
    return start(EngineSettings.fromConfig(config), config);
  }

  /** An engine in its own actor system with these settings. */
  public static Flotilla start(EngineSettings settings) {
    return start(settings, ConfigFactory.load());
  }

  /**
   * An engine in its own actor system named {@code flotilla}, configured by {@link
   * #ownSystemConfig} from {@code config}.
   */
  public static Flotilla start(EngineSettings settings, Config config) {
    ActorSystem<EngineActor.Command> system =
        ActorSystem.create(EngineActor.create(settings), "flotilla", ownSystemConfig(config));
    return new Flotilla(system, system, settings, true);
  }

  /** An engine in its own actor system whose deployment ids come from {@code ids}: for tests. */
  static Flotilla start(EngineSettings settings, Supplier<String> ids) {
    Config config = ConfigFactory.load();
    ActorSystem<EngineActor.Command> system =
        ActorSystem.create(EngineActor.create(settings), "flotilla", ownSystemConfig(config));
    return new Flotilla(system, system, settings, true, ids);
  }

  /**
   * The configuration of the engine's own actor system: {@code config} under the Pekko settings of
   * {@code flotilla.own-system} (SLF4J logging, never {@code System.exit} on a fatal error, no Java
   * serialization), with the default dispatcher sized by {@code flotilla.threads} (0: one thread
   * per core, at least 2). The engine's actors never block (actions block on {@code
   * flotilla.blocking-dispatcher}), and on a machine of few cores Pekko's default of at least 8
   * threads spends its time waking parked threads to hand messages over (docs/benchmarks.md has the
   * measurement). A host's own system ({@link #embed}) keeps its own settings.
   *
   * @throws IllegalArgumentException if {@code flotilla.threads} is negative
   */
  public static Config ownSystemConfig(Config config) {
    int threads = config.getInt("flotilla.threads");
    if (threads < 0) {
      throw new IllegalArgumentException(
          "flotilla.threads must be 0 (one per core) or more, was " + threads);
    }
    int parallelism =
        threads > 0 ? threads : Math.max(2, Runtime.getRuntime().availableProcessors());
    return ConfigFactory.parseMap(
            Map.of(
                "pekko.actor.default-dispatcher.fork-join-executor.parallelism-min", parallelism,
                "pekko.actor.default-dispatcher.fork-join-executor.parallelism-max", parallelism),
            "flotilla.threads")
        .withFallback(config.getConfig("flotilla.own-system"))
        .withFallback(config);
  }

  /**
   * An engine that runs as a guest in the host's actor system, with settings from the host's
   * configuration ({@code flotilla} section, the engine's {@code reference.conf} for the rest).
   */
  public static Flotilla embed(ActorSystem<?> host) {
    return embed(host, EngineSettings.fromConfig(host.settings().config()));
  }

  /**
   * An engine that runs as a guest in the host's actor system: its actors live under the host's
   * system guardian (as {@code flotilla-N}) and run on the host's default dispatcher; nothing of
   * the host's configuration is changed. {@link #close} stops the engine and leaves the host
   * running; terminating the host stops the engine too.
   */
  public static Flotilla embed(ActorSystem<?> host, EngineSettings settings) {
    ActorRef<EngineActor.Command> engine =
        host.systemActorOf(
            EngineActor.create(settings), "flotilla-" + EMBEDDED.incrementAndGet(), Props.empty());
    return new Flotilla(host, engine, settings, false);
  }

  /**
   * An engine whose deployments are run by another engine actor than this module's, in {@code
   * system}: the seam through which Flotilla's own modules (the cluster's nodes) offer this same
   * API. {@code engine} takes the commands of {@link EngineActor}; the handles this engine gives
   * out hear their deployments' events from it. Hosts use {@link #start} or {@link #embed}.
   *
   * @param ownsSystem whether {@link #close} terminates {@code system} (else it stops {@code
   *     engine})
   */
  public static Flotilla runningOn(
      ActorSystem<?> system,
      ActorRef<EngineActor.Command> engine,
      EngineSettings settings,
      boolean ownsSystem) {
    return new Flotilla(system, engine, settings, ownsSystem);
  }

  /** A loader for plan files that knows this engine's action types. */
  public PlanLoader planLoader() {
    return new PlanLoader(settings.actionTypes());
  }

  public EngineSettings settings() {
    return settings;
  }

  /**
   * The actor system the engine runs in: its own ({@link #start}) or the host's ({@link #embed}).
   */
  public ActorSystem<?> system() {
    return system;
  }

  /** Submits a deployment; see {@link #submit(DeploymentPlan, DeploymentListener)}. */
  public DeploymentHandle submit(DeploymentPlan plan) throws InvalidPlanException {
    return submit(plan, DeploymentListener.NONE);
  }

  /**
   * Checks the plan, then queues it under a new deployment id: it runs once the engine's deployment
   * cap and its concurrency tag allow. An invalid plan is rejected here and nothing is started.
   *
   * @param listener hears every event and output line, from the deployment's actor
   * @throws IllegalStateException if the new id is in use by a deployment this engine knows (ids
   *     have 80 random bits: this means a broken random source), or the engine is closed
   */
  public DeploymentHandle submit(DeploymentPlan plan, DeploymentListener listener)
      throws InvalidPlanException {
    PlanLoader.validate(plan, settings.actionTypes());
    Submitted handle = register(new Submitted(ids.get(), plan.masked(), listener));
    engine.tell(new EngineActor.Submit(handle.deploymentId(), plan, handle));
    return handle;
  }

  /**
   * Resumes a deployment that its journal records as unfinished: it recovers, waits for the caps
   * like any deployment, then runs what it has left. For durable engines; the persistence module
   * finds the unfinished deployments and their history.
   *
   * @param history the events recorded so far, so the handle's timeline starts complete
   * @throws IllegalArgumentException if the history does not start with the deployment's acceptance
   * @throws IllegalStateException if this engine already runs (or holds queued) a deployment of
   *     that id, or the engine is closed
   */
  public DeploymentHandle resume(
      String deploymentId, List<DeploymentEvent> history, DeploymentListener listener) {
    return resume(deploymentId, history, listener, Map.of());
  }

  /**
   * Resumes a deployment as {@link #resume(String, List, DeploymentListener)} does, with the values
   * of its sensitive variables: its journal holds them masked.
   *
   * @param secrets each sensitive variable's value by name ({@code Name[1]} for its first scoped
   *     value, and so on)
   * @throws IllegalArgumentException naming the sensitive variables {@code secrets} lacks
   */
  public DeploymentHandle resume(
      String deploymentId,
      List<DeploymentEvent> history,
      DeploymentListener listener,
      Map<String, String> secrets) {
    if (history.isEmpty()
        || !(history.get(0) instanceof DeploymentEvent.DeploymentAccepted accepted)) {
      throw new IllegalArgumentException(
          "deployment " + deploymentId + " has no recorded plan to resume");
    }
    DeploymentPlan plan = accepted.plan().unmasked(secrets);
    List<String> missing = missingSecrets(plan);
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "deployment "
              + deploymentId
              + " cannot resume without its sensitive variables, which its journal holds masked: "
              + String.join(", ", missing)
              + "; give each again (flotilla resume --set NAME=VALUE, or NAME in the environment)");
    }
    Submitted handle = new Submitted(deploymentId, accepted.plan(), listener);
    history.forEach(handle.timeline::append);
    register(handle);
    engine.tell(new EngineActor.Resume(deploymentId, plan, handle));
    return handle;
  }

  /**
   * The sensitive values of a plan still masked, by the names {@link DeploymentPlan#secrets} uses.
   */
  public static List<String> missingSecrets(DeploymentPlan plan) {
    return plan.secrets().entrySet().stream()
        .filter(e -> DeploymentPlan.MASK.equals(e.getValue()))
        .map(Map.Entry::getKey)
        .toList();
  }

  /**
   * Answers intervention {@code number} of deployment {@code deploymentId}, which this engine runs:
   * see {@link DeploymentHandle#answer}. An id the engine does not run is refused with {@link
   * InterventionReply.Outcome#UNKNOWN_DEPLOYMENT}. Never completes exceptionally.
   */
  public CompletionStage<InterventionReply> answer(
      String deploymentId, int number, InterventionDecision decision, String by, String note) {
    Submitted known = this.known.get(deploymentId);
    if (known != null) {
      return known.answer(number, decision, by, note);
    }
    return ask(deploymentId, number, decision, by, note);
  }

  /**
   * The interventions of deployment {@code deploymentId} waiting for an answer now; empty if the
   * engine does not run it (queued, running or stopping).
   */
  public Optional<List<Timeline.InterventionEntry>> interventions(String deploymentId) {
    return Optional.ofNullable(known.get(deploymentId)).map(DeploymentHandle::interventions);
  }

  private CompletionStage<InterventionReply> ask(
      String deploymentId, int number, InterventionDecision decision, String by, String note) {
    if (decision == null) {
      return CompletableFuture.completedFuture(
          InterventionReply.of(
              InterventionReply.Outcome.NOT_ALLOWED, "an answer needs a decision"));
    }
    // The engine's own time limit for anything it is asked to stop or answer.
    Duration timeout = settings.closeTimeout();
    CompletionStage<InterventionReply> asked =
        AskPattern.<EngineActor.Command, InterventionReply>ask(
            engine,
            replyTo -> new EngineActor.Answer(deploymentId, number, decision, by, note, replyTo),
            timeout,
            system.scheduler());
    CompletableFuture<InterventionReply> reply = new CompletableFuture<>();
    asked.whenCompleteAsync(
        (value, error) ->
            reply.complete(
                error == null
                    ? value
                    : InterventionReply.of(
                        InterventionReply.Outcome.UNKNOWN_DEPLOYMENT,
                        "deployment "
                            + deploymentId
                            + " did not answer within "
                            + timeout.toMillis()
                            + " ms; it may have finished")),
        RESULTS);
    return reply;
  }

  private Submitted register(Submitted handle) {
    if (closed.get()) {
      throw new IllegalStateException(
          "the engine is closed: deployment " + handle.deploymentId() + " not taken");
    }
    if (known.putIfAbsent(handle.deploymentId(), handle) != null) {
      throw new IllegalStateException(
          "deployment id "
              + handle.deploymentId()
              + " is in use: this engine runs or holds queued a deployment of that id");
    }
    return handle;
  }

  /**
   * Stops the engine: its own actor system ({@link #start}), or its actors in the host's system
   * ({@link #embed}), waiting up to {@code flotilla.close-timeout}. Deployments still running stop
   * where they are: their actions are cancelled and their guards released, but nothing more is
   * recorded and their results do not complete. A durable engine resumes them on its next start; to
   * end them first, cancel them and wait for their results. Closing again does nothing.
   *
   * @throws IllegalStateException if the engine did not stop in time
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)
        || system.getWhenTerminated().toCompletableFuture().isDone()) {
      return;
    }
    Duration timeout = settings.closeTimeout();
    CompletionStage<?> stopped =
        ownsSystem
            ? terminate(system)
            : AskPattern.<EngineActor.Command, Done>ask(
                engine, EngineActor.Stop::new, timeout, system.scheduler());
    try {
      stopped.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "the engine did not stop within " + timeout.toMillis() + " ms", e);
    }
  }

  private static CompletionStage<?> terminate(ActorSystem<?> system) {
    system.terminate();
    return system.getWhenTerminated();
  }

  private static Executor resultsExecutor() {
    AtomicInteger threads = new AtomicInteger();
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            10,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            runnable -> {
              Thread thread = new Thread(runnable, "flotilla-result-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    return executor;
  }

  /**
   * A submitted deployment: publishes its timeline, passes events on, completes the result. Its
   * events arrive on the deployment's actor, which never waits here: the timeline is appended to
   * without a lock and the result completes on {@link #RESULTS}, where callers' callbacks run.
   */
  private final class Submitted implements DeploymentHandle, EngineActor.Submitter {
    private final String deploymentId;
    private final DeploymentListener listener;
    private final LiveTimeline timeline;
    private final CompletableFuture<DeploymentResult> result = new CompletableFuture<>();

    Submitted(String deploymentId, DeploymentPlan plan, DeploymentListener listener) {
      this.deploymentId = deploymentId;
      this.listener = listener;
      this.timeline =
          new LiveTimeline(
              deploymentId, plan, ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()));
    }

    @Override
    public String deploymentId() {
      return deploymentId;
    }

    @Override
    public CompletionStage<DeploymentResult> result() {
      return result;
    }

    @Override
    public void cancel(String reason) {
      engine.tell(new EngineActor.Cancel(deploymentId, reason));
    }

    @Override
    public Timeline snapshot() {
      return timeline.timeline();
    }

    @Override
    public CompletionStage<InterventionReply> answer(
        int number, InterventionDecision decision, String by, String note) {
      if (result.isDone()) {
        return CompletableFuture.completedFuture(
            InterventionReply.of(
                InterventionReply.Outcome.DEPLOYMENT_FINISHED,
                "deployment "
                    + deploymentId
                    + " has finished ("
                    + result.join().status()
                    + "); its interventions closed with it"));
      }
      return ask(deploymentId, number, decision, by, note);
    }

    @Override
    public void onEvent(DeploymentEvent event) {
      timeline.append(event);
      try {
        listener.onEvent(event);
      } finally {
        if (event instanceof DeploymentFinished finished) {
          DeploymentResult outcome =
              new DeploymentResult(deploymentId, finished.status(), timeline.folded());
          complete(() -> outcome);
        }
      }
    }

    @Override
    public void onLogLine(ExecutionLogLine line) {
      listener.onLogLine(line);
    }

    @Override
    public void refused(String reason) {
      known.remove(deploymentId, this);
      system.log().error("Deployment {} refused: {}", deploymentId, reason);
      complete(
          () -> new DeploymentResult(deploymentId, DeploymentStatus.FAILED, timeline.refused()));
    }

    @Override
    public void released() {
      known.remove(deploymentId, this);
    }

    private void complete(Supplier<DeploymentResult> outcome) {
      RESULTS.execute(
          () -> {
            try {
              result.complete(outcome.get());
            } catch (RuntimeException e) {
              result.completeExceptionally(e);
            }
          });
    }
  }
}
