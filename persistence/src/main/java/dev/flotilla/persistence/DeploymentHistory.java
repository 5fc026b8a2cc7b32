package dev.flotilla.persistence;

import dev.flotilla.engine.deployment.DeploymentActor;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.WallClock;
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
  /**
   * Journal entries read from each end of a deployment to summarize it: its acceptance and start
   * are in its first, its end in its last; a deployment this short is read whole.
   */
  private static final long SUMMARY_HEAD = 16;
  private static final long SUMMARY_TAIL = 8;

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
    return unpacked(entries(deploymentId, 1L, Long.MAX_VALUE));
  }

  /** The events of journal entries, in order: a batch's one by one. */
  private static List<DeploymentEvent> unpacked(List<DeploymentEvent> entries) {
    List<DeploymentEvent> events = new ArrayList<>();
    for (DeploymentEvent entry : entries) {
      events.addAll(DeploymentEvent.Batch.unpack(entry));
    }
    return events;
  }

  /**
   * The journal entries of one deployment numbered {@code from} to {@code to} (from 1, both
   * included): an event each in journals written before batches, a {@link DeploymentEvent.Batch}
   * each since.
   */
  private List<DeploymentEvent> entries(String deploymentId, long from, long to) throws JournalReadException {
    String persistenceId = DeploymentActor.persistenceId(deploymentId).id();
    List<EventEnvelope> envelopes = await(
        journal.currentEventsByPersistenceId(persistenceId, from, to).runWith(Sink.seq(), system),
        "read deployment " + deploymentId, timeout);
    List<DeploymentEvent> entries = new ArrayList<>(envelopes.size());
    for (EventEnvelope envelope : envelopes) {
      entries.add((DeploymentEvent) envelope.event());
    }
    return entries;
  }

  /**
   * One deployment's summary, read from the ends of its journal: its acceptance and start come
   * first and its end comes last, so a long deployment costs a few short reads (finding its last
   * entry by probing for entry numbers) instead of reading its whole history.
   */
  public Summary summary(String deploymentId) throws JournalReadException {
    List<DeploymentEvent> head = entries(deploymentId, 1L, SUMMARY_HEAD);
    List<DeploymentEvent> ends = new ArrayList<>(head);
    long last = head.size();
    if (head.size() == SUMMARY_HEAD) {
      last = lastEntryNumber(deploymentId, SUMMARY_HEAD);
      ends.addAll(entries(deploymentId, Math.max(SUMMARY_HEAD + 1, last - SUMMARY_TAIL + 1), last));
    }
    return summarize(deploymentId, unpacked(ends), eventCount(ends, last));
  }

  /**
   * How many events a deployment has, from the last of its entries read: a batch says how many
   * were recorded through it; an entry before batches existed is one event, so then the count is
   * its number.
   */
  private static long eventCount(List<DeploymentEvent> ends, long lastEntry) {
    if (ends.isEmpty()) {
      return 0;
    }
    return ends.get(ends.size() - 1) instanceof DeploymentEvent.Batch batch ? batch.total() : lastEntry;
  }

  /** The number of the deployment's last journal entry, given that entry {@code known} exists. */
  private long lastEntryNumber(String deploymentId, long known) throws JournalReadException {
    long present = known;
    long step = known;
    // Double until an event number is missing, then halve the gap between the last present one and it.
    while (exists(deploymentId, present + step)) {
      present += step;
      step *= 2;
    }
    long missing = present + step;
    while (missing - present > 1) {
      long middle = present + (missing - present) / 2;
      if (exists(deploymentId, middle)) {
        present = middle;
      } else {
        missing = middle;
      }
    }
    return present;
  }

  private boolean exists(String deploymentId, long number) throws JournalReadException {
    return !entries(deploymentId, number, number).isEmpty();
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
        summaries.add(summary(id));
      } catch (JournalReadException e) {
        summaries.add(new Summary(id, null, null, null, null, 0, e.getMessage()));
      }
    }
    summaries.sort(Comparator.comparing(Summary::startedAt, Comparator.nullsLast(Comparator.reverseOrder()))
        .thenComparing(Summary::id, Comparator.reverseOrder()));
    return summaries;
  }

  /**
   * @param events the events that say the deployment's name, start and end (all of them, or its ends)
   * @param count how many events it has in all
   */
  static Summary summarize(String id, List<DeploymentEvent> events, long count) {
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
    Instant start = WallClock.toInstant(origin);
    return new Summary(id, name, status, start, duration, count, null);
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
