package dev.flotilla.engine.deployment;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionRuntime;
import dev.flotilla.engine.deployment.DeploymentEvent.BlockStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.CancelRequested;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionWaiting;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepSkipped;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.guard.TargetGuard;
import dev.flotilla.engine.guard.TargetGuards;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One deployment: the owner of its state. It runs the blocks strictly in order, one
 * {@link StepBlockActor} at a time, evaluating each step's run condition when its block starts;
 * its children report every execution to it, and every state change is recorded as a
 * {@link DeploymentEvent} applied to the immutable {@link DeploymentState} and handed to the
 * listener. An execution's start is recorded before its action runs (write-ahead).
 */
public final class DeploymentActor extends AbstractBehavior<DeploymentActor.Command> {

  /** Messages a deployment understands. */
  public sealed interface Command {}

  /** The engine admits the deployment past its caps: start running. */
  public enum Admit implements Command {
    INSTANCE
  }

  /** Cancels running actions, skips pending ones, releases every guard and ends CANCELLED. */
  public record Cancel(String reason) implements Command {}

  private record GuardsResolved(Map<String, ActorRef<TargetGuard.Command>> guards) implements Command {}

  record StepBegan(int step) implements Command {}

  record StepEnded(int step, int targetsNotStarted) implements Command {}

  record BlockEnded(int block) implements Command {}

  record ExecutionWaitingReport(int step, String target, int attempt, String heldBy, long atMicros)
      implements Command {}

  record StartExecution(int step, String target, int attempt, long atMicros, ActorRef<ExecutionActor.Command> replyTo)
      implements Command {}

  record ExecutionEnded(int step, String target, int attempt, ExecutionStatus status, String message,
      List<String> log, boolean last, long atMicros) implements Command {}

  record ExecutionLog(int step, String target, int attempt, String text) implements Command {}

  private final List<Action> actions;
  private final DeploymentListener listener;
  private final ActorRef<TargetGuards.Command> guards;
  private final ActionRuntime runtime;
  private final int logTailLines;
  private DeploymentState state = DeploymentState.empty();
  private int currentBlock = -1;
  private DeploymentContext context;

  private DeploymentActor(ActorContext<Command> context, List<Action> actions, DeploymentListener listener,
      ActorRef<TargetGuards.Command> guards, ActionRuntime runtime, int logTailLines) {
    super(context);
    this.actions = actions;
    this.listener = listener;
    this.guards = guards;
    this.runtime = runtime;
    this.logTailLines = logTailLines;
  }

