package dev.flotilla.cluster;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.internal.deployment.DeploymentActor;
import dev.flotilla.engine.internal.runtime.EngineActor;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.EventsByPersistenceIdQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's engine behind the {@link dev.flotilla.engine.Flotilla} API: takes the engine's commands
 * and carries them to the deployments' sharded entities, whichever node hosts them. A submit is
 * asked of the deployment's entity until it answers that the acceptance is journaled; the handle
 * then hears the deployment's events from the shared journal (its read side), so it follows the
 * deployment across nodes and across a node's death, in order and exactly once. Output lines of
 * actions are not journaled, so a handle does not hear them.
 */
final class ClusterEngine {

  private static final Logger log = LoggerFactory.getLogger(ClusterEngine.class);

  private ClusterEngine() {}

  /**
   * @param recordedCounts how many events a {@link EngineActor.Resume}'s handle holds already, by
   *     deployment id (taken once); a resume not in it holds the acceptance only
   */
  static Behavior<EngineActor.Command> create(
      ClusterSharding sharding,
      String readJournal,
      Duration retryInterval,
      Map<String, Integer> recordedCounts) {
    return Behaviors.setup(
        context ->
            Behaviors.receive(EngineActor.Command.class)
                .onMessage(
                    EngineActor.Submit.class,
                    submit -> {
                      String id = submit.deploymentId();
                      EntityRef<DeploymentEntity.Command> entity =
                          sharding.entityRefFor(DeploymentEntity.TYPE_KEY, id);
                      context.spawnAnonymous(
                          Courier.create(
                              DeploymentEntity.Started.class,
                              entity,
                              (ActorRef<DeploymentEntity.Started> replyTo) ->
                                  new DeploymentEntity.Start(submit.plan(), replyTo),
                              retryInterval,
                              started ->
                                  follow(
                                      context.getSystem(), readJournal, id, 0, submit.listener())));
                      return Behaviors.same();
                    })
                .onMessage(
                    EngineActor.Resume.class,
                    resume -> {
                      // A handle for a deployment submitted anywhere: it holds the acceptance,
                      // or as many events as its follower read before.
                      Integer recorded = recordedCounts.remove(resume.deploymentId());
                      follow(
                          context.getSystem(),
                          readJournal,
                          resume.deploymentId(),
                          recorded == null ? 1 : recorded,
                          resume.listener());
                      return Behaviors.same();
                    })
                .onMessage(
                    EngineActor.Cancel.class,
                    cancel -> {
                      context.spawnAnonymous(
                          Courier.create(
                              DeploymentEntity.CancelTaken.class,
                              sharding.entityRefFor(
                                  DeploymentEntity.TYPE_KEY, cancel.deploymentId()),
                              (ActorRef<DeploymentEntity.CancelTaken> replyTo) ->
                                  new DeploymentEntity.Cancel(cancel.reason(), replyTo),
                              retryInterval,
                              taken -> {}));
                      return Behaviors.same();
                    })
                .onMessage(
                    EngineActor.Answer.class,
                    answer -> {
                      // Wherever the deployment runs; an answer asked again is refused as already
                      // answered, so the first reply that arrives is the one passed on.
                      context.spawnAnonymous(
                          Courier.create(
                              InterventionReply.class,
                              sharding.entityRefFor(
                                  DeploymentEntity.TYPE_KEY, answer.deploymentId()),
                              (ActorRef<InterventionReply> replyTo) ->
                                  new DeploymentEntity.Answer(
                                      answer.number(),
                                      answer.decision(),
                                      answer.by(),
                                      answer.note(),
                                      replyTo),
                              retryInterval,
                              reply -> answer.replyTo().tell(reply)));
                      return Behaviors.same();
                    })
                .onMessage(
                    EngineActor.Stop.class,
                    stop -> {
                      stop.replyTo().tell(Done.getInstance());
                      return Behaviors.stopped();
                    })
                .build());
  }

  /**
   * Hands {@code submitter} the deployment's events from the journal, after the first {@code skip},
   * until it finished; then lets the handle go.
   */
  static void follow(
      ActorSystem<?> system,
      String readJournal,
      String deploymentId,
      int skip,
      EngineActor.Submitter submitter) {
    EventsByPersistenceIdQuery journal =
        PersistenceQuery.get(system)
            .getReadJournalFor(EventsByPersistenceIdQuery.class, readJournal);
    journal
        .eventsByPersistenceId(DeploymentActor.persistenceId(deploymentId).id(), 0L, Long.MAX_VALUE)
        .mapConcat(envelope -> DeploymentEvent.Batch.unpack((DeploymentEvent) envelope.event()))
        .drop(skip)
        .takeWhile(event -> !(event instanceof DeploymentFinished), true)
        .runForeach(submitter::onEvent, system)
        .whenComplete(
            (done, error) -> {
              if (error != null) {
                log.error("Deployment {}: following its journal failed", deploymentId, error);
              }
              submitter.released();
            });
  }

  /**
   * Asks an entity until it answers, then runs {@code onAnswer} and stops: how a command crosses
   * the cluster, where sharding delivers at most once.
   */
  static final class Courier {
    private Courier() {}

    private record Answered<R>(R answer) {}

    private record Unanswered() {}

    static <M, R> Behavior<Object> create(
        Class<R> replyClass,
        EntityRef<M> entity,
        Function<ActorRef<R>, M> message,
        Duration retryInterval,
        Consumer<R> onAnswer) {
      return Behaviors.setup(
          context -> {
            Runnable ask =
                () ->
                    context.ask(
                        replyClass,
                        entity,
                        retryInterval,
                        message::apply,
                        (answer, error) ->
                            answer != null ? new Answered<>(answer) : new Unanswered());
            ask.run();
            return Behaviors.receive(Object.class)
                .onMessage(
                    Answered.class,
                    answered -> {
                      onAnswer.accept(replyClass.cast(answered.answer()));
                      return Behaviors.stopped();
                    })
                .onMessage(
                    Unanswered.class,
                    unanswered -> {
                      ask.run();
                      return Behaviors.same();
                    })
                .build();
          });
    }
  }
}
