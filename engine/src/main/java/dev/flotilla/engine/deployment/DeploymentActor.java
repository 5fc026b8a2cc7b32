package dev.flotilla.engine.deployment;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionRuntime;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.deployment.DeploymentEvent.BlockStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.CancelRequested;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionInterrupted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepSkipped;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.deployment.DeploymentInbox.Report;
import dev.flotilla.engine.guard.TargetGuard;
import dev.flotilla.engine.guard.TargetGuards;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import dev.flotilla.engine.model.RunCondition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One deployment, event-sourced: the owner of its state. It runs the blocks strictly in order, one
 * {@link StepBlockActor} at a time, evaluating each step's run condition when its block starts.
 * Its children report through a {@link DeploymentInbox} (group commit); each batch of reports
 * becomes events that are persisted together, then applied to the immutable
 * {@link DeploymentState}, handed to the listener, and only then acted on: an execution's start
 * is recorded before its action runs (write-ahead).
 *
 * <p>After a restart the deployment recovers from its journal and waits for the engine to admit
 * it again; it then records the executions that were in flight as interrupted and carries on
 * with what is left of its current block. Nothing recorded as finished runs again.
 */
public final class DeploymentActor
    extends EventSourcedBehaviorWithEnforcedReplies<DeploymentActor.Command, DeploymentEvent, DeploymentState> {

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

  /** A batch of reports from the inbox; answered once its events are recorded. */
  record Record(List<Report> reports, ActorRef<DeploymentInbox.Command> inbox) implements Command {}

  private record GuardsResolved(Map<String, ActorRef<TargetGuard.Command>> guards) implements Command {}

  private record GuardsUnavailable(String reason) implements Command {}

  /**
   * Where and how a deployment keeps its events.
   *
   * @param journalPluginId the Pekko Persistence journal plugin
   * @param snapshotPluginId the snapshot store plugin; unused when {@code snapshotEvery} is 0
   * @param durable whether events outlive the process: a transient store recovers nothing
   * @param snapshotEvery take a snapshot every this many events (0: never)
   */
  public record Store(String journalPluginId, String snapshotPluginId, boolean durable, int snapshotEvery) {
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
  public record Wiring(ActionTypes actionTypes, DeploymentListener listener, ActorRef<TargetGuards.Command> guards,
      ActionRuntime runtime, int logTailLines, int maxBatch, Duration batchHold, Store store,
      Duration guardsTimeout) {}

  private final ActorContext<Command> context;
  private final Wiring wiring;
  private final ActorRef<DeploymentInbox.Command> inbox;
  /** Fixed once the deployment has its guards; references, not state. */
  private DeploymentContext running;
  /** The folded results of the decision being persisted, in event order (see {@link #applyEvent}). */
  private final java.util.ArrayDeque<Applied> applied = new java.util.ArrayDeque<>();

  private DeploymentActor(ActorContext<Command> context, String deploymentId, Wiring wiring) {
    super(persistenceId(deploymentId));
    this.context = context;
    this.wiring = wiring;
    this.inbox = context.spawn(DeploymentInbox.create(context.getSelf(), wiring.maxBatch(), wiring.batchHold()), "inbox");
  }

  /** The journal's name for a deployment. */
  public static PersistenceId persistenceId(String deploymentId) {
    return PersistenceId.of("deployment", deploymentId);
  }

  /** A deployment, new or recovered from its journal. */
  public static Behavior<Command> create(String deploymentId, Wiring wiring) {
    return Behaviors.setup(context -> new DeploymentActor(context, deploymentId, wiring));
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

  @Override
  public EventHandler<DeploymentState, DeploymentEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(this::applyEvent);
  }

  /**
   * Applies a persisted event. A command's decision already folded its events into the states it
   * acted on, and {@link DeploymentState#apply} is a pure function: when the journal confirms
   * exactly those events, in order, the folded states are reused instead of computed twice.
   * Recovery, or anything unexpected, applies the event for real. A batch (how a decision's events
   * are journaled) applies its events in order.
   */
  private DeploymentState applyEvent(DeploymentState state, DeploymentEvent event) {
    if (event instanceof DeploymentEvent.Batch batch) {
      DeploymentState current = state;
      for (DeploymentEvent inner : batch.events()) {
        current = applyEvent(current, inner);
      }
      return current;
    }
    Applied next = applied.peek();
    if (next != null && next.event() == event && next.before() == state) {
      applied.poll();
      return next.after();
    }
    applied.clear();
    return state.apply(event);
  }

  /** One event a decision folded: the state before it and after it. */
  private record Applied(DeploymentEvent event, DeploymentState before, DeploymentState after) {}

  @Override
  public CommandHandlerWithReply<Command, DeploymentEvent, DeploymentState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Accept.class, this::onAccept)
        .onCommand(Admit.class, this::onAdmit)
        .onCommand(GuardsResolved.class, this::onGuardsResolved)
        .onCommand(GuardsUnavailable.class, (state, unavailable) -> {
          throw new IllegalStateException("deployment " + state.deploymentId() + ": " + unavailable.reason());
        })
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(Record.class, this::onRecord)
        .build();
  }

  // ---- commands ----

  private ReplyEffect<DeploymentEvent, DeploymentState> onAccept(DeploymentState state, Accept accept) {
    Decision decision = new Decision(state);
    if (state.deploymentId() == null) {
      decision.record(new DeploymentAccepted(persistenceId().entityId(), accept.plan(), WallClock.nowMicros()));
    }
    return decision.effect().thenNoReply();
  }

  private ReplyEffect<DeploymentEvent, DeploymentState> onAdmit(DeploymentState state, Admit admit) {
    if (state.status().isFinal()) {
      return Effect().stop().thenNoReply();
    }
    if (state.deploymentId() == null || state.cancelRequested()) {
      return Effect().none().thenNoReply();
    }
    Set<String> targets = new LinkedHashSet<>();
    for (StepInfo step : state.layout().steps()) {
      targets.addAll(step.targets());
    }
    context.ask(TargetGuards.Resolved.class, wiring.guards(), wiring.guardsTimeout(),
        replyTo -> new TargetGuards.Resolve(targets, context.getSelf(), replyTo),
        (resolved, error) -> error != null
            ? new GuardsUnavailable("target guards did not answer: " + error.getMessage())
            : new GuardsResolved(resolved.guards()));
    return Effect().none().thenNoReply();
  }

  private ReplyEffect<DeploymentEvent, DeploymentState> onGuardsResolved(DeploymentState state, GuardsResolved resolved) {
    if (state.status().isFinal() || state.cancelRequested() || running != null) {
      return Effect().none().thenNoReply();
    }
    List<Action> actions;
    try {
      actions = configureActions(state.layout());
    } catch (InvalidActionException e) {
      return cannotRun(state, e.getMessage());
    }
    running = new DeploymentContext(state.deploymentId(), state.layout(), actions,
        resolved.guards(), wiring.runtime(), wiring.logTailLines(), inbox);
    Decision decision = new Decision(state);
    if (state.status() == DeploymentStatus.QUEUED) {
      decision.record(new DeploymentStarted(WallClock.nowMicros()));
      startBlock(decision, 0);
    } else {
      resume(decision);
    }
    return decision.effect().thenNoReply();
  }

  /**
   * A deployment this engine cannot run: a plan accepted (and validated) by another engine, resumed
   * here without one of its action types. It ends FAILED at once, saying why, rather than stopping
   * with its result never completed: what was running is interrupted for good, what was pending is
   * skipped.
   */
  private ReplyEffect<DeploymentEvent, DeploymentState> cannotRun(DeploymentState state, String reason) {
    context.getLog().error("Deployment {} cannot run on this engine: {}", state.deploymentId(), reason);
    Decision decision = new Decision(state);
    long now = WallClock.nowMicros();
    for (var entry : state.running().entrySet()) {
      ExecutionKey key = entry.getKey();
      decision.record(new ExecutionInterrupted(key.step(), key.target(), entry.getValue().attempt(), false, now));
    }
    for (StepInfo step : state.layout().steps()) {
      if (step.isChild()) {
        continue;
      }
      StepStatus status = decision.state.step(step.index()).status();
      if (status == StepStatus.RUNNING) {
        for (StepInfo child : state.layout().childrenOf(step.index())) {
          decision.record(new StepFinished(child.index(), StepStatus.FAILED, 0, now));
        }
        decision.record(new StepFinished(step.index(), StepStatus.FAILED, 0, now));
      } else if (status == StepStatus.PENDING) {
        skip(decision, step.index(), "cannot run on this engine: " + reason);
      }
    }
    finish(decision, DeploymentStatus.FAILED);
    return decision.effect().thenNoReply();
  }

  private ReplyEffect<DeploymentEvent, DeploymentState> onCancel(DeploymentState state, Cancel cancel) {
    if (state.status().isFinal()) {
      return Effect().stop().thenNoReply();
    }
    if (state.cancelRequested() || state.deploymentId() == null) {
      return Effect().none().thenNoReply();
    }
    Decision decision = new Decision(state);
    long now = WallClock.nowMicros();
    decision.record(new CancelRequested(cancel.reason(), now));
    for (var entry : state.running().entrySet()) {
      ExecutionKey key = entry.getKey();
      decision.record(new ExecutionFinished(key.step(), key.target(), entry.getValue().attempt(),
          ExecutionStatus.CANCELLED, "deployment cancelled: " + cancel.reason(), List.of(), true, now));
    }
    PlanLayout layout = state.layout();
    for (StepInfo step : layout.steps()) {
      if (step.isChild()) {
        continue;
      }
      StepStatus status = decision.state.step(step.index()).status();
      if (status == StepStatus.RUNNING) {
        for (StepInfo child : layout.childrenOf(step.index())) {
          decision.record(new StepFinished(child.index(), StepStatus.CANCELLED, 0, now));
        }
        decision.record(new StepFinished(step.index(), StepStatus.CANCELLED, 0, now));
      } else if (status == StepStatus.PENDING) {
        skip(decision, step.index(), "deployment cancelled");
      }
    }
    finish(decision, DeploymentStatus.CANCELLED);
    return decision.effect().thenNoReply();
  }

  private ReplyEffect<DeploymentEvent, DeploymentState> onRecord(DeploymentState state, Record record) {
    Decision decision = new Decision(state);
    for (Report report : record.reports()) {
      onReport(decision, report);
    }
    return decision.effect().thenReply(record.inbox(), s -> DeploymentInbox.Recorded.INSTANCE);
  }

  private void onReport(Decision decision, Report report) {
    DeploymentState state = decision.state;
    boolean active = state.status() == DeploymentStatus.RUNNING && !state.cancelRequested();
    if (report instanceof DeploymentInbox.ExecutionLog log) {
      decision.then(() -> notifyLog(state.layout(), log));
      return;
    }
    if (!active) {
      return;
    }
    if (report instanceof DeploymentInbox.StartExecution start) {
      decision.record(new ExecutionStarted(start.step(), start.target(), start.attempt(), start.atMicros()));
      decision.then(() -> start.replyTo().tell(ExecutionActor.StartApproved.INSTANCE));
    } else if (report instanceof DeploymentInbox.ExecutionEnded ended) {
      if (state.running().containsKey(new ExecutionKey(ended.step(), ended.target()))) {
        decision.record(new ExecutionFinished(ended.step(), ended.target(), ended.attempt(), ended.status(),
            ended.message(), ended.log(), ended.last(), ended.atMicros()));
      }
    } else if (report instanceof DeploymentInbox.ExecutionWaiting waiting) {
      decision.record(new DeploymentEvent.ExecutionWaiting(waiting.step(), waiting.target(), waiting.attempt(),
          waiting.heldBy(), waiting.atMicros()));
    } else if (report instanceof DeploymentInbox.StepBegan began) {
      if (state.step(began.step()).status() == StepStatus.PENDING) {
        decision.record(new StepStarted(began.step(), WallClock.nowMicros()));
      }
    } else if (report instanceof DeploymentInbox.StepEnded ended) {
      long now = WallClock.nowMicros();
      for (StepInfo child : state.layout().childrenOf(ended.step())) {
        decision.record(new StepFinished(child.index(), decision.state.outcomeOf(child.index()),
            ended.targetsNotStarted(), now));
      }
      decision.record(new StepFinished(ended.step(), decision.state.outcomeOf(ended.step()),
          ended.targetsNotStarted(), now));
    } else if (report instanceof DeploymentInbox.BlockEnded ended) {
      if (ended.block() == state.currentBlock()) {
        startBlock(decision, ended.block() + 1);
      }
    }
  }

  // ---- running blocks ----

  /** Starts the first block at or after {@code block} that has a step allowed to run, or finishes. */
  private void startBlock(Decision decision, int block) {
    PlanLayout layout = decision.state.layout();
    for (int next = block; next < layout.blocks().size(); next++) {
      List<Integer> runnable = new ArrayList<>();
      for (int stepIndex : layout.blocks().get(next)) {
        StepInfo step = layout.step(stepIndex);
        if (step.step().condition().allows(decision.state.failed(), layout.plan().variables())) {
          runnable.add(stepIndex);
        } else {
          skip(decision, stepIndex, "condition " + describe(step.step().condition()) + " not met");
        }
      }
      if (!runnable.isEmpty()) {
        decision.record(new BlockStarted(next, WallClock.nowMicros()));
        Map<Integer, StepWork> work = new java.util.HashMap<>();
        for (int position = 0; position < runnable.size(); position++) {
          int stepIndex = runnable.get(position);
          work.put(stepIndex, freshWork(layout.step(stepIndex), layout, position, runnable.size()));
        }
        spawnBlock(decision, next, runnable, work);
        return;
      }
    }
    finish(decision, decision.state.failed() ? DeploymentStatus.FAILED : DeploymentStatus.SUCCEEDED);
  }

  private void spawnBlock(Decision decision, int block, List<Integer> steps, Map<Integer, StepWork> work) {
    DeploymentContext deployment = running;
    decision.then(() -> context.spawn(StepBlockActor.create(deployment, block, steps, work), "block-" + block));
  }

  /**
   * A step's work when its block starts. When several plain steps of a block share machines under
   * exclusive isolation, each begins at a different point of its target list (the i-th of k steps
   * a fraction i/k in, wrapping around), so they spread over the fleet instead of queueing for the
   * same first guards. A rolling step keeps plan order: its window is meant to walk the fleet.
   */
  private static StepWork freshWork(StepInfo step, PlanLayout layout, int position, int stepsInBlock) {
    List<Integer> sequence = sequenceOf(step, layout);
    if (step.step().runOnServer()) {
      return new StepWork(List.of(TargetWork.fresh(null, sequence)), 0);
    }
    List<String> names = step.targets();
    boolean spread = stepsInBlock > 1 && !step.step().isRolling()
        && layout.plan().targetIsolation() == dev.flotilla.engine.model.TargetIsolation.EXCLUSIVE;
    int offset = spread ? (int) ((long) position * names.size() / stepsInBlock) : 0;
    List<TargetWork> targets = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      targets.add(TargetWork.fresh(names.get((i + offset) % names.size()), sequence));
    }
    return new StepWork(targets, 0);
  }

  private static List<Integer> sequenceOf(StepInfo step, PlanLayout layout) {
    return step.step().isRolling()
        ? layout.childrenOf(step.index()).stream().map(StepInfo::index).toList()
        : List.of(step.index());
  }

  /**
   * Carries on after a restart: executions that were in flight are interrupted (run again as
   * their next attempt, or failed, by the plan's policy), then the current block runs what it has
   * left. What the journal records as finished is never run again.
   */
  private void resume(Decision decision) {
    DeploymentState state = decision.state;
    PlanLayout layout = state.layout();
    boolean rerun = layout.plan().onInterrupted() == DeploymentPlan.InterruptPolicy.RERUN;
    long now = WallClock.nowMicros();
    for (var entry : state.running().entrySet()) {
      ExecutionKey key = entry.getKey();
      decision.record(new ExecutionInterrupted(key.step(), key.target(), entry.getValue().attempt(), rerun, now));
    }
    int block = decision.state.currentBlock();
    if (block < 0) {
      startBlock(decision, 0);
      return;
    }
    List<Integer> steps = new ArrayList<>();
    Map<Integer, StepWork> work = new java.util.HashMap<>();
    for (int stepIndex : layout.blocks().get(block)) {
      StepStatus status = decision.state.step(stepIndex).status();
      if (status == StepStatus.PENDING || status == StepStatus.RUNNING) {
        steps.add(stepIndex);
        work.put(stepIndex, remainingWork(decision.state, layout.step(stepIndex), layout));
      }
    }
    if (steps.isEmpty()) {
      startBlock(decision, block + 1);
    } else {
      spawnBlock(decision, block, steps, work);
    }
  }

  /** A step's work after a restart: every target it has not finished, from where it stopped. */
  private static StepWork remainingWork(DeploymentState state, StepInfo step, PlanLayout layout) {
    List<Integer> sequence = sequenceOf(step, layout);
    List<String> targets = step.step().runOnServer() ? Collections.singletonList(null) : step.targets();
    boolean stepFailed = false;
    for (int index : sequence) {
      stepFailed |= state.step(index).failed() > 0;
    }
    List<TargetWork> work = new ArrayList<>();
    int notStarted = 0;
    for (String target : targets) {
      int position = 0;
      boolean failedHere = false;
      while (position < sequence.size()) {
        ExecutionStatus outcome = state.finished().get(new ExecutionKey(sequence.get(position), target));
        if (outcome == null) {
          break;
        }
        failedHere |= outcome.isFailure();
        position++;
      }
      boolean started = false;
      for (int index : sequence) {
        ExecutionKey key = new ExecutionKey(index, target);
        started |= state.lastAttempt().containsKey(key) || state.finished().containsKey(key);
      }
      if (position == sequence.size()) {
        continue;
      }
      if (!started && stepFailed) {
        // A failed step starts no new targets, before or after a restart.
        notStarted++;
        continue;
      }
      Integer last = state.lastAttempt().get(new ExecutionKey(sequence.get(position), target));
      work.add(new TargetWork(target, sequence, position, last == null ? 1 : last + 1, failedHere));
    }
    return new StepWork(work, notStarted);
  }

  private void skip(Decision decision, int stepIndex, String reason) {
    long now = WallClock.nowMicros();
    decision.record(new StepSkipped(stepIndex, reason, now));
    for (StepInfo child : decision.state.layout().childrenOf(stepIndex)) {
      decision.record(new StepSkipped(child.index(), reason, now));
    }
  }

  private void finish(Decision decision, DeploymentStatus status) {
    decision.record(new DeploymentFinished(status, WallClock.nowMicros()));
    // Stopping takes every child with it: running actions are cancelled and guards released.
    decision.stop = true;
  }

  private static String describe(RunCondition condition) {
    return condition.kind() == RunCondition.Kind.VARIABLE
        ? "variable " + condition.variable()
        : condition.kind().name().toLowerCase(Locale.ROOT);
  }

  private List<Action> configureActions(PlanLayout layout) throws InvalidActionException {
    List<Action> actions = new ArrayList<>();
    for (StepInfo step : layout.steps()) {
      if (step.step().isRolling()) {
        actions.add(null);
        continue;
      }
      try {
        actions.add(wiring.actionTypes().configure(step.step().action()));
      } catch (InvalidActionException e) {
        throw new InvalidActionException(e.key(), "step \"" + step.name() + "\": " + e.getMessage());
      }
    }
    return Collections.unmodifiableList(actions);
  }

  private void notifyLog(PlanLayout layout, DeploymentInbox.ExecutionLog log) {
    try {
      wiring.listener().onLogLine(new DeploymentListener.ExecutionLogLine(log.step(), layout.step(log.step()).name(),
          log.target(), log.attempt(), log.text()));
    } catch (RuntimeException e) {
      context.getLog().warn("Deployment {}: listener failed on a log line", persistenceId().entityId(), e);
    }
  }

  private void notifyEvent(DeploymentEvent event) {
    try {
      wiring.listener().onEvent(event);
    } catch (RuntimeException e) {
      context.getLog().warn("Deployment {}: listener failed on {}", persistenceId().entityId(),
          event.getClass().getSimpleName(), e);
    }
  }

  /**
   * What one command decided: the events to record (folded into {@code state} as they are
   * decided, so later reports of the same batch see them) and what to do once they are recorded.
   */
  private final class Decision {
    private DeploymentState state;
    private final List<DeploymentEvent> events = new ArrayList<>();
    private final List<Runnable> effects = new ArrayList<>();
    private final List<Applied> folded = new ArrayList<>();
    private boolean stop;

    Decision(DeploymentState state) {
      this.state = state;
    }

    void record(DeploymentEvent event) {
      DeploymentState before = state;
      state = state.apply(event);
      events.add(event);
      folded.add(new Applied(event, before, state));
    }

    void then(Runnable effect) {
      effects.add(effect);
    }

    EffectBuilder<DeploymentEvent, DeploymentState> effect() {
      List<DeploymentEvent> recorded = List.copyOf(events);
      List<Runnable> actions = List.copyOf(effects);
      applied.clear();
      applied.addAll(folded);
      EffectBuilder<DeploymentEvent, DeploymentState> builder =
          recorded.isEmpty() ? Effect().none() : Effect().persist(new DeploymentEvent.Batch(recorded, state.events()));
      if (!recorded.isEmpty() || !actions.isEmpty()) {
        builder = builder.thenRun(ignored -> {
          recorded.forEach(DeploymentActor.this::notifyEvent);
          actions.forEach(Runnable::run);
        });
      }
      return stop ? builder.thenStop() : builder;
    }
  }
}
