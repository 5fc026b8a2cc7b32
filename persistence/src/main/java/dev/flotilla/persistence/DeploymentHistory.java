package dev.flotilla.persistence;

import dev.flotilla.engine.deployment.DeploymentActor;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The read side of the journal: which deployments it holds, and each one's events, from which
 * the same timeline a live run produced is rebuilt without running anything.
 *
 * <p>Pekko's LevelDB read journal is deprecated upstream but is the only reader of this journal;
 * it is confined to this class so it can be replaced in one place.
 */
public final class DeploymentHistory {

  /**
   * One deployment as listed.
   *
   * @param status the last status recorded; RUNNING or QUEUED if it never finished
   * @param startedAt when it started running (or was accepted, if it never started)
   * @param duration from start to finish; null if it never finished
   * @param problem why its events could not be read, or null
   */
  public record Summary(String id, String name, DeploymentStatus status, Instant startedAt, Duration duration,
      long events, String problem) {}

  private static final String PREFIX = DeploymentActor.persistenceId("x").id().replace("x", "");

  private final ActorSystem<?> system;
  private final LeveldbReadJournal journal;
  private final Duration timeout;

  @SuppressWarnings("deprecation")
  public DeploymentHistory(ActorSystem<?> system) {
    this.system = system;
    this.journal = PersistenceQuery.get(system).getReadJournalFor(LeveldbReadJournal.class,
        LeveldbReadJournal.Identifier());
    this.timeout = system.settings().config().getDuration("flotilla.journal.read-timeout");
  }

  /** The ids of every deployment in the journal, in no particular order. */
  public List<String> deploymentIds() throws JournalReadException {
    List<String> ids = await(journal.currentPersistenceIds().runWith(Sink.seq(), system), "list the deployments",
        timeout);
    List<String> deployments = new ArrayList<>();
    for (String id : ids) {
      // The journal also lists the pseudo-ids of its tag index, which start with $$$.
      if (id.startsWith(PREFIX) && !id.startsWith("$$$")) {
        deployments.add(id.substring(PREFIX.length()));
      }
    }
    return deployments;
  }

  /** Every event of one deployment, in order; empty if the journal does not know it. */
  public List<DeploymentEvent> events(String deploymentId) throws JournalReadException {
    String persistenceId = DeploymentActor.persistenceId(deploymentId).id();
    List<EventEnvelope> envelopes = await(
        journal.currentEventsByPersistenceId(persistenceId, 0L, Long.MAX_VALUE).runWith(Sink.seq(), system),
        "read deployment " + deploymentId, timeout);
    List<DeploymentEvent> events = new ArrayList<>(envelopes.size());
    for (EventEnvelope envelope : envelopes) {
      events.add((DeploymentEvent) envelope.event());
    }
    return events;
  }

  /** The timeline rebuilt from the events alone; empty if the journal does not know the deployment. */
  public Optional<Timeline> replay(String deploymentId) throws JournalReadException {
    List<DeploymentEvent> events = events(deploymentId);
    if (events.isEmpty()) {
      return Optional.empty();
    }
    TimelineRecorder recorder = new TimelineRecorder();
    events.forEach(recorder::onEvent);
    return Optional.of(recorder.timeline());
  }

  /**
   * Every deployment, newest first. A deployment whose events cannot be read is listed with its
   * problem; the others stay readable.
   */
  public List<Summary> list() throws JournalReadException {
    List<Summary> summaries = new ArrayList<>();
    for (String id : deploymentIds()) {
      try {
        summaries.add(summarize(id, events(id)));
      } catch (JournalReadException e) {
        summaries.add(new Summary(id, null, null, null, null, 0, e.getMessage()));
      }
    }
    summaries.sort(Comparator.comparing(Summary::startedAt, Comparator.nullsLast(Comparator.reverseOrder()))
        .thenComparing(Summary::id, Comparator.reverseOrder()));
    return summaries;
  }

  static Summary summarize(String id, List<DeploymentEvent> events) {
    String name = null;
    DeploymentStatus status = DeploymentStatus.QUEUED;
    long acceptedAt = 0;
    Long startedAt = null;
    Long finishedAt = null;
    for (DeploymentEvent event : events) {
      if (event instanceof DeploymentAccepted accepted) {
        name = accepted.plan().name();
        acceptedAt = accepted.atMicros();
      } else if (event instanceof DeploymentStarted started) {
        status = DeploymentStatus.RUNNING;
        startedAt = started.atMicros();
      } else if (event instanceof DeploymentFinished finished) {
        status = finished.status();
        finishedAt = finished.atMicros();
      }
    }
    long origin = startedAt != null ? startedAt : acceptedAt;
    Duration duration = finishedAt == null ? null : Duration.ofNanos((finishedAt - origin) * 1_000L);
    Instant start = Instant.ofEpochSecond(origin / 1_000_000L, (origin % 1_000_000L) * 1_000L);
    return new Summary(id, name, status, start, duration, events.size(), null);
  }

  /** Whether events say the deployment has not finished: what {@link Resumption} picks up. */
  static boolean isUnfinished(List<DeploymentEvent> events) {
    return !events.isEmpty() && events.stream().noneMatch(DeploymentFinished.class::isInstance);
  }

  /**
   * Starts the journal and waits until it answers: from then on this process holds the
   * directory's LevelDB lock. A journal that fails to open never answers.
   */
  void open(Duration within) throws JournalReadException {
    await(journal.currentPersistenceIds().runWith(Sink.ignore(), system), "open the journal", within);
  }

  private <T> T await(java.util.concurrent.CompletionStage<T> stage, String what, Duration timeout)
      throws JournalReadException {
    try {
      return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JournalReadException("interrupted while trying to " + what, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new JournalReadException("cannot " + what + ": " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new JournalReadException("cannot " + what + ": no answer from the journal within " + timeout, e);
    }
  }

  /** Reading the journal failed. */
  public static final class JournalReadException extends Exception {
    public JournalReadException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
