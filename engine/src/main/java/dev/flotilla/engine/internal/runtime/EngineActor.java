package dev.flotilla.engine.internal.runtime;

import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.action.ActionRuntime;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.deployment.WallClock;
import dev.flotilla.engine.internal.deployment.DeploymentActor;
import dev.flotilla.engine.internal.deployment.DeploymentWatch;
import dev.flotilla.engine.internal.guard.TargetGuards;
import dev.flotilla.engine.model.DeploymentPlan;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * The engine: owns the target guards and admits deployments. At most {@code maxDeployments} run at
 * once, and two deployments with the same concurrency tag never run at once. Deployments wait in
 * one FIFO queue; the first whose tag is free is admitted when a slot opens, so a busy tag never
 * holds back other tags, and within a tag the order of submission is kept. Nothing queued is ever
 * dropped: it runs, or it is cancelled on request.
 */
public final class EngineActor {

  /** Messages the engine understands. */
  public sealed interface Command {}

  /**
   * Who submitted a deployment: hears its events, and hears when the engine refuses it or lets it
   * go. Called from the engine's actors: every callback returns quickly.
   */
  public interface Submitter extends DeploymentListener {

    /** The engine did not take the deployment (its id is in use); nothing of it runs. */
    void refused(String reason);

    /** The engine no longer knows the deployment (it stopped): its id may be used again. */
    void released();
  }

  /** Runs a new deployment once the caps allow it; a deployment id the engine knows is refused. */
  public record Submit(String deploymentId, DeploymentPlan plan, Submitter listener)
      implements Command {}

  /**
   * Recovers a deployment from the journal and runs what it has left once the caps allow it.
   *
   * @param plan the plan its journal records, for its concurrency tag
   */
  public record Resume(String deploymentId, DeploymentPlan plan, Submitter listener)
      implements Command {}

  /** Cancels a queued or running deployment; unknown or finished ids are ignored. */
  public record Cancel(String deploymentId, String reason) implements Command {}

  /** Answers an intervention of a deployment the engine runs; an unknown id is answered at once. */
  public record Answer(
      String deploymentId,
      int number,
      InterventionDecision decision,
      String by,
      String note,
      ActorRef<InterventionReply> replyTo)
      implements Command {}

  /**
   * Stops the engine, its deployments where they are and its guards; answered once all have
   * stopped.
   */
  public record Stop(ActorRef<Done> replyTo) implements Command {}

  private record Entry(
      String deploymentId,
      String tag,
      ActorRef<DeploymentActor.Command> deployment,
      DeploymentWatch watch,
      Submitter submitter) {}

  /**
   * Queued and running deployments; immutable.
   *
   * @param queued waiting, in submission order
   * @param running admitted, by id
   */
  private record State(PVector<Entry> queued, PMap<String, Entry> running) {
    boolean tagBusy(String tag) {
      return running.values().stream().anyMatch(entry -> entry.tag().equals(tag));
    }

    Entry find(ActorRef<?> deployment) {
      for (Entry entry : running.values()) {
        if (entry.deployment().equals(deployment)) {
          return entry;
        }
      }
      return queued.stream()
          .filter(e -> e.deployment().equals(deployment))
          .findFirst()
          .orElse(null);
    }

    Entry find(String deploymentId) {
      Entry entry = running.get(deploymentId);
      if (entry != null) {
        return entry;
      }
      return queued.stream()
          .filter(e -> e.deploymentId().equals(deploymentId))
          .findFirst()
          .orElse(null);
    }

    State without(String deploymentId) {
      PVector<Entry> stillQueued = queued;
      for (int i = 0; i < queued.size(); i++) {
        if (queued.get(i).deploymentId().equals(deploymentId)) {
          stillQueued = queued.minus(i);
          break;
        }
      }
      return new State(stillQueued, running.minus(deploymentId));
    }
  }

  private final ActorContext<Command> context;
  private final EngineSettings settings;
  private final ActorRef<TargetGuards.Command> guards;
  private final ActionRuntime runtime;
  private final DeploymentActor.Store store;

  private EngineActor(
      ActorContext<Command> context, EngineSettings settings, ActionRuntime runtime) {
    this.context = context;
    this.settings = settings;
    this.runtime = runtime;
    EngineSettings.Journal journal = settings.journal();
    this.store =
        new DeploymentActor.Store(
            journal.journalPluginId(),
            journal.snapshotPluginId(),
            journal.durable(),
            journal.snapshotEvery());
    this.guards = context.spawn(TargetGuards.create(settings.guardIdleTimeout()), "guards");
  }

  public static Behavior<Command> create(EngineSettings settings) {
    return Behaviors.setup(
        context -> {
          ScheduledExecutorService timer =
              Executors.newSingleThreadScheduledExecutor(
                  runnable -> {
                    Thread thread = new Thread(runnable, "flotilla-timer");
                    thread.setDaemon(true);
                    return thread;
                  });
          ActionRuntime runtime =
              new ActionRuntime(
                  timer,
                  context
                      .getSystem()
                      .dispatchers()
                      .lookup(DispatcherSelector.fromConfig("flotilla.blocking-dispatcher")));
          return new EngineActor(context, settings, runtime)
              .serving(new State(TreePVector.empty(), HashTreePMap.empty()));
        });
  }

