package dev.flotilla.engine.internal.deployment;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionRuntime;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.deployment.WallClock;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.ApproveStart;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.AwaitAnswer;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.Decision;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.DeliverAnswer;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.Directive;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.PassOnLog;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.RunBlock;
import dev.flotilla.engine.internal.deployment.DeploymentDecider.TargetExcluded;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.Report;
import dev.flotilla.engine.internal.guard.TargetGuard;
import dev.flotilla.engine.internal.guard.TargetGuards;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import dev.flotilla.engine.variables.Masking;
import dev.flotilla.engine.variables.Substitution;
import dev.flotilla.engine.variables.VariableResolver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One deployment, event-sourced: the shell around {@link DeploymentDecider}. Each command or batch
 * of reports goes to the decider, whose events are persisted together (one journal write), then
 * applied to the immutable {@link DeploymentState}, handed to the listener, and only then acted on:
 * blocks are spawned, starts approved. An execution's start is recorded before its action runs
 * (write-ahead). Its children report through a {@link DeploymentInbox} (group commit).
 *
 * <p>After the engine restarts, the deployment recovers from its journal and waits for the engine
 * to admit it again; it then records the executions that were in flight as interrupted and carries
 * on with what is left of its current block. Nothing recorded as finished runs again.
 *
 * <p>Failures: a durable deployment whose journal fails restarts with backoff ({@link
 * DeploymentRestart}) and resumes on its own from what its journal holds: what it was asked
 * (accept, admit, cancel) survives the restart here, as the journal may not have recorded it. A
 * deployment that stops before it finished (restarts exhausted, a rejected write, anything thrown)
 * is ended FAILED by the engine through its {@link DeploymentWatch}, through which this actor hands
 * every batch it records to the listener.
 */
