package dev.flotilla.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.internal.deployment.DeploymentActor;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.engine.timeline.TimelineJson;
import dev.flotilla.persistence.DeploymentHistory.JournalDamagedException;
import dev.flotilla.persistence.testing.LoopbackPostgres;
import dev.flotilla.persistence.testing.TestJournal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.iq80.leveldb.DB;
import org.iq80.leveldb.DBIterator;
import org.iq80.leveldb.impl.Iq80DBFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reading a deployment's journal completes for every number of journal entries, around every
 * boundary of the read journal's buffer (Pekko's LevelDB read journal hangs on a current query
 * whose last replay round has one entry left: docs/journal-reads.md), and a damaged journal is
 * reported at once, with what is readable before the damage: on LevelDB and on PostgreSQL alike.
 */
class JournalReadsTest {

  /**
   * A real deployment's events and the timeline its live run produced, spread over journals below.
   */
  private static List<DeploymentEvent> liveEvents;

  private static String liveTimeline;

  @TempDir Path dir;

  @BeforeAll
  static void recordALiveDeployment() throws Exception {
    // 130 targets: over 260 events, enough to spread over 201 journal entries.
    try (Flotilla engine = Flotilla.start(EngineSettings.fromConfig(ConfigFactory.load()))) {
      DeploymentPlan plan =
          new PlanLoader(engine.settings().actionTypes())
              .parse(
                  """
          name: spread
          targets: [{ name: "node-{1..130}", roles: [node] }]
          steps:
            - { name: Patch, roles: [node], action: { type: simulate, duration: 0ms } }
          """,
                  "spread.yaml",
                  Map.of());
      List<DeploymentEvent> events = new CopyOnWriteArrayList<>();
      DeploymentHandle handle =
          engine.submit(
              plan,
              new DeploymentListener() {
                @Override
                public void onEvent(DeploymentEvent event) {
                  events.add(event);
                }
              });
      DeploymentResult result = handle.result().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      liveEvents = List.copyOf(events);
      liveTimeline = TimelineJson.toJson(result.timeline());
    }
    assertThat(liveEvents).hasSizeGreaterThan(201);
  }

  /** Each entry count on each journal. */
  private static Stream<Arguments> onEachJournal(int... counts) {
    return Stream.of(TestJournal.values())
        .flatMap(kind -> IntStream.of(counts).mapToObj(count -> Arguments.of(kind, count)));
  }

  static Stream<Arguments> aroundTheDefaultBuffer() {
    // The LevelDB read journal's default buffer is 100 (the JDBC one's 500: the reads page by it).
    return onEachJournal(1, 2, 99, 100, 101, 102, 199, 200, 201);
  }

  static Stream<Arguments> aroundABufferOfSeven() {
    return onEachJournal(1, 6, 7, 8, 13, 14, 15, 22, 50);
  }

  @ParameterizedTest(name = "{0}: {1} journal entries, default buffer")
  @MethodSource("aroundTheDefaultBuffer")
  void aDeploymentOfAnyEntryCountReplaysWithTheDefaultBuffer(TestJournal kind, int entries)
      throws Exception {
    // Proves that every read of the deployment completes and yields the live run's events and
    // timeline.
    assertReadsComplete(kind.create(dir), ConfigFactory.load(), entries);
  }