  /**
   * A deployment that records its acceptance at once and waits for {@link Admit}.
   *
   * @param actions the configured action of each step, by layout index (null for rolling steps)
   */
  public static Behavior<Command> create(String deploymentId, DeploymentPlan plan, List<Action> actions,
      DeploymentListener listener, ActorRef<TargetGuards.Command> guards, ActionRuntime runtime, int logTailLines) {
    return Behaviors.setup(context -> {
      DeploymentActor actor = new DeploymentActor(context, actions, listener, guards, runtime, logTailLines);
      actor.record(new DeploymentAccepted(deploymentId, plan, WallClock.nowMicros()));
      return actor;
    });
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Admit.INSTANCE, this::onAdmit)
        .onMessage(GuardsResolved.class, this::onGuardsResolved)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(StepBegan.class, this::onStepBegan)
        .onMessage(StepEnded.class, this::onStepEnded)
        .onMessage(BlockEnded.class, this::onBlockEnded)
        .onMessage(ExecutionWaitingReport.class, this::onExecutionWaiting)
        .onMessage(StartExecution.class, this::onStartExecution)
        .onMessage(ExecutionEnded.class, this::onExecutionEnded)
        .onMessage(ExecutionLog.class, this::onExecutionLog)
        .build();
  }

  private PlanLayout layout() {
    return state.layout();
  }

  private Behavior<Command> onAdmit() {
    if (state.status() != DeploymentStatus.QUEUED || state.cancelRequested()) {
      return this;
    }
    Set<String> targets = new LinkedHashSet<>();
    for (StepInfo step : layout().steps()) {
      targets.addAll(step.targets());
    }
    getContext().ask(TargetGuards.Resolved.class, guards, java.time.Duration.ofMinutes(1),
        replyTo -> new TargetGuards.Resolve(targets, replyTo),
        (resolved, error) -> {
          if (error != null) {
            throw new IllegalStateException("target guards did not answer", error);
          }
          return new GuardsResolved(resolved.guards());
        });
    return this;
  }

  private Behavior<Command> onGuardsResolved(GuardsResolved resolved) {
    if (state.status() != DeploymentStatus.QUEUED || state.cancelRequested()) {
      return this;
    }
    context = new DeploymentContext(state.deploymentId(), layout(), actions,
        resolved.guards(), runtime, logTailLines, getContext().getSelf());
    record(new DeploymentStarted(WallClock.nowMicros()));
    return startBlock(0);
  }

  /** Starts the first block at or after {@code block} that has a step allowed to run. */
  private Behavior<Command> startBlock(int block) {
    for (int next = block; next < layout().blocks().size(); next++) {
      List<Integer> runnable = new ArrayList<>();
      for (int stepIndex : layout().blocks().get(next)) {
        StepInfo step = layout().step(stepIndex);
        if (step.step().condition().allows(state.failed(), layout().plan().variables())) {
          runnable.add(stepIndex);
        } else {
          skip(stepIndex, "condition " + describeCondition(step) + " not met");
        }
      }
      if (!runnable.isEmpty()) {
        currentBlock = next;
        record(new BlockStarted(next, WallClock.nowMicros()));
        getContext().spawn(StepBlockActor.create(context, next, runnable), "block-" + next);
        return this;
      }
    }
    return finish(state.failed() ? DeploymentStatus.FAILED : DeploymentStatus.SUCCEEDED);
  }

  private static String describeCondition(StepInfo step) {
    var condition = step.step().condition();
    return switch (condition.kind()) {
      case VARIABLE -> "variable " + condition.variable();
      default -> condition.kind().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  private void skip(int stepIndex, String reason) {
    long now = WallClock.nowMicros();
    record(new StepSkipped(stepIndex, reason, now));
    for (StepInfo child : layout().childrenOf(stepIndex)) {
      record(new StepSkipped(child.index(), reason, now));
    }
  }

  private Behavior<Command> onStepBegan(StepBegan began) {
    if (isRunning()) {
      record(new StepStarted(began.step(), WallClock.nowMicros()));
    }
    return this;
  }

  private Behavior<Command> onStepEnded(StepEnded ended) {
    if (!isRunning()) {
      return this;
    }
    long now = WallClock.nowMicros();
    for (StepInfo child : layout().childrenOf(ended.step())) {
      record(new StepFinished(child.index(), state.outcomeOf(child.index()), ended.targetsNotStarted(), now));
    }
    record(new StepFinished(ended.step(), state.outcomeOf(ended.step()), ended.targetsNotStarted(), now));
    return this;
  }

  private Behavior<Command> onBlockEnded(BlockEnded ended) {
    if (!isRunning() || ended.block() != currentBlock) {
      return this;
    }
    return startBlock(ended.block() + 1);
  }

  private Behavior<Command> onExecutionWaiting(ExecutionWaitingReport waiting) {
    if (isRunning()) {
      record(new ExecutionWaiting(waiting.step(), waiting.target(), waiting.attempt(), waiting.heldBy(),
          waiting.atMicros()));
    }
    return this;
  }

  private Behavior<Command> onStartExecution(StartExecution start) {
    if (!isRunning()) {
      return this;
    }
    record(new ExecutionStarted(start.step(), start.target(), start.attempt(), start.atMicros()));
    start.replyTo().tell(ExecutionActor.StartApproved.INSTANCE);
    return this;
  }

  private Behavior<Command> onExecutionEnded(ExecutionEnded ended) {
    if (isRunning() && state.running().containsKey(new ExecutionKey(ended.step(), ended.target()))) {
      record(new ExecutionFinished(ended.step(), ended.target(), ended.attempt(), ended.status(), ended.message(),
          ended.log(), ended.last(), ended.atMicros()));
    }
    return this;
  }

  private Behavior<Command> onExecutionLog(ExecutionLog log) {
    try {
      listener.onLogLine(new DeploymentListener.ExecutionLogLine(log.step(), layout().step(log.step()).name(),
          log.target(), log.attempt(), log.text()));
    } catch (RuntimeException e) {
      getContext().getLog().warn("Deployment {}: listener failed on a log line", state.deploymentId(), e);
    }
    return this;
  }

  private Behavior<Command> onCancel(Cancel cancel) {
    if (state.status().isFinal() || state.cancelRequested()) {
      return this;
    }
    long now = WallClock.nowMicros();
    record(new CancelRequested(cancel.reason(), now));
    for (var entry : state.running().entrySet()) {
      ExecutionKey key = entry.getKey();
      record(new ExecutionFinished(key.step(), key.target(), entry.getValue().attempt(), ExecutionStatus.CANCELLED,
          "deployment cancelled: " + cancel.reason(), List.of(), true, now));
    }
    for (StepInfo step : layout().steps()) {
      if (step.isChild()) {
        continue;
      }
      StepStatus status = state.step(step.index()).status();
      if (status == StepStatus.RUNNING) {
        for (StepInfo child : layout().childrenOf(step.index())) {
          record(new StepFinished(child.index(), StepStatus.CANCELLED, 0, now));
        }
        record(new StepFinished(step.index(), StepStatus.CANCELLED, 0, now));
      } else if (status == StepStatus.PENDING) {
        skip(step.index(), "deployment cancelled");
      }
    }
    return finish(DeploymentStatus.CANCELLED);
  }

  private boolean isRunning() {
    return state.status() == DeploymentStatus.RUNNING && !state.cancelRequested();
  }

  private Behavior<Command> finish(DeploymentStatus status) {
    record(new DeploymentFinished(status, WallClock.nowMicros()));
    // Stopping takes every child with it: running actions are cancelled and guards released.
    return Behaviors.stopped();
  }

  private void record(DeploymentEvent event) {
    state = state.apply(event);
    try {
      listener.onEvent(event);
    } catch (RuntimeException e) {
      getContext().getLog().warn("Deployment {}: listener failed on {}", state.deploymentId(),
          event.getClass().getSimpleName(), e);
    }
  }
}
