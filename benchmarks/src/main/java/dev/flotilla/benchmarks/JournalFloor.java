package dev.flotilla.benchmarks;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.internal.deployment.DeploymentActor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.fusesource.leveldbjni.JniDBFactory;
import org.iq80.leveldb.DB;
import org.iq80.leveldb.Options;
import org.iq80.leveldb.WriteBatch;
import org.iq80.leveldb.WriteOptions;

/**
 * The least time the disk alone needs for a durable run of zero-length actions, whatever the engine
 * does around it. Each execution's start is written before its action runs (write-ahead), a
 * deployment has one write in flight, and a write can hold the starts of at most {@code cap}
 * executions: so a run needs at least {@code executions / cap} writes, one after another. Each such
 * write carries {@code cap} ends and {@code cap} starts at best, as one journal entry (a {@link
 * DeploymentEvent.Batch}); this measures how long the journal's LevelDB takes to write and sync an
 * entry of the size the journal really stores for such a batch (serialized here as the journal
 * serializes it).
 *
 * @param entryBytes the stored size of one write's batch of {@code eventsPerWrite} events
 * @param eventsPerWrite the events of one write at best ({@code 2 x cap})
 * @param medianWriteMs this disk's median time to write and sync such an entry
 * @param writes the fewest writes the run needs
 */
record JournalFloor(int entryBytes, int eventsPerWrite, double medianWriteMs, int writes) {

  private static final int SAMPLES = 500;

  double floorMs() {
    return writes * medianWriteMs;
  }

  static JournalFloor measure(ActorSystem<?> system, Path directory, int cap, int executions)
      throws IOException {
    int eventsPerWrite = 2 * cap;
    List<DeploymentEvent> round = new ArrayList<>(eventsPerWrite);
    for (int slot = 0; slot < cap; slot++) {
      round.add(
          new DeploymentEvent.ExecutionFinished(
              3,
              String.format("node-%05d", slot),
              1,
              ExecutionStatus.SUCCEEDED,
              null,
              List.of(),
              true,
              1_795_000_000_000_000L));
      round.add(
          new DeploymentEvent.ExecutionStarted(
              3, String.format("node-%05d", slot + cap), 1, 1_795_000_000_000_000L));
    }
    int entryBytes = storedSize(system, new DeploymentEvent.Batch(round, 12_345));
    Path dir = Files.createTempDirectory(directory, "journal-floor-");
    List<Double> millis = new ArrayList<>(SAMPLES);
    try (DB db = JniDBFactory.factory.open(dir.toFile(), new Options().createIfMissing(true))) {
      byte[] entry = new byte[entryBytes];
      WriteOptions sync = new WriteOptions().sync(true);
      long sequence = 0;
      for (int i = 0; i < SAMPLES; i++) {
        long start = System.nanoTime();
        try (WriteBatch batch = db.createWriteBatch()) {
          sequence++;
          // As the journal does: the entry under its key, and the deployment's highest sequence
          // number.
          batch.put(key(1, sequence), entry);
          batch.put(key(1, 0), ByteBuffer.allocate(8).putLong(sequence).array());
          db.write(batch, sync);
        }
        millis.add((System.nanoTime() - start) / 1e6);
      }
    } finally {
      BenchmarkSuite.delete(dir);
    }
    int writes = (executions + cap - 1) / cap;
    return new JournalFloor(entryBytes, eventsPerWrite, Stats.median(millis), writes);
  }

  private static int storedSize(ActorSystem<?> system, DeploymentEvent event) {
    Serialization serialization = SerializationExtension.get(system);
    String persistenceId = DeploymentActor.persistenceId("20261126T120000-0a1b2c").id();
    PersistentRepr stored =
        PersistentRepr.apply(
                event, 12_345, persistenceId, "", false, null, UUID.randomUUID().toString())
            .withTimestamp(System.currentTimeMillis());
    return serialization.serialize(stored).get().length;
  }

  private static byte[] key(int persistenceId, long sequence) {
    return ByteBuffer.allocate(20).putInt(persistenceId).putLong(sequence).putInt(0).array();
  }
}
