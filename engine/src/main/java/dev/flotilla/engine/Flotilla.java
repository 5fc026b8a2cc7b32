package dev.flotilla.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.plan.InvalidPlanException;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.engine.runtime.EngineActor;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineRecorder;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;

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
 * <p>Either the engine owns its actor system ({@link #start}), or the host spawns
 * {@link #behavior} into its own system and {@link #attach}es to it.
 */
public final class Flotilla implements AutoCloseable {

  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");

  private final ActorSystem<?> system;
  private final ActorRef<EngineActor.Command> engine;
  private final EngineSettings settings;
  private final boolean ownsSystem;

  private Flotilla(ActorSystem<?> system, ActorRef<EngineActor.Command> engine, EngineSettings settings,
      boolean ownsSystem) {
    this.system = system;
    this.engine = engine;
    this.settings = settings;
    this.ownsSystem = ownsSystem;
  }

  /** An engine in its own actor system, configured from {@code application.conf} and the defaults. */
  public static Flotilla start() {
    Config config = ConfigFactory.load();
    return start(EngineSettings.fromConfig(config), config);
  }

  /** An engine in its own actor system with these settings. */
  public static Flotilla start(EngineSettings settings) {
    return start(settings, ConfigFactory.load());
  }

  /**
   * An engine in its own actor system named {@code flotilla}, with this configuration; its
   * dispatcher has {@code flotilla.threads} threads (see {@link #ownSystemConfig}).
   */
  public static Flotilla start(EngineSettings settings, Config config) {
    ActorSystem<EngineActor.Command> system = ActorSystem.create(behavior(settings), "flotilla", ownSystemConfig(config));
    return new Flotilla(system, system, settings, true);
  }

  /**
   * The configuration of the engine's own actor system: {@code config} with the default dispatcher
   * sized by {@code flotilla.threads} (0: one thread per core, at least 2). The engine's actors
   * never block (actions block on {@code flotilla.blocking-dispatcher}), and on a machine of few
   * cores Pekko's default of at least 8 threads spends its time waking parked threads to hand
   * messages over (docs/benchmarks.md has the measurement). A host that spawns the engine into its
   * own system keeps its own dispatcher settings.
   *
   * @throws IllegalArgumentException if {@code flotilla.threads} is negative
   */
  public static Config ownSystemConfig(Config config) {
    int threads = config.getInt("flotilla.threads");
    if (threads < 0) {
      throw new IllegalArgumentException("flotilla.threads must be 0 (one per core) or more, was " + threads);
    }
    int parallelism = threads > 0 ? threads : Math.max(2, Runtime.getRuntime().availableProcessors());
    return ConfigFactory.parseMap(Map.of(
            "pekko.actor.default-dispatcher.fork-join-executor.parallelism-min", parallelism,
            "pekko.actor.default-dispatcher.fork-join-executor.parallelism-max", parallelism),
            "flotilla.threads")
        .withFallback(config);
  }

  /** The engine as a behavior, for a host that spawns it into its own actor system. */
  public static Behavior<EngineActor.Command> behavior(EngineSettings settings) {
    return EngineActor.create(settings);
  }

  /** The API over an engine the host spawned from {@link #behavior} with the same settings. */
  public static Flotilla attach(ActorSystem<?> system, ActorRef<EngineActor.Command> engine, EngineSettings settings) {
    return new Flotilla(system, engine, settings, false);
  }

  /** A loader for plan files that knows this engine's action types. */
  public PlanLoader planLoader() {
    return new PlanLoader(settings.actionTypes());
  }

  public EngineSettings settings() {
    return settings;
  }

  public ActorSystem<?> system() {
    return system;
  }

  /** Submits a deployment; see {@link #submit(DeploymentPlan, DeploymentListener)}. */
  public DeploymentHandle submit(DeploymentPlan plan) throws InvalidPlanException {
    return submit(plan, DeploymentListener.NONE);
  }

  /**
   * Checks the plan, then queues it: it runs once the engine's deployment cap and its
   * concurrency tag allow. An invalid plan is rejected here and nothing is started.
   *
   * @param listener hears every event and output line, from the deployment's actor
   */
  public DeploymentHandle submit(DeploymentPlan plan, DeploymentListener listener) throws InvalidPlanException {
    PlanLoader.validate(plan, settings.actionTypes());
    Submitted handle = new Submitted(newDeploymentId(), engine, listener);
    engine.tell(new EngineActor.Submit(handle.deploymentId(), plan, handle));
    return handle;
  }

  /**
   * Resumes a deployment that its journal records as unfinished: it recovers, waits for the caps
   * like any deployment, then runs what it has left. For durable engines; the persistence module
   * finds the unfinished deployments and their history.
   *
   * @param history the events recorded so far, so the handle's timeline starts complete
   */
  public DeploymentHandle resume(String deploymentId, List<DeploymentEvent> history, DeploymentListener listener) {
    if (history.isEmpty() || !(history.get(0) instanceof DeploymentEvent.DeploymentAccepted accepted)) {
      throw new IllegalArgumentException("deployment " + deploymentId + " has no recorded plan to resume");
    }
    Submitted handle = new Submitted(deploymentId, engine, listener);
    handle.replay(history);
    engine.tell(new EngineActor.Resume(deploymentId, accepted.plan(), handle));
    return handle;
  }

  private static String newDeploymentId() {
    return LocalDateTime.now().format(ID_TIME) + "-"
        + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
  }

  /**
   * Stops an engine that owns its actor system (an attached engine is the host's to stop).
   * Deployments still running stop where they are: their actions are cancelled and their guards
   * released, but nothing more is recorded and their results do not complete. A durable engine
   * resumes them on its next start; to end them first, cancel them and wait for their results.
   */
  @Override
  public void close() {
    if (ownsSystem) {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
        throw new IllegalStateException("the engine did not stop within 30 s", e);
      }
    }
  }

  /** A submitted deployment: records its timeline, passes events on, completes the result. */
  private static final class Submitted implements DeploymentHandle, DeploymentListener {
    private final String deploymentId;
    private final ActorRef<EngineActor.Command> engine;
    private final DeploymentListener listener;
    private final TimelineRecorder recorder = new TimelineRecorder();
    private final CompletableFuture<DeploymentResult> result = new CompletableFuture<>();

    Submitted(String deploymentId, ActorRef<EngineActor.Command> engine, DeploymentListener listener) {
      this.deploymentId = deploymentId;
      this.engine = engine;
      this.listener = listener;
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
      synchronized (recorder) {
        return recorder.timeline();
      }
    }

    @Override
    public void onEvent(DeploymentEvent event) {
      Timeline finalTimeline = null;
      synchronized (recorder) {
        recorder.onEvent(event);
        if (event instanceof DeploymentFinished) {
          finalTimeline = recorder.timeline();
        }
      }
      try {
        listener.onEvent(event);
      } finally {
        if (event instanceof DeploymentFinished finished) {
          result.complete(new DeploymentResult(deploymentId, finished.status(), finalTimeline));
        }
      }
    }

    /** Feeds recorded history to the timeline only; the listener hears what happens from now on. */
    void replay(List<DeploymentEvent> history) {
      synchronized (recorder) {
        history.forEach(recorder::onEvent);
      }
    }

    @Override
    public void onLogLine(ExecutionLogLine line) {
      listener.onLogLine(line);
    }
  }

}
