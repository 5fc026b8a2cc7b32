package dev.flotilla.engine.internal.deployment;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionContext;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.action.RunningAction;
import dev.flotilla.engine.action.manual.ManualActionType;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.WallClock;
import dev.flotilla.engine.internal.guard.TargetGuard;
import dev.flotilla.engine.internal.throttle.Throttle;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.Durations;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.variables.Masking;
import dev.flotilla.engine.variables.ServiceMessages;
import dev.flotilla.engine.variables.Substitution;
import dev.flotilla.engine.variables.VariableException;
import dev.flotilla.engine.variables.VariableResolver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * The per-target actor: runs one target's work (one step, or a rolling step's children in order),
 * attempt by attempt. Each attempt takes the target's guard, has its start recorded by the
 * deployment before the action runs (write-ahead), runs the action under the step's timeout, gives
 * the guard back and reports the outcome. Its step's throttle spawns it shortly before its turn (it
 * waits for {@link Begin}); it lives until its work is done.
 */
final class ExecutionActor {

  sealed interface Command {}

  /**
   * The step's throttle says this target's turn has come. It spawns per-target actors ahead of
   * their turn (so a round of them can begin at once), and they do nothing until then.
   */
  enum Begin implements Command {
    INSTANCE
  }

  /**
   * The deployment recorded the start: the action may run.
   *
   * @param facts what the deployment knows so far, for the variables the action reads
   */
  record StartApproved(RunFacts facts) implements Command {}

  /** The deployment will not start this target: a person excluded it from the deployment. */
  enum Excluded implements Command {
    INSTANCE
  }

  /** A person (or a manual step's timeout) answered the intervention this execution waits for. */
  record InterventionDecided(int number, InterventionDecision decision) implements Command {}

  private record ManualTimedOut(int attempt) implements Command {}

  private record GuardReplied(TargetGuard.Reply reply) implements Command {}

  private record ActionEnded(int attempt, ActionResult result) implements Command {}

  private record TimedOut(int attempt) implements Command {}

  private record RetryDue(int attempt) implements Command {}

  private record LogLine(int attempt, String text) implements Command {}

  /**
   * Where the work stands: which step of the sequence, which attempt, failed so far on this target.
   */
  private record Position(int index, int attempt, boolean failedHere) {
    Position retry() {
      return new Position(index, attempt + 1, failedHere);
    }
  }

  private static final Object TIMEOUT_TIMER = "timeout";
  private static final Object RETRY_TIMER = "retry";

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final DeploymentContext deployment;
  private final TargetWork work;
  private final ActorRef<Throttle.Command> throttle;
  private final ActorRef<TargetGuard.Command> guard;

  /** The lease asked for last and not given back yet; null when none. */
  private TargetGuard.Holder lease;

  /** What the deployment knew at the last start it approved; null before the first. */
  private RunFacts facts;

  /** The outputs the running attempt set so far, in order, and which of them are sensitive. */
  private final Map<String, String> outputs = new java.util.LinkedHashMap<>();

  private final java.util.Set<String> sensitiveOutputs = new java.util.TreeSet<>();

  /** Hides sensitive values (the plan's, outputs') in what the running attempt reports. */
  private Masking masking = Masking.NONE;

  /** This actor as its guard's requester: the guard's replies arrive wrapped, with no adapter. */
  private final TargetGuard.Requester<Command> asRequester;

  private ExecutionActor(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      DeploymentContext deployment,
      TargetWork work,
      ActorRef<Throttle.Command> throttle) {
    this.context = context;
    this.timers = timers;
    this.deployment = deployment;
    this.work = work;
    this.throttle = throttle;
    this.guard = work.target() == null ? null : deployment.guards().get(work.target());
    this.asRequester = new TargetGuard.Requester<>(context.getSelf(), GuardReplied::new);
  }

