package dev.flotilla.cluster;

import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.action.ActionRuntime;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.deployment.WallClock;
import dev.flotilla.engine.internal.deployment.DeploymentActor;
import dev.flotilla.engine.internal.deployment.DeploymentWatch;
import dev.flotilla.engine.internal.guard.TargetGuard.Holder;
import dev.flotilla.engine.internal.guard.TargetGuards;
import dev.flotilla.engine.model.DeploymentPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * One deployment as a Cluster Sharding entity (entity id = deployment id): a shell around the
 * engine's event-sourced {@link DeploymentActor}, which it runs as its child with the node's
 * cluster guards. Sharding remembers it (in the journal) while it runs, so when its node dies it is
 * started again on a surviving node, recovers from the shared journal and carries on: the
 * executions recorded as finished never run again, the ones in flight are interrupted and re-run by
 * the plan's policy.
 *
 * <p>Its commands are idempotent and answered, for senders that ask again until answered: {@link
 * Start} (once the acceptance is in the journal), {@link Cancel}, {@link Admit} (from the caps),
 * {@link CheckLease} (from a guard). Once accepted and not finished, it enqueues itself at the
 * cluster's caps (asking again until answered) and runs when admitted. When it finishes it frees
 * its cap slot (through the node's {@link CapsClient}) and asks its shard to passivate it, so
 * sharding forgets it.
 */
final class DeploymentEntity {

  /** The deployments' entity type. */
  static final EntityTypeKey<Command> TYPE_KEY =
      EntityTypeKey.create(Command.class, "flotilla-deployment");

  sealed interface Command extends ClusterMessage {}

  /** Accepts the plan (ignored once accepted); answered with {@link Started} once journaled. */
  record Start(DeploymentPlan plan, ActorRef<Started> replyTo) implements Command {}

  record Started(String deploymentId) implements ClusterMessage {}

  /** Cancels the deployment; answered with {@link CancelTaken} once recorded (or if finished). */
  record Cancel(String reason, ActorRef<CancelTaken> replyTo) implements Command {}

  record CancelTaken(String deploymentId) implements ClusterMessage {}

  /**
   * Answers an intervention; replied to by the deployment once the answer is recorded (or refused:
   * asked again, it is refused as already answered), or at once if it has finished.
   */
  record Answer(
      int number,
      InterventionDecision decision,
      String by,
      String note,
      ActorRef<InterventionReply> replyTo)
      implements Command {}

  /** Where the deployment runs: answered with {@link Hosted}. */
  record Where(ActorRef<Hosted> replyTo) implements Command {}

  /**
   * @param node the address of the node hosting the deployment's entity
   * @param finished whether the deployment has finished
   */
  record Hosted(String deploymentId, String node, boolean finished) implements ClusterMessage {}

  /** The caps admit the deployment (again); answered with whether it has finished. */
  record Admit(ActorRef<ClusterCaps.AdmitAnswer> replyTo) implements Command {}

  /** A guard asks whether a lease of this deployment can still be in use. */
  record CheckLease(Holder lease, ActorRef<DeploymentActor.LeaseInUse> replyTo)
      implements Command {}

  /** Sharding's stop message once the entity asked to be passivated. */
  enum Stop implements Command {
    INSTANCE
  }

  private record Stood(DeploymentActor.Standing standing) implements Command {}

  private enum DeploymentStopped implements Command {
    INSTANCE
  }

  private record Enqueued(ClusterCaps.Enqueued answer) implements Command {}

  private enum EnqueueAgain implements Command {
    INSTANCE
  }

  /** The ending of a deployment out of restarts was written (or its writer stopped without). */
  private record EndingDone(boolean journaled) implements Command {}

  /**
   * What every deployment of a node shares.
   *
   * @param guards the node's {@link GuardClient}, as the guard registry
   */
  record Node(
      EngineSettings settings,
      ActionRuntime runtime,
      DeploymentActor.Store store,
      ActorRef<TargetGuards.Command> guards,
      ActorRef<CapsClient.Command> capsClient,
      ClusterSharding sharding,
      Duration retryInterval,
      int maxRestarts,
      Map<String, Integer> restarts) {}

  private final ActorContext<Command> context;
  private final String deploymentId;
  private final ActorRef<
          org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.ShardCommand>
      shard;
  private final Node node;
  private final DeploymentWatch watch;
  private final ActorRef<DeploymentActor.Command> deployment;
  private final ActorRef<DeploymentActor.Standing> standings;

  private DeploymentActor.Standing standing;
  private boolean stopped;
  private boolean enqueued;
  private boolean passivating;
  private final List<ActorRef<Started>> awaitingStart = new ArrayList<>();
  private final List<ActorRef<CancelTaken>> awaitingCancel = new ArrayList<>();

  private DeploymentEntity(
      ActorContext<Command> context,
      String deploymentId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      Node node) {
    this.context = context;
    this.deploymentId = deploymentId;
    this.shard = shard;
    this.node = node;
    EngineSettings settings = node.settings();
    this.watch = new DeploymentWatch(deploymentId, null, DeploymentListener.NONE, true);
    DeploymentActor.Wiring wiring =
        new DeploymentActor.Wiring(
            settings.actionTypes(),
            DeploymentListener.NONE,
            node.guards(),
            node.runtime(),
            settings.logTailLines(),
            settings.maxBatch(),
            settings.batchHold(),
            node.store(),
            settings.guardsTimeout());
    this.deployment =
        context.spawn(DeploymentActor.create(deploymentId, wiring, watch), "deployment");
    context.watchWith(deployment, DeploymentStopped.INSTANCE);
    this.standings = context.messageAdapter(DeploymentActor.Standing.class, Stood::new);
    deployment.tell(new DeploymentActor.Inquire(standings));
    context
        .getLog()
        .info(
            "Deployment {} is hosted on node {}",
            deploymentId,
            Cluster.get(context.getSystem()).selfMember().address());
  }

  static Behavior<Command> create(
      String deploymentId, ActorRef<ClusterSharding.ShardCommand> shard, Node node) {
    return Behaviors.setup(
        context -> new DeploymentEntity(context, deploymentId, shard, node).hosting());
  }

  private Behavior<Command> hosting() {
    return Behaviors.receive(Command.class)
        .onMessage(Start.class, this::onStart)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(Answer.class, this::onAnswer)
        .onMessage(
            Where.class,
            where -> {
              where.replyTo().tell(new Hosted(deploymentId, address(), finished() || stopped));
              return Behaviors.same();
            })
        .onMessage(Admit.class, this::onAdmit)
        .onMessage(CheckLease.class, this::onCheckLease)
        .onMessage(Stood.class, stood -> onStanding(stood.standing()))
        .onMessage(Enqueued.class, this::onEnqueued)
        .onMessage(
            EnqueueAgain.class,
            again -> {
              enqueue();
              return Behaviors.same();
            })
        .onMessage(DeploymentStopped.class, stoppedMessage -> onDeploymentStopped())
        .onMessage(EndingDone.class, this::onEndingDone)
        .onMessage(Stop.class, stop -> Behaviors.stopped())
        .build();
  }

  private boolean finished() {
    return standing != null && standing.finished();
  }

  private Behavior<Command> onStart(Start start) {
    if (standing != null && standing.accepted()) {
      start.replyTo().tell(new Started(deploymentId));
      return Behaviors.same();
    }
    awaitingStart.add(start.replyTo());
    if (!stopped) {
      deployment.tell(new DeploymentActor.Accept(start.plan()));
      deployment.tell(new DeploymentActor.Inquire(standings));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onCancel(Cancel cancel) {
    if (finished() || stopped) {
      cancel.replyTo().tell(new CancelTaken(deploymentId));
      return Behaviors.same();
    }
    awaitingCancel.add(cancel.replyTo());
    deployment.tell(new DeploymentActor.Cancel(cancel.reason()));
    deployment.tell(new DeploymentActor.Inquire(standings));
    return Behaviors.same();
  }

  private Behavior<Command> onAnswer(Answer answer) {
    if (finished() || stopped) {
      answer
          .replyTo()
          .tell(
              InterventionReply.of(
                  InterventionReply.Outcome.DEPLOYMENT_FINISHED,
                  "deployment "
                      + deploymentId
                      + " has finished; its interventions closed with it"));
      return Behaviors.same();
    }
    deployment.tell(
        new DeploymentActor.Answer(
            answer.number(), answer.decision(), answer.by(), answer.note(), answer.replyTo()));
    return Behaviors.same();
  }

  private String address() {
    return Cluster.get(context.getSystem()).selfMember().address().toString();
  }

  private Behavior<Command> onAdmit(Admit admit) {
    admit.replyTo().tell(new ClusterCaps.AdmitAnswer(deploymentId, finished()));
    if (!finished() && !stopped) {
      deployment.tell(DeploymentActor.Admit.INSTANCE);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onCheckLease(CheckLease check) {
    if (finished() || stopped) {
      check.replyTo().tell(new DeploymentActor.LeaseInUse(check.lease(), false));
    } else {
      deployment.tell(new DeploymentActor.CheckLease(check.lease(), check.replyTo()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onStanding(DeploymentActor.Standing now) {
    standing = now;
    if (now.accepted()) {
      awaitingStart.forEach(starter -> starter.tell(new Started(deploymentId)));
      awaitingStart.clear();
      awaitingCancel.forEach(canceller -> canceller.tell(new CancelTaken(deploymentId)));
      awaitingCancel.clear();
    }
    if (now.finished()) {
      leave();
    } else if (now.accepted() && !enqueued) {
      enqueued = true;
      enqueue();
    }
    return Behaviors.same();
  }

  /** Asks the caps to queue this deployment, again until they answer. */
  private void enqueue() {
    if (finished() || stopped) {
      return;
    }
    context.ask(
        ClusterCaps.Enqueued.class,
        node.sharding().entityRefFor(ClusterCaps.TYPE_KEY, ClusterCaps.ENTITY_ID),
        node.retryInterval(),
        replyTo -> new ClusterCaps.Enqueue(deploymentId, standing.concurrencyTag(), replyTo),
        (answer, error) -> answer != null ? new Enqueued(answer) : EnqueueAgain.INSTANCE);
  }

  private Behavior<Command> onEnqueued(Enqueued enqueuedAnswer) {
    if (enqueuedAnswer.answer().admitted() && !finished() && !stopped) {
      deployment.tell(DeploymentActor.Admit.INSTANCE);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDeploymentStopped() {
    stopped = true;
    if (watch.finished()) {
      node.restarts().remove(deploymentId);
      standing = new DeploymentActor.Standing(deploymentId, true, true, null);
      awaitingCancel.forEach(canceller -> canceller.tell(new CancelTaken(deploymentId)));
      awaitingCancel.clear();
      awaitingStart.forEach(starter -> starter.tell(new Started(deploymentId)));
      awaitingStart.clear();
      leave();
      return Behaviors.same();
    }
    // It stopped before finishing (its journal failed for good): stopping the entity without
    // passivation makes sharding start it again, and it recovers from the journal; up to
    // flotilla.cluster.deployment-restarts times on this node, then it ends FAILED.
    int restarts = node.restarts().merge(deploymentId, 1, Integer::sum);
    if (restarts <= node.maxRestarts()) {
      context
          .getLog()
          .error(
              "Deployment {} stopped before it finished; sharding starts it again from its journal"
                  + " (restart {} of {})",
              deploymentId,
              restarts,
              node.maxRestarts());
      return Behaviors.stopped();
    }
    node.restarts().remove(deploymentId);
    String reason =
        "it stopped before it finished "
            + restarts
            + " times in a row on node "
            + address()
            + " (flotilla.cluster.deployment-restarts = "
            + node.maxRestarts()
            + "): its journal keeps failing";
    context.getLog().error("Deployment {} ends FAILED: {}", deploymentId, reason);
    standing = new DeploymentActor.Standing(deploymentId, true, true, null);
    awaitingCancel.forEach(canceller -> canceller.tell(new CancelTaken(deploymentId)));
    awaitingCancel.clear();
    awaitingStart.forEach(starter -> starter.tell(new Started(deploymentId)));
    awaitingStart.clear();
    List<DeploymentEvent> ending;
    try {
      ending = watch.stopped(reason, WallClock.nowMicros());
    } catch (RuntimeException e) {
      context
          .getLog()
          .error(
              "Deployment {}: its ending cannot be made from what it recovered", deploymentId, e);
      ending = List.of();
    }
    if (ending.isEmpty()) {
      leave();
      return Behaviors.same();
    }
    ActorRef<DeploymentEnding.Written> written =
        context.messageAdapter(DeploymentEnding.Written.class, done -> new EndingDone(true));
    ActorRef<DeploymentEnding.Write> writer =
        context.spawn(
            DeploymentEnding.create(deploymentId, ending, node.store(), written), "ending");
    context.watchWith(writer, new EndingDone(false));
    writer.tell(DeploymentEnding.Write.INSTANCE);
    return Behaviors.same();
  }

  private Behavior<Command> onEndingDone(EndingDone done) {
    if (passivating) {
      return Behaviors.same();
    }
    if (done.journaled()) {
      context.getLog().info("Deployment {}: its FAILED ending is in the journal", deploymentId);
    } else {
      context
          .getLog()
          .error(
              "Deployment {}: the journal refused its FAILED ending too; it stays unfinished in"
                  + " the journal and is not started again",
              deploymentId);
    }
    leave();
    return Behaviors.same();
  }

  /** Finished: frees the cap slot and asks sharding to forget the entity. */
  private void leave() {
    if (passivating) {
      return;
    }
    passivating = true;
    node.capsClient().tell(new CapsClient.Leave(deploymentId));
    shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
  }
}
