package dev.flotilla.engine.internal.deployment;

import dev.flotilla.engine.deployment.ExecutionStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.pcollections.ConsPStack;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * Group commit in front of a deployment: every report of its children comes here, in the order it
 * was sent. One batch at a time goes to the deployment to be recorded; whatever arrives while a
 * batch is being written goes out together in the next one. So a busy deployment writes fewer,
 * larger batches instead of one journal round-trip per event.
 *
 * <p>Between writes the inbox also waits for reports it knows are on their way, so that they share
 * a write instead of taking turns: the answers of the executions whose starts the last write
 * approved (each answers at once, with its end if its action ended as it started, or with {@link
 * ActionRunning}), and the start of the execution that takes over each slot an execution just freed
 * while its step still has targets to start. The end of an execution and the start of the next one
 * in its slot then go out together, and every slot of a step moves in the same write. Anything else
 * (a failure, a wait for a guard, a log line, a step or block event) goes out at once, and no
 * report waits longer than the hold limit, whatever happens to the ones it waits for.
 */
final class DeploymentInbox {

  sealed interface Command {}

  /** A report from a block, step or per-target actor. */
  sealed interface Report extends Command {}

  /**
   * A step's throttle began.
   *
   * @param targets how many targets it will start (each one start, whose slot is refilled on end)
   */
  record StepBegan(int step, int targets) implements Report {}

  record StepEnded(int step, int targetsNotStarted) implements Report {}

  record BlockEnded(int block) implements Report {}

  record ExecutionWaiting(int step, String target, int attempt, String heldBy, long atMicros)
      implements Report {}

  /**
   * Asks to record an execution's start; answered with {@link ExecutionActor.StartApproved} once
   * recorded.
   */
  record StartExecution(
      int step, String target, int attempt, long atMicros, ActorRef<ExecutionActor.Command> replyTo)
      implements Report {}

  /**
   * An attempt ended.
   *
   * @param atApproval the action ended as it started: this report answers the start's approval
   * @param outputs the output variables the attempt set, in clear
   * @param sensitiveOutputs which of them are sensitive
   */
  record ExecutionEnded(
      int step,
      String target,
      int attempt,
      ExecutionStatus status,
      String message,
      List<String> log,
      boolean last,
      long atMicros,
      boolean atApproval,
      Map<String, String> outputs,
      Set<String> sensitiveOutputs)
      implements Report {

    ExecutionEnded {
      outputs = outputs == null ? Map.of() : outputs;
      sensitiveOutputs = sensitiveOutputs == null ? Set.of() : sensitiveOutputs;
    }

    /** An attempt that set no outputs. */
    ExecutionEnded(
        int step,
        String target,
        int attempt,
        ExecutionStatus status,
        String message,
        List<String> log,
        boolean last,
        long atMicros,
        boolean atApproval) {
      this(step, target, attempt, status, message, log, last, atMicros, atApproval, null, null);
    }
  }

  record ExecutionLog(int step, String target, int attempt, String text) implements Report {}

  /**
   * An execution waits for a person: its last attempt failed under guided failure ({@code status}
   * FAILED or TIMED_OUT), or it is a manual step (RUNNING). After a restart, it asks again for the
   * intervention its journal records, which is then raised no second time. Answered with {@link
   * ExecutionActor.InterventionDecided}.
   */
  record RaiseIntervention(
      int step,
      String target,
      int attempt,
      ExecutionStatus status,
      String message,
      ActorRef<ExecutionActor.Command> replyTo)
      implements Report {}

  /** A manual step's timeout elapsed: unless someone answered first, it is aborted. */
  record InterventionTimedOut(int step, String target, int attempt, String after)
      implements Report {}

  /** An approved execution's action runs on: its answer to the approval, recorded nowhere. */
  record ActionRunning(int step, String target) implements Command {}

  /** The deployment recorded the last batch. */
  enum Recorded implements Command {
    INSTANCE
  }

  private enum HoldExpired implements Command {
    INSTANCE
  }

  /** A step's targets not yet started, and how many of them were promised to freed slots. */
  private record Slots(int unstarted, int promised) {}

