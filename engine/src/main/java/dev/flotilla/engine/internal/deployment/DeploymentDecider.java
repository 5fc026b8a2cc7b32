package dev.flotilla.engine.internal.deployment;

import dev.flotilla.engine.action.manual.ManualActionType;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.BlockStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.CancelRequested;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAborted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionInterrupted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionStarted;
import dev.flotilla.engine.deployment.DeploymentEvent.StepFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.StepSkipped;
import dev.flotilla.engine.deployment.DeploymentEvent.StepStarted;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionKey;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.internal.deployment.DeploymentInbox.Report;
import dev.flotilla.engine.internal.deployment.DeploymentState.InFlight;
import dev.flotilla.engine.internal.deployment.DeploymentState.Intervention;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import dev.flotilla.engine.model.RunCondition;
import dev.flotilla.engine.model.TargetIsolation;
import dev.flotilla.engine.variables.VariableException;
import dev.flotilla.engine.variables.VariableResolver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a deployment decides, apart from its actor: each function takes the deployment's state and
 * what happened, and returns a {@link Decision}: the events to record, in order (already folded
 * into {@link Decision#after}), and the {@link Directive}s to carry out once they are recorded. It
 * reads no clock of its own, sends nothing and spawns nothing, so every rule of the process model
 * is testable without actors; {@link DeploymentActor} only persists, spawns and replies.
 *
 * <h2>The deployment's lifecycle</h2>
 *
 * <table>
 *   <caption>Deployment transitions ({@link DeploymentStatus}); an event list ending in * repeats</caption>
 *   <tr><th>from</th><th>on</th><th>to</th><th>events</th></tr>
 *   <tr><td>(none)</td><td>{@link #accept}</td><td>QUEUED</td><td>DeploymentAccepted</td></tr>
 *   <tr><td>QUEUED</td><td>{@link #start} (admitted, guards resolved)</td><td>RUNNING</td>
 *       <td>DeploymentStarted, then as a block starts</td></tr>
 *   <tr><td>RUNNING</td><td>a block starts ({@link #start}, {@link #record} BlockEnded)</td><td>RUNNING</td>
 *       <td>StepSkipped* (conditions not met), BlockStarted; or, past the last block, DeploymentFinished
 *       SUCCEEDED or FAILED (any execution failed for good)</td></tr>
 *   <tr><td>RUNNING</td><td>{@link #record} executions' and steps' reports</td><td>RUNNING</td>
 *       <td>StepStarted, ExecutionWaiting, ExecutionStarted, ExecutionFinished, StepFinished</td></tr>
 *   <tr><td>RUNNING</td><td>{@link #start} after a restart</td><td>RUNNING</td>
 *       <td>ExecutionInterrupted* (run again or failed, by the plan's policy; never an execution waiting for
 *       an answer), then the block's remaining work</td></tr>
 *   <tr><td>RUNNING</td><td>{@link #record} an execution asks for a person (guided failure, a manual step)</td>
 *       <td>RUNNING</td><td>InterventionRaised (once per attempt: asked again after a restart, it is not
 *       raised again)</td></tr>
 *   <tr><td>RUNNING</td><td>{@link #answer} (checked by {@link #refusal}), or a manual step's timeout</td>
 *       <td>RUNNING</td><td>InterventionAnswered; for a manual step, ExecutionFinished in the same write</td></tr>
 *   <tr><td>QUEUED, RUNNING</td><td>{@link #cancel}</td><td>CANCELLED</td>
 *       <td>CancelRequested, ExecutionFinished* CANCELLED, StepFinished* CANCELLED, StepSkipped*,
 *       DeploymentFinished</td></tr>
 *   <tr><td>QUEUED, RUNNING</td><td>{@link #cannotRun} (an action type this engine lacks, no guards)</td>
 *       <td>FAILED</td><td>DeploymentAborted, ExecutionInterrupted* (not run again), StepFinished* FAILED,
 *       StepSkipped*, DeploymentFinished</td></tr>
 *   <tr><td>QUEUED, RUNNING</td><td>{@link #abort}: the actor stopped before finishing (told by the engine,
 *       not journaled)</td><td>FAILED</td><td>DeploymentAborted, ExecutionFinished* FAILED, StepFinished*
 *       FAILED, StepSkipped*, DeploymentFinished</td></tr>
 * </table>
 *
 * <p>SUCCEEDED, FAILED and CANCELLED are final: nothing is decided after them. The lifecycle of one
 * execution is in {@link DeploymentState}'s documentation.
 */
final class DeploymentDecider {

  /** Something to do once a decision's events are recorded. */
  sealed interface Directive {}

  /** Spawn a block's actor for these steps, each with its work. */
  record RunBlock(int block, List<Integer> steps, Map<Integer, StepWork> work)
      implements Directive {}

  /** Tell an execution its start is recorded: its action may run. */
  record ApproveStart(ActorRef<ExecutionActor.Command> execution) implements Directive {}

  /** Pass an output line on to the listener (lines are not recorded). */
  record PassOnLog(DeploymentInbox.ExecutionLog line) implements Directive {}

  /** Remember which execution waits for intervention {@code number}, to hand it the answer. */
  record AwaitAnswer(int number, ActorRef<ExecutionActor.Command> execution) implements Directive {}

  /**
   * Hand an intervention's answer to the execution waiting for it.
   *
   * @param execution null: the one {@link AwaitAnswer} named (none yet after a restart: it asks)
   */
  record DeliverAnswer(
      int number, InterventionDecision decision, ActorRef<ExecutionActor.Command> execution)
      implements Directive {}

  /** Tell an execution its target was excluded from the deployment: it does not start. */
  record TargetExcluded(ActorRef<ExecutionActor.Command> execution) implements Directive {}

  /**
   * What one input decided.
   *
   * @param before the state it was decided on
   * @param after {@code before} with {@code events} folded in
   * @param events what to record, in order; empty when nothing changes
   * @param directives what to do once the events are recorded, in order
   * @param finished the deployment is over: the actor stops once the events are recorded
   */
  record Decision(
      DeploymentState before,
      DeploymentState after,
      List<DeploymentEvent> events,
      List<Directive> directives,
      boolean finished) {}

  /**
   * Why the executions still in flight and the steps not yet over end, when a deployment ends
   * early.
   */
  private enum Ending {
    CANCELLED,
    CANNOT_RUN,
    ABORTED
  }

  /**
   * The message of an execution that was in flight when its per-target actor stopped without
   * reporting its end.
   */
  static final String ORPHANED = "its per-target actor stopped before the execution ended";

  /** A manual step's outputs, with Octopus's names. */
  static final String MANUAL_APPROVED = "Manual.Approved";

  static final String MANUAL_NOTES = "Manual.Notes";
  static final String MANUAL_RESPONSIBLE_USER = "Manual.ResponsibleUser";

  private DeploymentDecider() {}

  // ---- inputs ----

  /** The engine took the deployment; a deployment already accepted (recovered) stays as it is. */
  static Decision accept(
      DeploymentState state, String deploymentId, DeploymentPlan plan, long now) {
    Builder decision = new Builder(state);
    if (state.deploymentId() == null) {
      // The journal, the listeners and the timeline never see a sensitive value.
      decision.record(new DeploymentAccepted(deploymentId, plan.masked(), now));
    }
    return decision.build();
  }

  /**
   * The engine admitted the deployment and its guards are known: a queued deployment starts with
   * its first block that has a step allowed to run; a running one (recovered after a restart)
   * resumes.
   */
  static Decision start(DeploymentState state, LongSupplier clock) {
    Builder decision = new Builder(state);
    if (state.status() == DeploymentStatus.QUEUED) {
      decision.record(new DeploymentStarted(clock.getAsLong()));
      startBlock(decision, 0, clock);
    } else if (state.status() == DeploymentStatus.RUNNING) {
      resume(decision, clock);
    }
    return decision.build();
  }

  /** A batch of reports from the deployment's children, decided in arrival order. */
  static Decision record(DeploymentState state, List<Report> reports, LongSupplier clock) {
    Builder decision = new Builder(state);
    for (Report report : reports) {
      onReport(decision, report, clock);
    }
    return decision.build();
  }

  /**
   * Cancels the deployment: what runs is cancelled, what is pending skipped, and it ends CANCELLED.
   * Nothing to decide once it is over or already cancelling.
   */
  static Decision cancel(DeploymentState state, String reason, long now) {
    Builder decision = new Builder(state);
    if (state.deploymentId() != null && !state.status().isFinal() && !state.cancelRequested()) {
      decision.record(new CancelRequested(reason, now));
      endEarly(decision, Ending.CANCELLED, reason, now);
    }
    return decision.build();
  }

  /**
   * A deployment this engine cannot run (a plan accepted by another engine, resumed here without
   * one of its action types; or its target guards did not answer): it ends FAILED at once, saying
   * why. What was running is interrupted for good, what was pending is skipped.
   */
  static Decision cannotRun(DeploymentState state, String reason, long now) {
    Builder decision = new Builder(state);
    if (state.deploymentId() != null && !state.status().isFinal()) {
      decision.record(new DeploymentAborted("cannot run on this engine: " + reason, now));
      endEarly(decision, Ending.CANNOT_RUN, reason, now);
    }
    return decision.build();
  }

  /**
   * The deployment's actor stopped before the deployment finished: it ends FAILED with {@code
   * reason}. What was running ends FAILED with the reason as its message, what was pending is
   * skipped. {@code state} is the last state its actor recorded, accepted.
   */
  static Decision abort(DeploymentState state, String reason, long now) {
    Builder decision = new Builder(state);
    if (state.deploymentId() != null && !state.status().isFinal()) {
      decision.record(new DeploymentAborted(reason, now));
      endEarly(decision, Ending.ABORTED, reason, now);
    }
    return decision.build();
  }

  /**
   * Why an answer to intervention {@code number} cannot be taken; null if it can. The refusals, in
   * the order checked: the deployment finished, no such intervention, already answered, a decision
   * it does not allow.
   */
  static InterventionReply refusal(
      DeploymentState state, int number, InterventionDecision decision) {
    if (state.deploymentId() == null) {
      return InterventionReply.of(
          InterventionReply.Outcome.UNKNOWN_INTERVENTION,
          "the deployment has not started: it has no interventions yet");
    }
    if (state.status().isFinal()) {
      return InterventionReply.of(
          InterventionReply.Outcome.DEPLOYMENT_FINISHED,
          "deployment "
              + state.deploymentId()
              + " has finished ("
              + state.status()
              + "); its interventions closed with it");
    }
    Intervention intervention = state.interventions().get(number);
    if (intervention == null) {
      return InterventionReply.of(
          InterventionReply.Outcome.UNKNOWN_INTERVENTION,
          "deployment "
              + state.deploymentId()
              + " has no intervention "
              + number
              + " (it has "
              + state.interventions().size()
              + "; list them to see their numbers)");
    }
    if (!intervention.pending()) {
      return InterventionReply.of(
          InterventionReply.Outcome.ALREADY_ANSWERED,
          "intervention "
              + number
              + " was already answered: "
              + intervention.decision().wireName()
              + (intervention.by() == null ? " (by the engine)" : " by " + intervention.by()));
    }
    if (!intervention.allowed().contains(decision)) {
      StepInfo step = state.layout().step(intervention.step());
      boolean required =
          !intervention.manual() && !intervention.allowed().contains(InterventionDecision.IGNORE);
      return InterventionReply.of(
          InterventionReply.Outcome.NOT_ALLOWED,
          decision.wireName()
              + " is not allowed for intervention "
              + number
              + " (step \""
              + step.name()
              + "\""
              + (intervention.target() == null ? "" : " on " + intervention.target())
              + (required ? ", a required step" : "")
              + "); allowed: "
              + String.join(
                  ", ",
                  intervention.allowed().stream().map(InterventionDecision::wireName).toList()));
    }
    return null;
  }

  /**
   * A person answers intervention {@code number}; {@link #refusal} must have found nothing wrong.
   * The answer is recorded with who gave it and their note, and handed to the execution waiting.
   */
  static Decision answer(
      DeploymentState state,
      int number,
      InterventionDecision decision,
      String by,
      String note,
      long now) {
    Builder builder = new Builder(state);
    if (refusal(state, number, decision) == null) {
      answered(builder, state.interventions().get(number), decision, by, note, false, now);
    }
    return builder.build();
  }

  /**
   * Records an answer. A guided failure's outcome follows from the answer alone (the state folds
   * it); a manual step's execution ends in the same write: SUCCEEDED on proceed, FAILED on abort,
   * TIMED_OUT when its timeout answered.
   */
  private static void answered(
      Builder decision,
      Intervention intervention,
      InterventionDecision answer,
      String by,
      String note,
      boolean timedOut,
      long now) {
    Map<String, String> outputs = Map.of();
    if (intervention.manual()) {
      outputs = new LinkedHashMap<>();
      outputs.put(MANUAL_APPROVED, answer == InterventionDecision.PROCEED ? "True" : "False");
      outputs.put(MANUAL_NOTES, note == null ? "" : note);
      outputs.put(MANUAL_RESPONSIBLE_USER, by == null ? "" : by);
    }
    decision.record(
        new DeploymentEvent.InterventionAnswered(
            intervention.number(), answer, by, note, outputs, now));
    if (intervention.manual()) {
      boolean proceed = answer == InterventionDecision.PROCEED;
      String message =
          proceed
              ? null
              : timedOut
                  ? note
                  : "aborted"
                      + (by == null ? "" : " by " + by)
                      + (note == null || note.isBlank() ? "" : ": " + note);
      decision.record(
          new ExecutionFinished(
              intervention.step(),
              intervention.target(),
              intervention.attempt(),
              proceed
                  ? ExecutionStatus.SUCCEEDED
                  : timedOut ? ExecutionStatus.TIMED_OUT : ExecutionStatus.FAILED,
              message,
              List.of(),
              true,
              now,
              outputs,
              List.of()));
    }
    decision.then(new DeliverAnswer(intervention.number(), answer, null));
  }

  /** The decisions a person may take on a failure of {@code step} on {@code target}. */
  static List<InterventionDecision> allowedDecisions(
      PlanLayout layout, StepInfo step, String target) {
    if (step.step().isManual()) {
      return List.of(InterventionDecision.PROCEED, InterventionDecision.ABORT);
    }
    boolean required =
        step.step().required() || (step.isChild() && layout.step(step.parent()).step().required());
    if (required) {
      return List.of(InterventionDecision.RETRY, InterventionDecision.FAIL);
    }
    if (target == null) {
      return List.of(
          InterventionDecision.RETRY, InterventionDecision.IGNORE, InterventionDecision.FAIL);
    }
    return List.of(
        InterventionDecision.RETRY,
        InterventionDecision.IGNORE,
        InterventionDecision.EXCLUDE,
        InterventionDecision.FAIL);
  }

  /**
   * An execution asks for a person. A new one is raised; one its journal already records (asked
   * again after a restart) is only waited for, or, if answered meanwhile, answered at once.
   */
  private static void raise(Builder decision, DeploymentInbox.RaiseIntervention raise, long now) {
    DeploymentState state = decision.state;
    Intervention existing = state.interventionFor(raise.step(), raise.target(), raise.attempt());
    if (existing != null) {
      decision.then(
          existing.pending()
              ? new AwaitAnswer(existing.number(), raise.replyTo())
              : new DeliverAnswer(existing.number(), existing.decision(), raise.replyTo()));
      return;
    }
    PlanLayout layout = state.layout();
    StepInfo step = layout.step(raise.step());
    int number = state.interventions().size() + 1;
    String instructions = null;
    String responsible = null;
    if (step.step().isManual()) {
      // The execution sends them with their variables substituted (and sensitive ones masked).
      instructions =
          raise.message() != null
              ? raise.message()
              : ManualActionType.instructions(step.step().action().parameters());
      responsible = ManualActionType.responsible(step.step().action().parameters());
    }
    decision.record(
        new DeploymentEvent.InterventionRaised(
            number,
            raise.step(),
            raise.target(),
            raise.attempt(),
            raise.status(),
            instructions != null ? instructions : raise.message(),
            allowedDecisions(layout, step, raise.target()),
            instructions,
            responsible,
            now));
    decision.then(new AwaitAnswer(number, raise.replyTo()));
  }

  private static void onReport(Builder decision, Report report, LongSupplier clock) {
    if (report instanceof DeploymentInbox.ExecutionLog line) {
      decision.then(new PassOnLog(line));
      return;
    }
    DeploymentState state = decision.state;
    if (state.status() != DeploymentStatus.RUNNING || state.cancelRequested()) {
      return;
    }
    if (report instanceof DeploymentInbox.StartExecution start) {
      if (start.target() != null && state.excluded().contains(start.target())) {
        decision.then(new TargetExcluded(start.replyTo()));
        return;
      }
      decision.record(
          new ExecutionStarted(start.step(), start.target(), start.attempt(), start.atMicros()));
      decision.then(new ApproveStart(start.replyTo()));
    } else if (report instanceof DeploymentInbox.ExecutionEnded ended) {
      if (state.running().containsKey(new ExecutionKey(ended.step(), ended.target()))) {
        decision.record(
            new ExecutionFinished(
                ended.step(),
                ended.target(),
                ended.attempt(),
                ended.status(),
                ended.message(),
                ended.log(),
                ended.last(),
                ended.atMicros(),
                masked(ended.outputs(), ended.sensitiveOutputs()),
                List.copyOf(new java.util.TreeSet<>(ended.sensitiveOutputs()))));
      }
    } else if (report instanceof DeploymentInbox.ExecutionWaiting waiting) {
      decision.record(
          new DeploymentEvent.ExecutionWaiting(
              waiting.step(),
              waiting.target(),
              waiting.attempt(),
              waiting.heldBy(),
              waiting.atMicros()));
    } else if (report instanceof DeploymentInbox.RaiseIntervention raise) {
      raise(decision, raise, clock.getAsLong());
    } else if (report instanceof DeploymentInbox.InterventionTimedOut timedOut) {
      Intervention waiting =
          state.interventionFor(timedOut.step(), timedOut.target(), timedOut.attempt());
      if (waiting != null && waiting.pending()) {
        answered(
            decision,
            waiting,
            InterventionDecision.ABORT,
            null,
            "no answer within " + timedOut.after() + ": aborted",
            true,
            clock.getAsLong());
      }
    } else if (report instanceof DeploymentInbox.StepBegan began) {
      if (state.step(began.step()).status() == StepStatus.PENDING) {
        decision.record(new StepStarted(began.step(), clock.getAsLong()));
      }
    } else if (report instanceof DeploymentInbox.StepEnded ended) {
      stepEnded(decision, ended.step(), ended.targetsNotStarted(), clock.getAsLong());
    } else if (report instanceof DeploymentInbox.BlockEnded ended) {
      if (ended.block() == state.currentBlock()) {
        blockEnded(decision, ended.block(), clock.getAsLong());
        startBlock(decision, ended.block() + 1, clock);
      }
    }
  }

  /**
   * A step's throttle is over: every per-target actor of the step is gone. An execution still
   * recorded as running lost its actor before it reported its end (reports arrive in the order they
   * were sent, and an execution reports its end before its slot is freed): it ends FAILED.
   */
  private static void stepEnded(Builder decision, int step, int targetsNotStarted, long now) {
    PlanLayout layout = decision.state.layout();
    endOrphans(decision, step, now);
    for (StepInfo child : layout.childrenOf(step)) {
      decision.record(
          new StepFinished(
              child.index(), decision.state.outcomeOf(child.index()), targetsNotStarted, now));
    }
    decision.record(new StepFinished(step, decision.state.outcomeOf(step), targetsNotStarted, now));
  }

  private static void endOrphans(Builder decision, int step, long now) {
    PlanLayout layout = decision.state.layout();
    for (Intervention waiting : decision.state.pendingInterventions()) {
      if (!waiting.manual()
          && (waiting.step() == step || layout.step(waiting.step()).parent() == step)) {
        // Nobody is left to act on an answer: the failure stands.
        answered(decision, waiting, InterventionDecision.FAIL, null, ORPHANED, false, now);
      }
    }
    for (var entry : decision.state.running().entrySet()) {
      ExecutionKey key = entry.getKey();
      if (key.step() == step || layout.step(key.step()).parent() == step) {
        decision.record(
            new ExecutionFinished(
                key.step(),
                key.target(),
                entry.getValue().attempt(),
                ExecutionStatus.FAILED,
                ORPHANED,
                List.of(),
                true,
                now));
      }
    }
  }

  /**
   * A block's actor is over. A step of it that never reported its end lost its actor: it ends by
   * what its executions say, counting the ones in flight as failed (see {@link #stepEnded}).
   */
  private static void blockEnded(Builder decision, int block, long now) {
    PlanLayout layout = decision.state.layout();
    for (int stepIndex : layout.blocks().get(block)) {
      StepStatus status = decision.state.step(stepIndex).status();
      if (status == StepStatus.RUNNING) {
        stepEnded(
            decision,
            stepIndex,
            targetsNotStarted(decision.state, layout.step(stepIndex), layout),
            now);
      } else if (status == StepStatus.PENDING) {
        skip(decision, stepIndex, "its block ended before it started", now);
      }
    }
  }

  // ---- running blocks ----

  /**
   * Starts the first block at or after {@code block} that has a step allowed to run, or finishes.
   */
  private static void startBlock(Builder decision, int block, LongSupplier clock) {
    PlanLayout layout = decision.state.layout();
    for (int next = block; next < layout.blocks().size(); next++) {
      List<Integer> runnable = new ArrayList<>();
      for (int stepIndex : layout.blocks().get(next)) {
        StepInfo step = layout.step(stepIndex);
        String unreadable = null;
        boolean allowed;
        try {
          VariableResolver variables =
              RunFacts.resolver(
                  layout,
                  new RunFacts(decision.state, Map.of()),
                  decision.state.deploymentId(),
                  step,
                  null,
                  line -> {});
          allowed = step.step().condition().allows(decision.state.failed(), variables::value);
        } catch (VariableException e) {
          allowed = false;
          unreadable = e.getMessage();
        }
        if (allowed) {
          runnable.add(stepIndex);
        } else {
          skip(
              decision,
              stepIndex,
              "condition "
                  + describe(step.step().condition())
                  + (unreadable == null ? " not met" : " cannot be read: " + unreadable),
              clock.getAsLong());
        }
      }
      if (!runnable.isEmpty()) {
        decision.record(new BlockStarted(next, clock.getAsLong()));
        decision.then(
            new RunBlock(next, runnable, freshWork(layout, runnable, decision.state.excluded())));
        return;
      }
    }
    decision.finish(
        decision.state.failed() ? DeploymentStatus.FAILED : DeploymentStatus.SUCCEEDED,
        clock.getAsLong());
  }

  /**
   * The work of a block's steps when the block starts. Where steps of the block share machines
   * under exclusive isolation, each of those steps begins at a different point of its target list
   * (the i-th of the k sharing steps, in plan order, a fraction i/k in, wrapping around), so they
   * spread over the fleet instead of queueing for the same first guards. A step that shares no
   * target with another step of its block begins at its first target; so does a rolling step, whose
   * window is meant to walk the fleet in plan order (it still counts among the k).
   */
  static Map<Integer, StepWork> freshWork(PlanLayout layout, List<Integer> steps) {
    return freshWork(layout, steps, Set.of());
  }

  /** The work of a block's steps, leaving out the targets a person excluded. */
  static Map<Integer, StepWork> freshWork(
      PlanLayout layout, List<Integer> steps, Set<String> excluded) {
    Set<Integer> sharing = stepsSharingTargets(layout, steps);
    Map<Integer, StepWork> work = new HashMap<>();
    int position = 0;
    for (int stepIndex : steps) {
      StepInfo step = layout.step(stepIndex);
      int offset = 0;
      if (sharing.contains(stepIndex)) {
        if (!step.step().isRolling()) {
          offset = (int) ((long) position * step.targets().size() / sharing.size());
        }
        position++;
      }
      work.put(stepIndex, freshWork(step, layout, offset, excluded));
    }
    return work;
  }

  /**
   * The steps that share a target with another of {@code steps}; none unless isolation is
   * exclusive.
   */
  private static Set<Integer> stepsSharingTargets(PlanLayout layout, List<Integer> steps) {
    if (steps.size() < 2 || layout.plan().targetIsolation() != TargetIsolation.EXCLUSIVE) {
      return Set.of();
    }
    Map<String, Integer> stepsPerTarget = new HashMap<>();
    for (int stepIndex : steps) {
      for (String target : layout.step(stepIndex).targets()) {
        stepsPerTarget.merge(target, 1, Integer::sum);
      }
    }
    Set<Integer> sharing = new HashSet<>();
    for (int stepIndex : steps) {
      for (String target : layout.step(stepIndex).targets()) {
        if (stepsPerTarget.get(target) > 1) {
          sharing.add(stepIndex);
          break;
        }
      }
    }
    return sharing;
  }

  private static StepWork freshWork(
      StepInfo step, PlanLayout layout, int offset, Set<String> excluded) {
    List<Integer> sequence = sequenceOf(step, layout);
    if (step.step().runOnServer()) {
      return new StepWork(List.of(TargetWork.fresh(null, sequence)), 0);
    }
    List<String> names = step.targets();
    if (!excluded.isEmpty()) {
      names = names.stream().filter(name -> !excluded.contains(name)).toList();
    }
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
   * Carries on after a restart: executions that were in flight are interrupted (run again as their
   * next attempt, or failed, by the plan's policy), then the current block runs what it has left.
   * What the journal records as finished is never run again.
   */
  private static void resume(Builder decision, LongSupplier clock) {
    DeploymentState state = decision.state;
    PlanLayout layout = state.layout();
    boolean rerun = layout.plan().onInterrupted() == DeploymentPlan.InterruptPolicy.RERUN;
    long now = clock.getAsLong();
    for (var entry : state.running().entrySet()) {
      ExecutionKey key = entry.getKey();
      Intervention waiting =
          state.interventionFor(key.step(), key.target(), entry.getValue().attempt());
      if (waiting != null && waiting.pending()) {
        // A manual step runs nothing while it waits: it waits on, for the same intervention.
        continue;
      }
      decision.record(
          new ExecutionInterrupted(
              key.step(), key.target(), entry.getValue().attempt(), rerun, now));
    }
    int block = decision.state.currentBlock();
    if (block < 0) {
      startBlock(decision, 0, clock);
      return;
    }
    List<Integer> steps = new ArrayList<>();
    Map<Integer, StepWork> work = new HashMap<>();
    for (int stepIndex : layout.blocks().get(block)) {
      StepStatus status = decision.state.step(stepIndex).status();
      if (status == StepStatus.PENDING || status == StepStatus.RUNNING) {
        steps.add(stepIndex);
        work.put(stepIndex, remainingWork(decision.state, layout.step(stepIndex), layout));
      }
    }
    if (steps.isEmpty()) {
      startBlock(decision, block + 1, clock);
    } else {
      decision.then(new RunBlock(block, steps, work));
    }
  }

  /** A step's work after a restart: every target it has not finished, from where it stopped. */
  static StepWork remainingWork(DeploymentState state, StepInfo step, PlanLayout layout) {
    List<Integer> sequence = sequenceOf(step, layout);
    boolean stepFailed = false;
    for (int index : sequence) {
      stepFailed |= state.step(index).failed() > 0;
    }
    List<TargetWork> work = new ArrayList<>();
    List<TargetWork> waiting = new ArrayList<>();
    int notStarted = 0;
    for (String target : targetsOf(step)) {
      if (target != null && state.excluded().contains(target)) {
        continue;
      }
      int position = 0;
      boolean failedHere = false;
      while (position < sequence.size()) {
        ExecutionStatus outcome =
            state.finished().get(new ExecutionKey(sequence.get(position), target));
        if (outcome == null) {
          break;
        }
        failedHere |= outcome.isFailure();
        position++;
      }
      if (position == sequence.size()) {
        continue;
      }
      if (!started(state, sequence, target) && stepFailed) {
        // A failed step starts no new targets, before or after a restart.
        notStarted++;
        continue;
      }
      ExecutionKey key = new ExecutionKey(sequence.get(position), target);
      Integer last = state.lastAttempt().get(key);
      InFlight inFlight = state.running().get(key);
      int current = inFlight != null ? inFlight.attempt() : last == null ? 1 : last;
      Intervention pending = state.interventionFor(key.step(), target, current);
      if (pending != null && pending.pending()) {
        // It waits for its answer again; first in line, as it takes no slot for long.
        waiting.add(new TargetWork(target, sequence, position, current, failedHere, pending));
        continue;
      }
      work.add(new TargetWork(target, sequence, position, last == null ? 1 : last + 1, failedHere));
    }
    waiting.addAll(work);
    return new StepWork(waiting, notStarted);
  }

  // ---- ending ----

  /**
   * Ends a deployment before its blocks are through: the executions in flight end by {@code
   * ending}, a running step ends (CANCELLED, or FAILED) counting the targets it never started, a
   * pending step is skipped, and the deployment finishes.
   */
  private static void endEarly(Builder decision, Ending ending, String reason, long now) {
    DeploymentState state = decision.state;
    for (var entry : state.running().entrySet()) {
      ExecutionKey key = entry.getKey();
      int attempt = entry.getValue().attempt();
      decision.record(
          switch (ending) {
            case CANCELLED ->
                new ExecutionFinished(
                    key.step(),
                    key.target(),
                    attempt,
                    ExecutionStatus.CANCELLED,
                    "deployment cancelled: " + reason,
                    List.of(),
                    true,
                    now);
            case CANNOT_RUN ->
                new ExecutionInterrupted(key.step(), key.target(), attempt, false, now);
            case ABORTED ->
                new ExecutionFinished(
                    key.step(),
                    key.target(),
                    attempt,
                    ExecutionStatus.FAILED,
                    reason,
                    List.of(),
                    true,
                    now);
          });
    }
    StepStatus stepEnd = ending == Ending.CANCELLED ? StepStatus.CANCELLED : StepStatus.FAILED;
    String skipReason =
        switch (ending) {
          case CANCELLED -> "deployment cancelled";
          case CANNOT_RUN -> "cannot run on this engine: " + reason;
          case ABORTED -> "deployment aborted: " + reason;
        };
    PlanLayout layout = state.layout();
    for (StepInfo step : layout.steps()) {
      if (step.isChild()) {
        continue;
      }
      StepStatus status = decision.state.step(step.index()).status();
      if (status == StepStatus.RUNNING) {
        int notStarted = targetsNotStarted(decision.state, step, layout);
        for (StepInfo child : layout.childrenOf(step.index())) {
          decision.record(new StepFinished(child.index(), stepEnd, notStarted, now));
        }
        decision.record(new StepFinished(step.index(), stepEnd, notStarted, now));
      } else if (status == StepStatus.PENDING) {
        skip(decision, step.index(), skipReason, now);
      }
    }
    DeploymentStatus end =
        ending == Ending.CANCELLED ? DeploymentStatus.CANCELLED : DeploymentStatus.FAILED;
    decision.finish(end, now);
  }

  /**
   * How many targets of a top-level step never started an execution (of any of a rolling step's
   * children).
   */
  private static int targetsNotStarted(DeploymentState state, StepInfo step, PlanLayout layout) {
    List<Integer> sequence = sequenceOf(step, layout);
    int notStarted = 0;
    for (String target : targetsOf(step)) {
      if (!started(state, sequence, target)) {
        notStarted++;
      }
    }
    return notStarted;
  }

  private static boolean started(DeploymentState state, List<Integer> sequence, String target) {
    for (int index : sequence) {
      ExecutionKey key = new ExecutionKey(index, target);
      if (state.running().containsKey(key)
          || state.lastAttempt().containsKey(key)
          || state.finished().containsKey(key)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> targetsOf(StepInfo step) {
    return step.step().runOnServer() ? Collections.singletonList(null) : step.targets();
  }

  /** Outputs as the journal may hold them: a sensitive one's value masked. */
  private static Map<String, String> masked(Map<String, String> outputs, Set<String> sensitive) {
    if (sensitive.isEmpty()) {
      return outputs;
    }
    Map<String, String> masked = new LinkedHashMap<>(outputs);
    sensitive.forEach(name -> masked.computeIfPresent(name, (k, v) -> DeploymentPlan.MASK));
    return masked;
  }

  private static void skip(Builder decision, int stepIndex, String reason, long now) {
    decision.record(new StepSkipped(stepIndex, reason, now));
    for (StepInfo child : decision.state.layout().childrenOf(stepIndex)) {
      decision.record(new StepSkipped(child.index(), reason, now));
    }
  }

  private static String describe(RunCondition condition) {
    return condition.kind() == RunCondition.Kind.VARIABLE
        ? "variable " + condition.variable()
        : condition.kind().name().toLowerCase(Locale.ROOT);
  }

  /**
   * A decision being made: events are folded into {@code state} as they are decided, so later
   * reports of the same batch see them.
   */
  private static final class Builder {
    private final DeploymentState before;
    private DeploymentState state;
    private final List<DeploymentEvent> events = new ArrayList<>();
    private final List<Directive> directives = new ArrayList<>();
    private boolean finished;

    Builder(DeploymentState state) {
      this.before = state;
      this.state = state;
    }

    void record(DeploymentEvent event) {
      state = state.apply(event);
      events.add(event);
    }

    void then(Directive directive) {
      directives.add(directive);
    }

    void finish(DeploymentStatus status, long now) {
      record(new DeploymentFinished(status, now));
      finished = true;
    }

    Decision build() {
      return new Decision(
          before,
          state,
          Collections.unmodifiableList(events),
          Collections.unmodifiableList(directives),
          finished);
    }
  }
}