  static Behavior<Command> create(
      DeploymentContext deployment, TargetWork work, ActorRef<Throttle.Command> throttle) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  ExecutionActor actor =
                      new ExecutionActor(context, timers, deployment, work, throttle);
                  Position first =
                      new Position(work.startIndex(), work.firstAttempt(), work.failedHere());
                  return Behaviors.receive(Command.class)
                      .onMessageEquals(
                          Begin.INSTANCE,
                          () ->
                              work.waiting() != null
                                  ? actor.waitAgain(first, work.waiting())
                                  : actor.begin(first))
                      .build();
                }));
  }

  private StepInfo step(Position position) {
    return deployment.layout().step(work.steps().get(position.index()));
  }

  /**
   * Starts the step at {@code position}, or the next one its condition allows, or ends the work.
   */
  private Behavior<Command> begin(Position position) {
    Position current = position;
    while (current.index() < work.steps().size()) {
      // A top-level step's condition was decided when its block started; a rolling step's
      // children are decided here, per target, by what happened on this target so far.
      StepInfo info = step(current);
      if (!info.isChild() || childAllowed(info, current.failedHere())) {
        return acquire(current);
      }
      current = new Position(current.index() + 1, 1, current.failedHere());
    }
    throttle.tell(new Throttle.ChildDone(context.getSelf(), current.failedHere()));
    return Behaviors.receive(Command.class).build();
  }

  /**
   * A rolling step's child decides per target, by what happened on it so far and the variables
   * (outputs included) it reads there.
   */
  private boolean childAllowed(StepInfo info, boolean failedHere) {
    // The freshest facts: a first child decides before this actor's first start is approved.
    RunFacts latest = deployment.facts().get();
    VariableResolver resolver =
        RunFacts.resolver(
            deployment.layout(),
            latest != null ? latest : VariableResolver.Facts.NONE,
            deployment.deploymentId(),
            info,
            work.target(),
            line -> {});
    try {
      return info.step().condition().allows(failedHere, resolver::value);
    } catch (VariableException e) {
      context
          .getLog()
          .warn(
              "Deployment {}: the condition of step {} on {} cannot be read: {}",
              deployment.deploymentId(),
              info.name(),
              work.target(),
              e.getMessage());
      return false;
    }
  }

  /** The variables of {@code info} on this actor's target, as the deployment last told it. */
  private VariableResolver resolver(StepInfo info, java.util.function.Consumer<String> notes) {
    VariableResolver.Facts known = facts != null ? facts : VariableResolver.Facts.NONE;
    return RunFacts.resolver(
        deployment.layout(), known, deployment.deploymentId(), info, work.target(), notes);
  }

  private Behavior<Command> acquire(Position position) {
    if (guard == null) {
      return requestStart(position);
    }
    lease = lease(position);
    guard.tell(new TargetGuard.Acquire(deployment.guardMode(), lease, asRequester));
    return withCleanup(
        Behaviors.receive(Command.class)
            .onMessage(GuardReplied.class, replied -> onGuardReply(position, replied.reply())),
        null);
  }

  /** The identity of this attempt's lease in its target's guard. */
  private TargetGuard.Holder lease(Position position) {
    return new TargetGuard.Holder(
        deployment.deploymentId(), step(position).name(), work.target(), position.attempt());
  }

  /** Gives back the lease asked for last, if it is still held or wanted. */
  private void releaseLease() {
    if (lease != null) {
      guard.tell(new TargetGuard.ReleaseLease(lease));
      lease = null;
    }
  }

  private Behavior<Command> onGuardReply(Position position, TargetGuard.Reply reply) {
    if (reply instanceof TargetGuard.Queued queued) {
      String heldBy =
          queued.heldBy().stream().map(Object::toString).collect(Collectors.joining(", "));
      deployment
          .inbox()
          .tell(
              new DeploymentInbox.ExecutionWaiting(
                  step(position).index(),
                  work.target(),
                  position.attempt(),
                  heldBy,
                  WallClock.nowMicros()));
      return Behaviors.same();
    }
    return requestStart(position);
  }

  /**
   * After a restart: the execution at {@code position} waits for the intervention its journal
   * records. It asks for it again (it is not raised twice) and waits, a manual step under what is
   * left of its timeout.
   */
  private Behavior<Command> waitAgain(Position position, DeploymentState.Intervention waiting) {
    StepInfo info = step(position);
    deployment
        .inbox()
        .tell(
            new DeploymentInbox.RaiseIntervention(
                info.index(),
                work.target(),
                position.attempt(),
                waiting.status(),
                null,
                context.getSelf()));
    if (waiting.manual()) {
      Duration timeout = info.step().timeout();
      if (timeout != null) {
        long waitedMicros = Math.max(0, WallClock.nowMicros() - waiting.raisedAtMicros());
        Duration left = timeout.minus(Duration.ofNanos(waitedMicros * 1_000L));
        timers.startSingleTimer(
            TIMEOUT_TIMER,
            new ManualTimedOut(position.attempt()),
            left.isNegative() ? Duration.ZERO : left);
      }
      return awaitingManual(position);
    }
    throttle.tell(new Throttle.Park(context.getSelf()));
    return awaitingDecision(position);
  }

  /**
   * A manual step: nothing runs; the deployment raises its intervention and records its end when
   * someone answers (or its timeout does). It holds no guard: it has no target.
   */
  private Behavior<Command> runManual(Position position) {
    StepInfo info = step(position);
    String instructions;
    try {
      instructions =
          resolver(info, line -> log(position, line))
              .substitute(ManualActionType.instructions(info.step().action().parameters()));
    } catch (VariableException e) {
      return finish(position, ExecutionStatus.FAILED, e.getMessage(), List.of(), true);
    }
    // Its answer to the approval: what it runs (a wait for a person) runs on.
    deployment.inbox().tell(new DeploymentInbox.ActionRunning(info.index(), work.target()));
    deployment
        .inbox()
        .tell(
            new DeploymentInbox.RaiseIntervention(
                info.index(),
                work.target(),
                position.attempt(),
                ExecutionStatus.RUNNING,
                deployment.masking().apply(instructions),
                context.getSelf()));
    Duration timeout = info.step().timeout();
    if (timeout != null) {
      timers.startSingleTimer(TIMEOUT_TIMER, new ManualTimedOut(position.attempt()), timeout);
    }
    return awaitingManual(position);
  }

  private Behavior<Command> awaitingManual(Position position) {
    return withCleanup(
        Behaviors.receive(Command.class)
            .onMessage(
                ManualTimedOut.class,
                timedOut -> {
                  // The deployment decides: an answer may have come first.
                  deployment
                      .inbox()
                      .tell(
                          new DeploymentInbox.InterventionTimedOut(
                              step(position).index(),
                              work.target(),
                              position.attempt(),
                              Durations.format(step(position).step().timeout())));
                  return Behaviors.same();
                })
            .onMessage(
                InterventionDecided.class,
                decided -> {
                  timers.cancel(TIMEOUT_TIMER);
                  boolean proceed = decided.decision() == InterventionDecision.PROCEED;
                  return begin(
                      new Position(position.index() + 1, 1, position.failedHere() || !proceed));
                }),
        null);
  }

  /**
   * A failed execution under guided failure waits for a person, holding neither its guard (given
   * back when the attempt ended) nor its slot in the step's throttle (parked).
   */
  private Behavior<Command> awaitingDecision(Position position) {
    return withCleanup(
        Behaviors.receive(Command.class)
            .onMessage(
                InterventionDecided.class, decided -> onDecided(position, decided.decision())),
        null);
  }

  private Behavior<Command> onDecided(Position position, InterventionDecision decision) {
    return switch (decision) {
      case RETRY -> afterDecision(position.retry(), true);
      case IGNORE ->
          afterDecision(new Position(position.index() + 1, 1, position.failedHere()), false);
      case FAIL -> afterDecision(new Position(position.index() + 1, 1, true), false);
      default -> {
        // Excluded (or an answer meant for a manual step): this target's work is over.
        throttle.tell(new Throttle.ChildDone(context.getSelf(), false));
        yield Behaviors.receive(Command.class).build();
      }
    };
  }

  /**
   * Carries on after an answer: with nothing left to run, ends at once; otherwise asks its throttle
   * for a slot again and goes on when it is given one.
   */
  private Behavior<Command> afterDecision(Position next, boolean retry) {
    if (!retry && next.index() >= work.steps().size()) {
      return begin(next);
    }
    throttle.tell(new Throttle.Unpark(context.getSelf()));
    return withCleanup(
        Behaviors.receive(Command.class)
            .onMessageEquals(Begin.INSTANCE, () -> retry ? acquire(next) : begin(next)),
        null);
  }

  private Behavior<Command> requestStart(Position position) {
    deployment
        .inbox()
        .tell(
            new DeploymentInbox.StartExecution(
                step(position).index(),
                work.target(),
                position.attempt(),
                WallClock.nowMicros(),
                context.getSelf()));
    return withCleanup(
        Behaviors.receive(Command.class)
            .onMessage(
                StartApproved.class,
                approved -> {
                  facts = approved.facts();
                  return run(position);
                })
            .onMessageEquals(Excluded.INSTANCE, () -> excluded()),
        null);
  }

  /** The target's SSH connection data, for the action types that reach its machine. */
  private Map<String, String> connection() {
    Target target = deployment.layout().target(work.target());
    return target == null ? Map.of() : target.ssh();
  }

  /** Its target was excluded while it queued: it gives the guard back and runs nothing. */
  private Behavior<Command> excluded() {
    releaseLease();
    // The inbox counts on an answer to every start it sent: this is it.
    deployment.inbox().tell(new DeploymentInbox.ActionRunning(-1, work.target()));
    throttle.tell(new Throttle.ChildDone(context.getSelf(), false));
    return Behaviors.receive(Command.class).build();
  }

  private Behavior<Command> run(Position position) {
    StepInfo info = step(position);
    if (info.step().isManual()) {
      return runManual(position);
    }
    int attempt = position.attempt();
    ActorRef<Command> self = context.getSelf();
    Map<String, String> variables;
    try {
      variables = variables(info, position);
    } catch (VariableException e) {
      return finish(position, ExecutionStatus.FAILED, e.getMessage(), List.of(), true);
    }
    outputs.clear();
    sensitiveOutputs.clear();
    masking = masking();
    java.util.concurrent.atomic.AtomicInteger logged =
        new java.util.concurrent.atomic.AtomicInteger();
    ActionContext actionContext =
        new ActionContext(
            deployment.deploymentId(),
            deployment.layout().plan().name(),
            info.name(),
            work.target(),
            attempt,
            variables,
            deployment.layout().plan().seed(),
            text -> {
              logged.incrementAndGet();
              self.tell(new LogLine(attempt, text));
            },
            deployment.runtime(),
            connection());
    RunningAction running;
    try {
      running = action(info, position).start(actionContext);
    } catch (VariableException e) {
      return finish(position, ExecutionStatus.FAILED, e.getMessage(), List.of(), true);
    } catch (Exception e) {
      return finish(
          position,
          ExecutionStatus.FAILED,
          "action failed to start: " + describe(e),
          List.of(),
          true);
    }
    CompletableFuture<ActionResult> result;
    try {
      CompletionStage<ActionResult> stage = running == null ? null : running.result();
      if (stage == null) {
        throw new IllegalStateException("the action returned no running execution");
      }
      result = stage.toCompletableFuture();
    } catch (Exception e) {
      // It may be running all the same: stop it before the guard is given back.
      cancel(running);
      return finish(
          position, ExecutionStatus.FAILED, "action failed: " + describe(e), List.of(), true);
    }
    if (result.isDone() && logged.get() == 0) {
      // An action that ended as it started (a zero-length simulation) needs no round trip.
      ActionResult ended = outcomeOf(result);
      return finish(
          position,
          ended.succeeded() ? ExecutionStatus.SUCCEEDED : ExecutionStatus.FAILED,
          ended.message(),
          List.of(),
          true);
    }
    deployment.inbox().tell(new DeploymentInbox.ActionRunning(info.index(), work.target()));
    context.pipeToSelf(
        result,
        (value, error) ->
            new ActionEnded(
                attempt,
                error != null
                    ? ActionResult.failure(describe(error))
                    : value != null
                        ? value
                        : ActionResult.failure("the action ended without a result")));
    Duration timeout = info.step().timeout();
    if (timeout != null) {
      timers.startSingleTimer(TIMEOUT_TIMER, new TimedOut(attempt), timeout);
    }
    return running(position, running, TreePVector.empty());
  }

  /**
   * The step's action with its parameters' variables substituted for this execution; the action
   * configured when the deployment started when it has none.
   */
  private Action action(StepInfo info, Position position) throws InvalidActionException {
    Action configured = deployment.actions().get(info.index());
    ActionSpec spec = info.step().action();
    if (configured != null && !Substitution.needed(spec.parameters())) {
      return configured;
    }
    Map<String, Object> parameters =
        resolver(info, line -> log(position, line)).parameters(spec.parameters());
    return deployment.actionTypes().configure(new ActionSpec(spec.type(), parameters));
  }

  /**
   * The plan's variables as this execution reads them (scoped values for its target, references
   * substituted): what a script sees in its environment.
   */
  private Map<String, String> variables(StepInfo info, Position position) {
    var plan = deployment.layout().plan();
    if (plan.scopedValues().isEmpty()
        && plan.variables().values().stream().noneMatch(v -> v.contains("#{"))) {
      return plan.variables();
    }
    VariableResolver resolver = resolver(info, line -> log(position, line));
    Map<String, String> values = new java.util.LinkedHashMap<>();
    for (String name : plan.variables().keySet()) {
      values.put(name, resolver.value(name));
    }
    for (String name : plan.scopedValues().keySet()) {
      values.putIfAbsent(name, resolver.value(name));
    }
    return java.util.Collections.unmodifiableMap(values);
  }

  /** The plan's sensitive values and the sensitive outputs known so far, masked. */
  private Masking masking() {
    Masking known = deployment.masking();
    if (facts != null) {
      List<String> secret = new java.util.ArrayList<>();
      facts
          .secretOutputs()
          .values()
          .forEach(t -> t.values().forEach(v -> secret.addAll(v.values())));
      known = known.plus(secret);
    }
    return known;
  }

  /** A line of the engine's own in this execution's output (its log, not the action's). */
  private void log(Position position, String line) {
    context.getSelf().tell(new LogLine(position.attempt(), line));
  }

  private Behavior<Command> running(Position position, RunningAction action, PVector<String> log) {
    return withCleanup(
        Behaviors.receive(Command.class)
            .onMessage(
                LogLine.class,
                line -> line.attempt() == position.attempt(),
                line -> onLogLine(position, action, log, line))
            .onMessage(
                ActionEnded.class,
                ended -> ended.attempt() == position.attempt(),
                ended ->
                    finish(
                        position,
                        ended.result().succeeded()
                            ? ExecutionStatus.SUCCEEDED
                            : ExecutionStatus.FAILED,
                        ended.result().message(),
                        log,
                        false))
            .onMessage(
                TimedOut.class,
                timedOut -> timedOut.attempt() == position.attempt(),
                timedOut -> {
                  String timedOutAfter =
                      "timed out after " + Durations.format(step(position).step().timeout());
                  String cancelFailed = cancel(action);
                  return cancelFailed == null
                      ? finish(position, ExecutionStatus.TIMED_OUT, timedOutAfter, log, false)
                      : finish(
                          position,
                          ExecutionStatus.FAILED,
                          timedOutAfter + ", and cancelling the action failed: " + cancelFailed,
                          log,
                          false);
                }),
        action);
  }

  private Behavior<Command> onLogLine(
      Position position, RunningAction action, PVector<String> log, LogLine line) {
    StepInfo info = step(position);
    ServiceMessages.Output output = ServiceMessages.parse(line.text());
    if (output != null) {
      // An output, not a line of the log.
      outputs.put(output.name(), output.value());
      if (output.sensitive()) {
        sensitiveOutputs.add(output.name());
        masking = masking.plus(List.of(output.value()));
      }
      return Behaviors.same();
    }
    String text = masking.apply(line.text());
    deployment
        .inbox()
        .tell(
            new DeploymentInbox.ExecutionLog(
                info.index(), work.target(), position.attempt(), text));
    PVector<String> kept = log.plus(text);
    if (kept.size() > deployment.logTailLines()) {
      kept = kept.minus(0);
    }
    return running(position, action, kept);
  }

  /**
   * Ends an attempt: guard back, outcome reported, then a retry, the next step, or the end.
   *
   * @param atApproval the action ended as it started, so this report answers the approval
   */
  private Behavior<Command> finish(
      Position position,
      ExecutionStatus status,
      String message,
      List<String> log,
      boolean atApproval) {
    long endedAt = WallClock.nowMicros();
    timers.cancel(TIMEOUT_TIMER);
    releaseLease();
    Step step = step(position).step();
    boolean retry = status.isFailure() && position.attempt() <= step.retries();
    boolean guided = status.isFailure() && !retry && deployment.layout().plan().guidedFailure();
    deployment
        .inbox()
        .tell(
            new DeploymentInbox.ExecutionEnded(
                step(position).index(),
                work.target(),
                position.attempt(),
                status,
                masking.apply(message),
                log,
                !retry && !guided,
                endedAt,
                atApproval,
                java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs)),
                java.util.Set.copyOf(sensitiveOutputs)));
    if (retry) {
      Position next = position.retry();
      if (step.retryBackoff().isZero()) {
        return acquire(next);
      }
      timers.startSingleTimer(RETRY_TIMER, new RetryDue(next.attempt()), step.retryBackoff());
      return Behaviors.receive(Command.class)
          .onMessage(RetryDue.class, due -> acquire(next))
          .build();
    }
    if (status.isFailure() && deployment.layout().plan().guidedFailure()) {
      // Guided failure: a person decides what this failure means; the step goes on meanwhile.
      deployment
          .inbox()
          .tell(
              new DeploymentInbox.RaiseIntervention(
                  step(position).index(),
                  work.target(),
                  position.attempt(),
                  status,
                  masking.apply(message),
                  context.getSelf()));
      throttle.tell(new Throttle.Park(context.getSelf()));
      return awaitingDecision(position);
    }
    boolean failedHere = position.failedHere() || status.isFailure();
    return begin(new Position(position.index() + 1, 1, failedHere));
  }

  /**
   * Whatever stops this actor (the step's end, a cancel, a crash), the action and the guard go with
   * it.
   */
  private Behavior<Command> withCleanup(BehaviorBuilder<Command> builder, RunningAction action) {
    return builder
        .onSignal(
            PostStop.class,
            signal -> {
              cancel(action);
              releaseLease();
              return Behaviors.same();
            })
        .build();
  }

  /**
   * Cancels an action, which must not take this actor down (nor keep its guard) if it throws.
   *
   * @return why cancelling failed; null if it did not
   */
  private String cancel(RunningAction action) {
    if (action == null) {
      return null;
    }
    try {
      action.cancel();
      return null;
    } catch (Exception e) {
      context
          .getLog()
          .warn(
              "Deployment {}: cancelling an action on {} failed",
              deployment.deploymentId(),
              work.target(),
              e);
      return describe(e);
    }
  }

  private static ActionResult outcomeOf(CompletableFuture<ActionResult> done) {
    try {
      ActionResult value = done.join();
      return value != null ? value : ActionResult.failure("the action ended without a result");
    } catch (RuntimeException e) {
      return ActionResult.failure(describe(e));
    }
  }

  private static String describe(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
  }
}