  private Behavior<Command> serving(State state) {
    return Behaviors.receive(Command.class)
        .onMessage(
            Submit.class,
            submit ->
                onSubmit(state, submit.deploymentId(), submit.plan(), submit.listener(), true))
        .onMessage(
            Resume.class,
            resume ->
                onSubmit(state, resume.deploymentId(), resume.plan(), resume.listener(), false))
        .onMessage(Cancel.class, cancel -> onCancel(state, cancel))
        .onMessage(Answer.class, answer -> onAnswer(state, answer))
        .onSignal(
            ChildFailed.class,
            failed ->
                onDeploymentStopped(
                    state,
                    failed.getRef(),
                    "the deployment's actor failed: " + describe(failed.getCause())))
        .onSignal(
            Terminated.class,
            stopped ->
                onDeploymentStopped(
                    state,
                    stopped.getRef(),
                    "the deployment's actor stopped before the deployment finished"))
        // A stopped behavior hears PostStop instead of this one: it shuts the timer down too.
        .onMessage(
            Stop.class,
            stop ->
                Behaviors.stopped(
                    () -> {
                      runtime.timer().shutdownNow();
                      stop.replyTo().tell(Done.getInstance());
                    }))
        .onSignal(
            PostStop.class,
            signal -> {
              runtime.timer().shutdownNow();
              return Behaviors.same();
            })
        .build();
  }

  private Behavior<Command> onSubmit(
      State state, String deploymentId, DeploymentPlan plan, Submitter listener, boolean isNew) {
    if (state.find(deploymentId) != null) {
      listener.refused(
          "deployment id "
              + deploymentId
              + " is in use by a deployment the engine runs or holds queued");
      return Behaviors.same();
    }
    DeploymentActor.Wiring wiring =
        new DeploymentActor.Wiring(
            settings.actionTypes(),
            listener,
            guards,
            runtime,
            settings.logTailLines(),
            settings.maxBatch(),
            settings.batchHold(),
            store,
            settings.guardsTimeout());
    DeploymentWatch watch = new DeploymentWatch(deploymentId, plan, listener, !isNew);
    ActorRef<DeploymentActor.Command> deployment =
        context.spawn(
            DeploymentActor.create(deploymentId, wiring, watch), "deployment-" + deploymentId);
    if (isNew) {
      deployment.tell(new DeploymentActor.Accept(plan));
    }
    context.watch(deployment);
    Entry entry = new Entry(deploymentId, plan.concurrencyTag(), deployment, watch, listener);
    return serving(admit(new State(state.queued().plus(entry), state.running())));
  }

  private Behavior<Command> onCancel(State state, Cancel cancel) {
    Entry entry = state.find(cancel.deploymentId());
    if (entry != null) {
      entry.deployment().tell(new DeploymentActor.Cancel(cancel.reason()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onAnswer(State state, Answer answer) {
    Entry entry = state.find(answer.deploymentId());
    if (entry == null) {
      answer
          .replyTo()
          .tell(
              InterventionReply.of(
                  InterventionReply.Outcome.UNKNOWN_DEPLOYMENT,
                  "this engine runs no deployment " + answer.deploymentId()));
    } else {
      entry
          .deployment()
          .tell(
              new DeploymentActor.Answer(
                  answer.number(),
                  answer.decision(),
                  answer.by(),
                  answer.note(),
                  answer.replyTo()));
    }
    return Behaviors.same();
  }

  /**
   * A deployment's actor stopped: normally once its deployment finished. If it had not, the
   * deployment ends FAILED with {@code reason}, for its listener and handle, from what it recorded
   * last. Either way its slot is free.
   */
  private Behavior<Command> onDeploymentStopped(
      State state, ActorRef<?> deployment, String reason) {
    Entry entry = state.find(deployment);
    if (entry == null) {
      return Behaviors.same();
    }
    if (!entry.watch().finished()) {
      context.getLog().error("Deployment {} ends FAILED: {}", entry.deploymentId(), reason);
      entry.watch().stopped(reason, WallClock.nowMicros());
    }
    // The id may be used again only once the deployment's end has reached its submitter.
    entry.submitter().released();
    return serving(admit(state.without(entry.deploymentId())));
  }

  private static String describe(Throwable error) {
    StringBuilder text = new StringBuilder();
    for (Throwable cause = error;
        cause != null;
        cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (text.length() > 0) {
        text.append(": ");
      }
      text.append(
          cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName());
    }
    return text.toString();
  }

  /** Admits queued deployments, in order, while a slot is free and their tag is not running. */
  private State admit(State state) {
    State current = state;
    int index = 0;
    while (index < current.queued().size()
        && current.running().size() < settings.maxDeployments()) {
      Entry entry = current.queued().get(index);
      if (current.tagBusy(entry.tag())) {
        index++;
        continue;
      }
      entry.deployment().tell(DeploymentActor.Admit.INSTANCE);
      current =
          new State(
              current.queued().minus(index), current.running().plus(entry.deploymentId(), entry));
    }
    return current;
  }
}