  @ParameterizedTest(name = "{0}: {1} journal entries, buffer of 7")
  @MethodSource("aroundABufferOfSeven")
  void aDeploymentOfAnyEntryCountReplaysWithASmallBuffer(TestJournal kind, int entries)
      throws Exception {
    // Proves the reads follow the configured buffer, not a hard-coded page.
    assertReadsComplete(kind.create(dir), smallBuffer(), entries);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void aDamagedJournalIsReportedAtOnceWithTheEventsBeforeTheDamage(TestJournal kind)
      throws Exception {
    // Proves a missing entry is named without waiting for the read timeout, and what precedes it is
    // still readable.
    Config config = smallBuffer();
    DurableJournal journal = kind.create(dir);
    String id = write(journal, config, 30);
    deleteEntries(journal, id, 12, 14);
    try (Flotilla engine =
        DurableEngine.start(journal, EngineSettings.fromConfig(config), config)) {
      DeploymentHistory history = new DeploymentHistory(engine.system());
      long started = System.nanoTime();
      assertThatThrownBy(() -> history.events(id))
          .isInstanceOfSatisfying(
              JournalDamagedException.class,
              damaged -> {
                assertThat(damaged.missing()).isEqualTo("12, 14");
                assertThat(damaged.getMessage()).contains("entries 12, 14 of 1-30 are missing");
                assertThat(damaged.readableEvents())
                    .isEqualTo(unpackedEntries(spread(30).subList(0, 11)));
              });
      assertThatThrownBy(() -> history.replay(id)).isInstanceOf(JournalDamagedException.class);
      assertThat(history.list())
          .singleElement()
          .satisfies(
              summary -> {
                assertThat(summary.problem()).contains("12, 14");
                assertThat(summary.name()).isEqualTo("spread");
              });
      // The reads above ran into the damage, not into the 60 s read timeout.
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(readTimeout(config));
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TestJournal.class)
  void aMissingEntryAtTheEndOfABufferIsReportedNotWaitedFor(TestJournal kind) throws Exception {
    // Proves the case that hangs a plain read (entries on both sides of a missing page end) is
    // named at once.
    Config config = smallBuffer();
    DurableJournal journal = kind.create(dir);
    String id = write(journal, config, 20);
    deleteEntries(journal, id, 7);
    try (Flotilla engine =
        DurableEngine.start(journal, EngineSettings.fromConfig(config), config)) {
      DeploymentHistory history = new DeploymentHistory(engine.system());
      assertThatThrownBy(() -> history.events(id))
          .isInstanceOfSatisfying(
              JournalDamagedException.class,
              damaged -> assertThat(damaged.missing()).isEqualTo("7"));
    }
  }

  private void assertReadsComplete(DurableJournal journal, Config config, int entries)
      throws Exception {
    String id = write(journal, config, entries);
    try (Flotilla engine =
        DurableEngine.start(journal, EngineSettings.fromConfig(config), config)) {
      DeploymentHistory history = new DeploymentHistory(engine.system());
      assertThat(history.events(id)).isEqualTo(liveEvents);
      assertThat(history.replay(id).map(TimelineJson::toJson)).contains(liveTimeline);
      assertThat(history.summary(id))
          .isEqualTo(DeploymentHistory.summarize(id, liveEvents, liveEvents.size()));
      assertThat(history.list())
          .singleElement()
          .satisfies(summary -> assertThat(summary.status()).isEqualTo(DeploymentStatus.SUCCEEDED));
    }
  }

  private static Config smallBuffer() {
    return ConfigFactory.parseString(
            "pekko.persistence.query.journal.leveldb.max-buffer-size = 7\n"
                + "jdbc-read-journal.max-buffer-size = 7")
        .withFallback(ConfigFactory.load());
  }

  private static Duration readTimeout(Config config) {
    return config.getDuration("flotilla.journal.read-timeout");
  }

  /** The live events as {@code count} journal entries, each a batch of consecutive events. */
  private static List<DeploymentEvent> spread(int count) {
    List<DeploymentEvent> entries = new ArrayList<>(count);
    int size = liveEvents.size();
    for (int i = 0; i < count; i++) {
      int from = (int) ((long) i * size / count);
      int to = (int) ((long) (i + 1) * size / count);
      entries.add(new DeploymentEvent.Batch(liveEvents.subList(from, to), to));
    }
    return entries;
  }

  private static List<DeploymentEvent> unpackedEntries(List<DeploymentEvent> entries) {
    return entries.stream().flatMap(entry -> DeploymentEvent.Batch.unpack(entry).stream()).toList();
  }

  /**
   * Writes the live deployment as {@code entries} journal entries under a new id; returns the id.
   */
  private String write(DurableJournal journal, Config config, int entries) throws Exception {
    String id = "spread-" + entries;
    try (Flotilla engine =
        DurableEngine.start(journal, EngineSettings.fromConfig(config), config)) {
      ActorRef<Write> writer =
          engine.system().systemActorOf(new EntryWriter(id), "writer-" + id, Props.empty());
      AskPattern.<Write, Done>ask(
              writer,
              replyTo -> new Write(spread(entries), replyTo),
              Duration.ofSeconds(30),
              engine.system().scheduler())
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    }
    return id;
  }

  /**
   * Damages the closed journal as a failing disk or a hand edit would: removes the deployment's
   * entries with these numbers.
   */
  private void deleteEntries(DurableJournal journal, String deploymentId, long... numbers)
      throws Exception {
    if (journal instanceof DurableJournal.Postgres postgres) {
      String numbered =
          LongStream.of(numbers).mapToObj(Long::toString).collect(Collectors.joining(", "));
      LoopbackPostgres.get()
          .execute(
              postgres,
              "DELETE FROM event_journal WHERE persistence_id = '"
                  + DeploymentActor.persistenceId(deploymentId).id()
                  + "' AND sequence_number IN ("
                  + numbered
                  + ")");
      return;
    }
    deleteLevelDbEntries(numbers);
  }

  /**
   * A LevelDB key is (persistence id number, entry number, mapping id); the deployment is the
   * journal's only persistence id.
   */
  private void deleteLevelDbEntries(long... numbers) throws Exception {
    try (DB db =
            Iq80DBFactory.factory.open(
                dir.resolve("journal").toFile(), new org.iq80.leveldb.Options());
        DBIterator keys = db.iterator()) {
      List<byte[]> doomed = new ArrayList<>();
      for (keys.seekToFirst(); keys.hasNext(); ) {
        byte[] key = keys.next().getKey();
        if (key.length != 20) {
          continue;
        }
        ByteBuffer fields = ByteBuffer.wrap(key);
        int persistenceId = fields.getInt();
        long number = fields.getLong();
        int mapping = fields.getInt();
        for (long wanted : numbers) {
          if (persistenceId != 1 && mapping == 0 && number == wanted) {
            doomed.add(key);
          }
        }
      }
      assertThat(doomed).hasSize(numbers.length);
      doomed.forEach(db::delete);
    }
  }

  private record Write(List<DeploymentEvent> entries, ActorRef<Done> replyTo) {}

  /** Journals given entries under a deployment's persistence id, one journal entry each. */
  private static final class EntryWriter
      extends EventSourcedBehavior<Write, DeploymentEvent, Integer> {

    EntryWriter(String deploymentId) {
      super(DeploymentActor.persistenceId(deploymentId));
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<Write, DeploymentEvent, Integer> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(
              Write.class,
              write ->
                  Effect()
                      .persist(write.entries())
                      .thenRun(state -> write.replyTo().tell(Done.getInstance())))
          .build();
    }

    @Override
    public EventHandler<Integer, DeploymentEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> state + 1);
    }
  }
}