public final class DeploymentActor
    extends EventSourcedBehaviorWithEnforcedReplies<
        DeploymentActor.Command, DeploymentEvent, DeploymentState> {

  /** Messages a deployment understands. */
  public sealed interface Command {}

  /** Records the deployment's acceptance; ignored once accepted (a recovered deployment). */
  public record Accept(DeploymentPlan plan) implements Command {}

  /** The engine admits the deployment past its caps: start, or resume after a restart. */
  public enum Admit implements Command {
    INSTANCE
  }

  /** Cancels running actions, skips pending ones, releases every guard and ends CANCELLED. */
  public record Cancel(String reason) implements Command {}

  /**
   * Asks where the deployment stands; answered once whatever it was asked before is recorded (so
   * asked after {@link Accept}, the answer confirms the acceptance is in the journal).
   */
  public record Inquire(ActorRef<Standing> replyTo) implements Command {}

  /**
   * Where a deployment stands, as recorded.
   *
   * @param concurrencyTag its plan's concurrency tag; null until it is accepted
   */
  public record Standing(
      String deploymentId, boolean accepted, boolean finished, String concurrencyTag) {}

  /**
   * Asks whether a lease taken for this deployment can still be in use (see {@link LeaseCheck}).
   */
  public record CheckLease(TargetGuard.Holder lease, ActorRef<LeaseInUse> replyTo)
      implements Command {}

  /** The answer to {@link CheckLease}. */
  public record LeaseInUse(TargetGuard.Holder lease, boolean inUse) {}

  /**
   * A person answers intervention {@code number}; replied to once the answer is recorded, or at
   * once with why it is refused.
   *
   * @param by who answers, as the caller knows them; may be null
   * @param note why; may be null
   */
  public record Answer(
      int number,
      InterventionDecision decision,
      String by,
      String note,
      ActorRef<InterventionReply> replyTo)
      implements Command {}

  /** A batch of reports from the inbox; answered once its events are recorded. */
  record Record(List<Report> reports, ActorRef<DeploymentInbox.Command> inbox) implements Command {}

  private record GuardsResolved(Map<String, ActorRef<TargetGuard.Command>> guards)
      implements Command {}

  private record GuardsUnavailable(String reason) implements Command {}

  /**
   * Where and how a deployment keeps its events.
   *
   * @param journalPluginId the Pekko Persistence journal plugin
   * @param snapshotPluginId the snapshot store plugin; unused when {@code snapshotEvery} is 0
   * @param durable whether events outlive the process: a transient store recovers nothing
   * @param snapshotEvery take a snapshot every this many events (0: never)
   */
  public record Store(
      String journalPluginId, String snapshotPluginId, boolean durable, int snapshotEvery) {
    /** Nothing outlives the process: the engine's transient journal, no recovery, no snapshots. */
    public static final Store TRANSIENT =
        new Store("flotilla.transient-journal", "pekko.persistence.no-snapshot-store", false, 0);
  }

  /**
   * What a deployment needs from the engine.
   *
   * @param maxBatch the most reports recorded in one write
   * @param batchHold the longest a report waits for the ones expected to share its write
   * @param guardsTimeout how long to wait for the registry to hand out the target guards
   */
  public record Wiring(
      ActionTypes actionTypes,
      DeploymentListener listener,
      ActorRef<TargetGuards.Command> guards,
      ActionRuntime runtime,
      int logTailLines,
      int maxBatch,
      Duration batchHold,
      Store store,
      Duration guardsTimeout) {}

  /** How long the target guards may take to answer for a deployment's targets. */
  private final ActorContext<Command> context;

  private final Wiring wiring;
  private final DeploymentWatch watch;

  // What the deployment was asked. Kept here, outside the part a journal failure restarts,
  // because the journal may have lost the events that recorded it.
  private DeploymentPlan plan;
  private boolean admitted;
  private String cancelReason;

  // The current incarnation: set up again after every restart.
  private int incarnation;
  private ActorRef<DeploymentInbox.Command> inbox;
  private boolean guardsRequested;

  /** Fixed once the deployment has its guards; references, not state. */
  private DeploymentContext running;

  /**
   * The decision being persisted and its batch, so that its folded state is reused (see {@link
   * #applyEvent}).
   */
  private Decision persisting;

  /** The executions of this incarnation waiting for an answer, by intervention number. */
  private final Map<Integer, ActorRef<ExecutionActor.Command>> awaiting = new HashMap<>();

  private DeploymentEvent.Batch persistingBatch;

  /**
   * Sensitive outputs in clear, by step and target: the journal holds them masked, so only this
   * incarnation of the engine knows them. Replaced, never changed, as executions get a reference.
   */
  private Map<Integer, Map<String, Map<String, String>>> secretOutputs = Map.of();

  private DeploymentActor(
      ActorContext<Command> context,
      String deploymentId,
      Wiring wiring,
      DeploymentWatch watch,
      BackoffSupervisorStrategy onJournalFailure) {
    super(persistenceId(deploymentId), onJournalFailure);
    this.context = context;
    this.wiring = wiring;
    this.watch = watch;
  }

  /** The journal's name for a deployment. */
  public static PersistenceId persistenceId(String deploymentId) {
    return PersistenceId.of("deployment", deploymentId);
  }

  /**
   * A deployment, new or recovered from its journal.
   *
   * @param watch the engine's hold on it: this actor publishes there what it records
   */
  public static Behavior<Command> create(
      String deploymentId, Wiring wiring, DeploymentWatch watch) {
    return Behaviors.setup(
        context ->
            new DeploymentActor(
                context,
                deploymentId,
                wiring,
                watch,
                // A transient store recovers nothing, so a restart would lose the deployment: it
                // stops.
                wiring.store().durable()
                    ? DeploymentRestart.fromConfig(context.getSystem().settings().config())
                        .strategy()
                    : null));
  }

  @Override
  public DeploymentState emptyState() {
    return DeploymentState.empty();
  }

  @Override
  public String journalPluginId() {
    return wiring.store().journalPluginId();
  }

  @Override
  public String snapshotPluginId() {
    return wiring.store().snapshotPluginId();
  }

  @Override
  public Recovery recovery() {
    return wiring.store().durable() ? super.recovery() : Recovery.disabled();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    int every = wiring.store().snapshotEvery();
    // Old events are kept: they are the deployment's history, which replay reads.
    return every > 0 ? RetentionCriteria.snapshotEvery(every, 2) : RetentionCriteria.disabled();
  }

  /**
   * Applies a persisted event. A decision already folded its events into the state it ends with,
   * and {@link DeploymentState#apply} is a pure function: when the journal confirms exactly the
   * batch being persisted, on the state it was decided on, that state is reused instead of computed
   * twice. Recovery, or anything unexpected, applies the event for real.
   */
  private DeploymentState applyEvent(DeploymentState state, DeploymentEvent event) {
    Decision expected = persisting;
    boolean confirmed = expected != null && event == persistingBatch && state == expected.before();
    persisting = null;
    persistingBatch = null;
    if (confirmed) {
      return expected.after();
    }
    return state.apply(event);
  }

  @Override
  public EventHandler<DeploymentState, DeploymentEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(this::applyEvent);
  }

  @Override
  public SignalHandler<DeploymentState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, DeploymentEvent, DeploymentState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Accept.class, this::onAccept)
        .onCommand(Admit.class, this::onAdmit)
        .onCommand(GuardsResolved.class, this::onGuardsResolved)
        .onCommand(GuardsUnavailable.class, this::onGuardsUnavailable)
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(Record.class, this::onRecord)
        .onCommand(
            Inquire.class,
            (state, inquire) ->
                Effect()
                    .reply(
                        inquire.replyTo(),
                        new Standing(
                            persistenceId().entityId(),
                            state.deploymentId() != null,
                            state.status().isFinal(),
                            state.deploymentId() == null
                                ? null
                                : state.layout().plan().concurrencyTag())))
        .onCommand(
            CheckLease.class,
            (state, check) ->
                Effect()
                    .reply(
                        check.replyTo(),
                        new LeaseInUse(check.lease(), LeaseCheck.inUse(state, check.lease()))))
        .onCommand(Answer.class, this::onAnswer)
        .build();
  }

  // ---- lifecycle ----

  /**
   * Recovered, at the start or after a restart. A new or resumed deployment waits to be accepted or
   * admitted; a restarted one is asked again what it was asked before.
   */
  private void onRecovered(DeploymentState state) {
    incarnation++;
    inbox =
        context.spawn(
            DeploymentInbox.create(context.getSelf(), wiring.maxBatch(), wiring.batchHold()),
            "inbox");
    running = null;
    guardsRequested = false;
    awaiting.clear();
    persisting = null;
    persistingBatch = null;
    watch.recovered(state);
    if (incarnation == 1) {
      return;
    }
    context
        .getLog()
        .warn(
            "Deployment {} restarted after a journal failure; it carries on from what its journal holds",
            persistenceId().entityId());
    if (state.deploymentId() == null && plan != null) {
      context.getSelf().tell(new Accept(plan));
    }
    if (cancelReason != null && !state.cancelRequested()) {
      context.getSelf().tell(new Cancel(cancelReason));
    } else if (admitted) {
      requestGuards(state);
    }
  }

  // ---- commands ----

  private ReplyEffect<DeploymentEvent, DeploymentState> onAccept(
      DeploymentState state, Accept accept) {
    if (plan == null) {
      plan = accept.plan();
    }
    Decision decision =
        DeploymentDecider.accept(
            state, persistenceId().entityId(), accept.plan(), WallClock.nowMicros());
    // Admitted before its acceptance was recorded (it was lost to a journal failure): start now.
    return carryOut(decision).thenRun(this::requestGuards).thenNoReply();
  }

  private ReplyEffect<DeploymentEvent, DeploymentState> onAdmit(
      DeploymentState state, Admit admit) {
    admitted = true;
    if (state.status().isFinal()) {
      return Effect().stop().thenNoReply();
    }
    requestGuards(state);
    return Effect().none().thenNoReply();
  }

  /**
   * Asks for the guards of the deployment's targets, once it is accepted, admitted and still to
   * run.
   */
  private void requestGuards(DeploymentState state) {
    if (!admitted
        || guardsRequested
        || running != null
        || state.deploymentId() == null
        || state.status().isFinal()
        || state.cancelRequested()) {
      return;
    }
    guardsRequested = true;
    Set<String> targets = new LinkedHashSet<>();
    for (StepInfo step : state.layout().steps()) {
      targets.addAll(step.targets());
    }
    context.ask(
        TargetGuards.Resolved.class,
        wiring.guards(),
        wiring.guardsTimeout(),
        replyTo -> new TargetGuards.Resolve(targets, context.getSelf(), replyTo),
        (resolved, error) ->
            error != null
                ? new GuardsUnavailable("target guards did not answer: " + error.getMessage())
                : new GuardsResolved(resolved.guards()));
  }

  private ReplyEffect<DeploymentEvent, DeploymentState> onGuardsResolved(
      DeploymentState state, GuardsResolved resolved) {
    if (state.status().isFinal() || state.cancelRequested() || running != null) {
      return Effect().none().thenNoReply();
    }
    List<Action> actions;
    try {
      actions = configureActions(state.layout());
    } catch (Exception e) {
      return cannotRun(
          state, e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    }
    // The journal holds the plan with its sensitive values masked; what runs needs them in clear.
    PlanLayout layout =
        plan != null && !plan.sensitive().isEmpty() ? PlanLayout.of(plan) : state.layout();
    running =
        new DeploymentContext(
            state.deploymentId(),
            layout,
            actions,
            resolved.guards(),
            wiring.runtime(),
            wiring.logTailLines(),
            inbox,
            wiring.actionTypes(),
            Masking.ofValues(layout.plan().secrets().values()),
            new java.util.concurrent.atomic.AtomicReference<>(new RunFacts(state, secretOutputs)));
    return carryOut(DeploymentDecider.start(state, WallClock::nowMicros)).thenNoReply();
  }

  private ReplyEffect<DeploymentEvent, DeploymentState> onGuardsUnavailable(
      DeploymentState state, GuardsUnavailable unavailable) {
    if (state.status().isFinal() || running != null) {
      return Effect().none().thenNoReply();
    }
    return cannotRun(state, unavailable.reason());
  }

  private ReplyEffect<DeploymentEvent, DeploymentState> cannotRun(
      DeploymentState state, String reason) {
    context
        .getLog()
        .error("Deployment {} cannot run on this engine: {}", state.deploymentId(), reason);
    return carryOut(DeploymentDecider.cannotRun(state, reason, WallClock.nowMicros()))
        .thenNoReply();
  }

  private ReplyEffect<DeploymentEvent, DeploymentState> onCancel(
      DeploymentState state, Cancel cancel) {
    if (state.status().isFinal()) {
      return Effect().stop().thenNoReply();
    }
    if (cancelReason == null) {
      cancelReason = cancel.reason();
    }
    return carryOut(DeploymentDecider.cancel(state, cancel.reason(), WallClock.nowMicros()))
        .thenNoReply();
  }

  private ReplyEffect<DeploymentEvent, DeploymentState> onAnswer(
      DeploymentState state, Answer answer) {
    InterventionReply refused =
        DeploymentDecider.refusal(state, answer.number(), answer.decision());
    if (refused != null) {
      return Effect().reply(answer.replyTo(), refused);
    }
    Decision decision =
        DeploymentDecider.answer(
            state,
            answer.number(),
            answer.decision(),
            answer.by(),
            answer.note(),
            WallClock.nowMicros());
    return carryOut(decision)
        .thenReply(
            answer.replyTo(),
            s ->
                InterventionReply.of(
                    InterventionReply.Outcome.ACCEPTED,
                    "intervention "
                        + answer.number()
                        + ": "
                        + answer.decision().wireName()
                        + " recorded"
                        + (answer.by() == null ? "" : " (by " + answer.by() + ")")));
  }

  private ReplyEffect<DeploymentEvent, DeploymentState> onRecord(
      DeploymentState state, Record record) {
    if (!record.inbox().equals(inbox)) {
      // From the inbox of an incarnation before a restart: its children, and what they reported,
      // are gone.
      return Effect().none().thenNoReply();
    }
    rememberSecretOutputs(record.reports());
    return carryOut(DeploymentDecider.record(state, record.reports(), WallClock::nowMicros))
        .thenReply(record.inbox(), s -> DeploymentInbox.Recorded.INSTANCE);
  }

  /** Keeps the clear values of sensitive outputs, which the journal records masked. */
  private void rememberSecretOutputs(List<Report> reports) {
    for (Report report : reports) {
      if (report instanceof DeploymentInbox.ExecutionEnded ended
          && !ended.sensitiveOutputs().isEmpty()
          && ended.status() == ExecutionStatus.SUCCEEDED) {
        Map<Integer, Map<String, Map<String, String>>> copy = new HashMap<>(secretOutputs);
        Map<String, Map<String, String>> byTarget =
            new HashMap<>(copy.getOrDefault(ended.step(), Map.of()));
        Map<String, String> values = new LinkedHashMap<>();
        ended.sensitiveOutputs().forEach(name -> values.put(name, ended.outputs().get(name)));
        byTarget.put(ended.target() == null ? VariableResolver.ENGINE : ended.target(), values);
        copy.put(ended.step(), Map.copyOf(byTarget));
        secretOutputs = Map.copyOf(copy);
      }
    }
  }

  // ---- carrying out decisions ----

  /**
   * Persists a decision's events as one batch; once they are recorded, publishes the state to the
   * engine, hands the events to the listener, carries out the directives and, if the deployment is
   * over, stops (which takes every child with it: running actions are cancelled, guards released).
   */
  private EffectBuilder<DeploymentEvent, DeploymentState> carryOut(Decision decision) {
    if (decision.events().isEmpty()) {
      return decision.directives().isEmpty()
          ? Effect().none()
          : Effect()
              .none()
              .thenRun(state -> decision.directives().forEach(d -> carryOut(d, state)));
    }
    persisting = decision;
    persistingBatch = new DeploymentEvent.Batch(decision.events(), decision.after().events());
    EffectBuilder<DeploymentEvent, DeploymentState> effect =
        Effect()
            .persist(persistingBatch)
            .thenRun(
                state -> {
                  watch.published(state, decision.events());
                  if (running != null) {
                    running.facts().set(new RunFacts(state, secretOutputs));
                  }
                  decision.directives().forEach(d -> carryOut(d, state));
                });
    return decision.finished() ? effect.thenStop() : effect;
  }

  private void carryOut(Directive directive, DeploymentState state) {
    if (directive instanceof ApproveStart approve) {
      approve
          .execution()
          .tell(new ExecutionActor.StartApproved(new RunFacts(state, secretOutputs)));
    } else if (directive instanceof RunBlock block) {
      context.spawn(
          StepBlockActor.create(running, block.block(), block.steps(), block.work()),
          "block-" + block.block());
    } else if (directive instanceof PassOnLog log) {
      notifyLog(log.line());
    } else if (directive instanceof AwaitAnswer await) {
      awaiting.put(await.number(), await.execution());
    } else if (directive instanceof DeliverAnswer deliver) {
      ActorRef<ExecutionActor.Command> execution =
          deliver.execution() != null ? deliver.execution() : awaiting.remove(deliver.number());
      if (execution != null) {
        execution.tell(
            new ExecutionActor.InterventionDecided(deliver.number(), deliver.decision()));
      }
    } else if (directive instanceof TargetExcluded excluded) {
      excluded.execution().tell(ExecutionActor.Excluded.INSTANCE);
    }
  }

  private List<Action> configureActions(PlanLayout layout) throws Exception {
    List<Action> actions = new ArrayList<>();
    for (StepInfo step : layout.steps()) {
      if (step.step().isRolling()) {
        actions.add(null);
        continue;
      }
      if (Substitution.needed(step.step().action().parameters())) {
        // Configured per execution, once its variables are known.
        actions.add(null);
        continue;
      }
      try {
        actions.add(wiring.actionTypes().configure(step.step().action()));
      } catch (Exception e) {
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        throw new IllegalArgumentException("step \"" + step.name() + "\": " + message, e);
      }
    }
    return Collections.unmodifiableList(actions);
  }

  private void notifyLog(DeploymentInbox.ExecutionLog log) {
    try {
      wiring
          .listener()
          .onLogLine(
              new DeploymentListener.ExecutionLogLine(
                  log.step(),
                  running.layout().step(log.step()).name(),
                  log.target(),
                  log.attempt(),
                  log.text()));
    } catch (RuntimeException e) {
      context
          .getLog()
          .warn("Deployment {}: listener failed on a log line", persistenceId().entityId(), e);
    }
  }
}