  /**
   * The inbox's batching bookkeeping between messages: what waits to be sent and what it waits for.
   *
   * @param waiting reports not yet sent, newest first (a stack: adding one copies nothing)
   * @param writing starts in the batch being written, or -1 when no batch is
   * @param answersDue approved executions that have not answered yet
   * @param urgent a report waiting must go out without waiting for the others
   * @param slots per top-level step, to know whether a freed slot will be refilled
   * @param promised the sum of the steps' promised slots
   */
  private record Batching(
      ConsPStack<Report> waiting,
      int writing,
      int answersDue,
      boolean urgent,
      PMap<Integer, Slots> slots,
      int promised) {

    static final Batching EMPTY =
        new Batching(ConsPStack.empty(), -1, 0, false, HashTreePMap.empty(), 0);

    boolean isWriting() {
      return writing >= 0;
    }

    boolean readyToSend() {
      return !isWriting() && !waiting.isEmpty() && (urgent || (answersDue <= 0 && promised == 0));
    }

    Batching add(Report report) {
      ConsPStack<Report> more = waiting.plus(report);
      if (report instanceof StartExecution start) {
        return slotTaken(more, start.step(), urgent);
      }
      if (report instanceof ExecutionEnded ended) {
        int answers = ended.atApproval() ? answersDue - 1 : answersDue;
        if (ended.status().isFailure()) {
          // A failure halts its step's throttle: the slots it freed may never be refilled.
          return new Batching(more, writing, answers, true, withoutPromises(), 0);
        }
        Slots step = slots.get(ended.step());
        if (ended.last() && step != null && step.unstarted() > step.promised()) {
          return new Batching(
              more,
              writing,
              answers,
              urgent,
              slots.plus(ended.step(), new Slots(step.unstarted(), step.promised() + 1)),
              promised + 1);
        }
        return new Batching(more, writing, answers, urgent, slots, promised);
      }
      if (report instanceof StepBegan began) {
        Slots before = slots.get(began.step());
        int dropped = before == null ? 0 : before.promised();
        return new Batching(
            more,
            writing,
            answersDue,
            true,
            slots.plus(began.step(), new Slots(began.targets(), 0)),
            promised - dropped);
      }
      if (report instanceof ExecutionWaiting queued) {
        return slotTaken(more, queued.step(), true);
      }
      return new Batching(more, writing, answersDue, true, slots, promised);
    }

    /** A target of {@code step} took a slot: it started, or queued behind its guard. */
    private Batching slotTaken(ConsPStack<Report> more, int step, boolean urgentNow) {
      Slots current = slots.get(step);
      if (current == null) {
        return new Batching(more, writing, answersDue, urgentNow, slots, promised);
      }
      int kept = Math.max(0, current.promised() - 1);
      return new Batching(
          more,
          writing,
          answersDue,
          urgentNow,
          slots.plus(step, new Slots(Math.max(0, current.unstarted() - 1), kept)),
          promised - current.promised() + kept);
    }

    private PMap<Integer, Slots> withoutPromises() {
      PMap<Integer, Slots> cleared = slots;
      for (var entry : slots.entrySet()) {
        if (entry.getValue().promised() > 0) {
          cleared = cleared.plus(entry.getKey(), new Slots(entry.getValue().unstarted(), 0));
        }
      }
      return cleared;
    }

    Batching answered() {
      return new Batching(waiting, writing, answersDue - 1, urgent, slots, promised);
    }

    /** The batch in flight is recorded: its starts are approved and their answers are due. */
    Batching recorded() {
      return new Batching(waiting, -1, answersDue + Math.max(0, writing), urgent, slots, promised);
    }

    /** Waited long enough: whatever was expected, send what is here. */
    Batching released() {
      return new Batching(waiting, writing, 0, true, withoutPromises(), 0);
    }

    /** The {@code size} oldest reports, in arrival order. */
    List<Report> oldest(int size) {
      Report[] batch = new Report[size];
      int newer = waiting.size() - size;
      int index = 0;
      for (Report report : waiting) {
        if (index >= newer) {
          batch[waiting.size() - 1 - index] = report;
        }
        index++;
      }
      return List.of(batch);
    }

    /** The {@code batch} of the oldest reports went to be recorded. */
    Batching sent(List<Report> batch) {
      int starts = (int) batch.stream().filter(StartExecution.class::isInstance).count();
      int left = waiting.size() - batch.size();
      ConsPStack<Report> rest = left == 0 ? ConsPStack.empty() : waiting.subList(0, left);
      return new Batching(rest, starts, answersDue, urgent && !rest.isEmpty(), slots, promised);
    }
  }

  private final ActorRef<DeploymentActor.Command> deployment;
  private final ActorRef<Command> self;
  private final TimerScheduler<Command> timers;
  private final int maxBatch;
  private final Duration holdLimit;

  private DeploymentInbox(
      ActorRef<DeploymentActor.Command> deployment,
      ActorRef<Command> self,
      TimerScheduler<Command> timers,
      int maxBatch,
      Duration holdLimit) {
    this.deployment = deployment;
    this.self = self;
    this.timers = timers;
    this.maxBatch = maxBatch;
    this.holdLimit = holdLimit;
  }

  /**
   * @param maxBatch the most reports in one batch
   * @param holdLimit the longest a report waits for the ones expected to join it
   */
  static Behavior<Command> create(
      ActorRef<DeploymentActor.Command> deployment, int maxBatch, Duration holdLimit) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    new DeploymentInbox(deployment, context.getSelf(), timers, maxBatch, holdLimit)
                        .next(Batching.EMPTY)));
  }

  private Behavior<Command> next(Batching batching) {
    Batching current = batching;
    if (current.readyToSend()) {
      timers.cancel(HoldExpired.INSTANCE);
      List<Report> batch = current.oldest(Math.min(current.waiting().size(), maxBatch));
      deployment.tell(new DeploymentActor.Record(batch, self));
      current = current.sent(batch);
    } else if (!current.isWriting()
        && !current.waiting().isEmpty()
        && !timers.isTimerActive(HoldExpired.INSTANCE)) {
      timers.startSingleTimer(HoldExpired.INSTANCE, HoldExpired.INSTANCE, holdLimit);
    }
    return listening(current);
  }

  private Behavior<Command> listening(Batching batching) {
    return Behaviors.receive(Command.class)
        .onMessage(Report.class, report -> next(batching.add(report)))
        .onMessage(ActionRunning.class, running -> next(batching.answered()))
        .onMessageEquals(Recorded.INSTANCE, () -> next(batching.recorded()))
        .onMessageEquals(HoldExpired.INSTANCE, () -> next(batching.released()))
        .build();
  }
}
