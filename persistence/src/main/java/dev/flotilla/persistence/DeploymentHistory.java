package dev.flotilla.persistence;

import com.typesafe.config.Config;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentStarted;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.WallClock;
import dev.flotilla.engine.internal.deployment.DeploymentActor;
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
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentPersistenceIdsQuery;
import org.apache.pekko.persistence.query.javadsl.ReadJournal;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The read side of the journal: which deployments it holds, and each one's events, from which the
 * same timeline a live run produced is rebuilt without running anything.
 *
 * <p>It reads through the read journal of the engine's journal: Pekko's LevelDB read journal
 * (deprecated upstream, but the only reader of that journal) or the JDBC plugin's on PostgreSQL,
 * both through the same two queries, so the paging and damage checks below serve both.
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
  public record Summary(
      String id,
      String name,
      DeploymentStatus status,
      Instant startedAt,
      Duration duration,
      long events,
      String problem) {}

  private static final String PREFIX = DeploymentActor.persistenceId("x").id().replace("x", "");

  /**
   * Journal entries read from each end of a deployment to summarize it: its acceptance and start
   * are in its first, its end in its last; a deployment this short is read whole.
   */
  private static final long SUMMARY_HEAD = 16;

  private static final long SUMMARY_TAIL = 8;

  private final ActorSystem<?> system;
  private final CurrentPersistenceIdsQuery persistenceIds;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final Duration timeout;

  /** The most entries one read asks for: the read journal's buffer (see {@link #entries}). */
  private final long page;

  /** The history of the journal {@code system} writes to (its default journal plugin). */
  public DeploymentHistory(ActorSystem<?> system) {
    this.system = system;
    Config config = system.settings().config();
    String queryPlugin =
        DurableEngine.JDBC_JOURNAL_PLUGIN.equals(
                config.getString("pekko.persistence.journal.plugin"))
            ? DurableEngine.JDBC_QUERY_PLUGIN
            : DurableEngine.LEVELDB_QUERY_PLUGIN;
    ReadJournal readJournal =
        PersistenceQuery.get(system).getReadJournalFor(ReadJournal.class, queryPlugin);
    this.persistenceIds = (CurrentPersistenceIdsQuery) readJournal;
    this.journal = (CurrentEventsByPersistenceIdQuery) readJournal;
    this.timeout = config.getDuration("flotilla.journal.read-timeout");
    this.page = Math.max(1, config.getInt(queryPlugin + ".max-buffer-size"));
  }

  /** The ids of every deployment in the journal, in no particular order. */
  public List<String> deploymentIds() throws JournalReadException {
    List<String> ids =
        await(
            persistenceIds.currentPersistenceIds().runWith(Sink.seq(), system),
            "list the deployments",
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

  /**
   * Every event of one deployment, in order; empty if the journal does not know it.
   *
   * @throws JournalDamagedException if entries are missing from the journal; it carries the events
   *     recorded before the first missing entry
   */
  public List<DeploymentEvent> events(String deploymentId) throws JournalReadException {
    if (!exists(deploymentId, 1)) {
      return List.of();
    }
    long last = lastEntryNumber(deploymentId, 1);
    return unpacked(checkedEntries(deploymentId, entries(deploymentId, 1, last, true), 1, last));
  }

  /** The events of journal entries, in order: a batch's one by one. */
  private static List<DeploymentEvent> unpacked(List<DeploymentEvent> entries) {
    List<DeploymentEvent> events = new ArrayList<>();
    for (DeploymentEvent entry : entries) {
      events.addAll(DeploymentEvent.Batch.unpack(entry));
    }
    return events;
  }

  /** A journal entry and its number (its sequence number). */
  private record Entry(long number, DeploymentEvent event) {}

  /**
   * The entries' events, when the entries numbered {@code from} to {@code to} are all there.
   *
   * @throws JournalDamagedException naming the missing numbers, with the events before the first
   */
  private static List<DeploymentEvent> checkedEntries(
      String deploymentId, List<Entry> entries, long from, long to) throws JournalDamagedException {
    List<DeploymentEvent> events = new ArrayList<>(entries.size());
    List<long[]> missing = new ArrayList<>();
    long expected = from;
    int intact = -1;
    for (Entry entry : entries) {
      if (entry.number() != expected) {
        missing.add(new long[] {expected, entry.number() - 1});
        intact = intact < 0 ? events.size() : intact;
      }
      events.add(entry.event());
      expected = entry.number() + 1;
    }
    if (expected <= to) {
      missing.add(new long[] {expected, to});
      intact = intact < 0 ? events.size() : intact;
    }
    if (missing.isEmpty()) {
      return events;
    }
    throw new JournalDamagedException(
        deploymentId, missing, to, unpacked(events.subList(0, intact)));
  }

  /**
   * The journal entries of one deployment numbered {@code from} to {@code to} (from 1, both
   * included) that are there, in order: an event each in journals written before batches, a {@link
   * DeploymentEvent.Batch} each since.
   *
   * <p>Read in pages no longer than the read journal's buffer, each ending at an entry that is
   * there: Pekko's LevelDB read journal (up to 1.7.0 at least) never completes a current query
   * whose last replay round leaves exactly one entry to read (docs/journal-reads.md). A page of at
   * most one buffer is served by a single replay round, and a page whose last entry exists ends it;
   * one whose last entry is missing (a damaged journal) is read entry by entry.
   *
   * @param toExists entry {@code to} is known to be there (the caller found it), so the last page
   *     needs no look first
   */
  private List<Entry> entries(String deploymentId, long from, long to, boolean toExists)
      throws JournalReadException {
    List<Entry> entries = new ArrayList<>();
    for (long first = from; first <= to; first += page) {
      long last = Math.min(to, first + page - 1);
      if (last == first || (last == to && toExists) || exists(deploymentId, last)) {
        entries.addAll(page(deploymentId, first, last));
      } else {
        for (long number = first; number < last; number++) {
          entries.addAll(page(deploymentId, number, number));
        }
      }
    }
    return entries;
  }

  /**
   * One read of the read journal. Safe (it completes) when it spans at most one buffer and either
   * its last entry exists or it is a single entry: see {@link #entries}.
   */
  private List<Entry> page(String deploymentId, long from, long to) throws JournalReadException {
    String persistenceId = DeploymentActor.persistenceId(deploymentId).id();
    List<EventEnvelope> envelopes =
        await(
            journal
                .currentEventsByPersistenceId(persistenceId, from, to)
                .runWith(Sink.seq(), system),
            "read deployment " + deploymentId,
            timeout);
    List<Entry> entries = new ArrayList<>(envelopes.size());
    for (EventEnvelope envelope : envelopes) {
      entries.add(new Entry(envelope.sequenceNr(), (DeploymentEvent) envelope.event()));
    }
    return entries;
  }

  /**
   * One deployment's summary, read from the ends of its journal: its acceptance and start come
   * first and its end comes last, so a long deployment costs a few short reads (finding its last
   * entry by probing for entry numbers) instead of reading its whole history.
   */
  public Summary summary(String deploymentId) throws JournalReadException {
    if (!exists(deploymentId, 1)) {
      return summarize(deploymentId, List.of(), 0);
    }
    long last = lastEntryNumber(deploymentId, 1);
    long headEnd = Math.min(last, SUMMARY_HEAD);
    List<DeploymentEvent> ends =
        new ArrayList<>(
            checkedEntries(
                deploymentId, entries(deploymentId, 1, headEnd, headEnd == last), 1, headEnd));
    if (last > SUMMARY_HEAD) {
      long tailStart = Math.max(SUMMARY_HEAD + 1, last - SUMMARY_TAIL + 1);
      ends.addAll(
          checkedEntries(
              deploymentId, entries(deploymentId, tailStart, last, true), tailStart, last));
    }
    return summarize(deploymentId, unpacked(ends), eventCount(ends, last));
  }

  /**
   * How many events a deployment has, from the last of its entries read: a batch says how many were
   * recorded through it; an entry before batches existed is one event, so then the count is its
   * number.
   */
  private static long eventCount(List<DeploymentEvent> ends, long lastEntry) {
    if (ends.isEmpty()) {
      return 0;
    }
    return ends.get(ends.size() - 1) instanceof DeploymentEvent.Batch batch
        ? batch.total()
        : lastEntry;
  }

  /**
   * The number of the deployment's last journal entry, given that entry {@code known} exists: the
   * journal numbers a deployment's entries 1, 2, 3, ... without gaps, so doubling then halving
   * finds it in a few single-entry reads. (A gap in a damaged journal can hide the entries after it
   * from this search; the reads up to the number found still report every gap before it.)
   */
  private long lastEntryNumber(String deploymentId, long known) throws JournalReadException {
    long present = known;
    long step = known;
    // Double until an event number is missing, then halve the gap between the last present one and
    // it.
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

  /** Whether entry {@code number} is there: a single-entry read, which always completes. */
  private boolean exists(String deploymentId, long number) throws JournalReadException {
    return !page(deploymentId, number, number).isEmpty();
  }

  /**
   * The timeline rebuilt from the events alone; empty if the journal does not know the deployment.
   *
   * @throws JournalDamagedException if entries are missing; {@link
   *     JournalDamagedException#readableEvents} rebuild the timeline up to the damage ({@link
   *     #timelineOf})
   */
  public Optional<Timeline> replay(String deploymentId) throws JournalReadException {
    List<DeploymentEvent> events = events(deploymentId);
    if (events.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(timelineOf(events));
  }

  /** The timeline that these events, in order, describe. */
  public static Timeline timelineOf(List<DeploymentEvent> events) {
    TimelineRecorder recorder = new TimelineRecorder();
    events.forEach(recorder::onEvent);
    return recorder.timeline();
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
      } catch (JournalDamagedException e) {
        Summary readable = summarize(id, e.readableEvents(), e.readableEvents().size());
        summaries.add(
            new Summary(
                id,
                readable.name(),
                readable.status(),
                readable.startedAt(),
                readable.duration(),
                readable.events(),
                e.getMessage()));
      } catch (JournalReadException e) {
        summaries.add(new Summary(id, null, null, null, null, 0, e.getMessage()));
      }
    }
    summaries.sort(
        Comparator.comparing(Summary::startedAt, Comparator.nullsLast(Comparator.reverseOrder()))
            .thenComparing(Summary::id, Comparator.reverseOrder()));
    return summaries;
  }

  /**
   * @param events the events that say the deployment's name, start and end (all of them, or its
   *     ends)
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
    Duration duration =
        finishedAt == null ? null : Duration.ofNanos((finishedAt - origin) * 1_000L);
    Instant start = WallClock.toInstant(origin);
    return new Summary(id, name, status, start, duration, count, null);
  }

  /** Whether events say the deployment has not finished: what {@link Resumption} picks up. */
  static boolean isUnfinished(List<DeploymentEvent> events) {
    return !events.isEmpty() && events.stream().noneMatch(DeploymentFinished.class::isInstance);
  }

  /**
   * Starts the journal and waits until it answers: from then on this process holds the directory's
   * LevelDB lock. A journal that fails to open never answers.
   */
  void open(Duration within) throws JournalReadException {
    await(
        persistenceIds.currentPersistenceIds().runWith(Sink.ignore(), system),
        "open the journal",
        within);
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
      throw new JournalReadException(
          "cannot " + what + ": no answer from the journal within " + timeout, e);
    }
  }

  /** Reading the journal failed. */
  public static class JournalReadException extends Exception {
    public JournalReadException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * A deployment's journal lacks entries: it was damaged outside the engine (the engine numbers a
   * deployment's entries without gaps and never deletes them). Carries what is readable before the
   * first missing entry, so a reader can still show it.
   */
  public static final class JournalDamagedException extends JournalReadException {
    private final transient List<DeploymentEvent> readableEvents;
    private final String missing;

    JournalDamagedException(
        String deploymentId,
        List<long[]> missingRanges,
        long lastEntry,
        List<DeploymentEvent> readableEvents) {
      super(message(deploymentId, missingRanges, lastEntry, readableEvents.size()), null);
      this.readableEvents = List.copyOf(readableEvents);
      this.missing = ranges(missingRanges);
    }

    /** The events recorded before the first missing entry, in order. */
    public List<DeploymentEvent> readableEvents() {
      return readableEvents;
    }

    /** The missing entry numbers, as ranges: "57-60, 75". */
    public String missing() {
      return missing;
    }

    private static String message(
        String deploymentId, List<long[]> missingRanges, long lastEntry, int readable) {
      long count = missingRanges.stream().mapToLong(range -> range[1] - range[0] + 1).sum();
      return "deployment "
          + deploymentId
          + " is damaged: journal "
          + (count == 1 ? "entry " : "entries ")
          + ranges(missingRanges)
          + " of 1-"
          + lastEntry
          + (count == 1 ? " is" : " are")
          + " missing; the "
          + readable
          + " events before entry "
          + missingRanges.get(0)[0]
          + " are readable";
    }

    private static String ranges(List<long[]> missingRanges) {
      StringBuilder text = new StringBuilder();
      for (long[] range : missingRanges) {
        text.append(text.length() == 0 ? "" : ", ").append(range[0]);
        if (range[1] > range[0]) {
          text.append('-').append(range[1]);
        }
      }
      return text.toString();
    }
  }
}
