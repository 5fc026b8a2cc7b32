package dev.flotilla.benchmarks;

import dev.flotilla.engine.deployment.DeploymentActor;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.ExecutionStatus;
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
 * The least time the disk alone needs for a durable run of zero-length actions, whatever the
 * engine does around it. Each execution's start is written before its action runs (write-ahead),
 * a deployment has one write in flight, and a write can hold the starts of at most {@code cap}
 * executions: so a run needs at least {@code executions / cap} writes, one after another. Each
 * such write carries {@code cap} ends and {@code cap} starts at best; this measures how long the
 * journal's LevelDB takes to write and sync a batch of that many events of the size the journal
 * really stores (serialized here as the journal serializes them).
 *
 * @param eventBytes the stored size of an execution's start and end event, averaged
 * @param eventsPerWrite the events of one write at best ({@code 2 x cap})
 * @param medianWriteMs this disk's median time to write and sync such a batch
 * @param writes the fewest writes the run needs
 */
record JournalFloor(int eventBytes, int eventsPerWrite, double medianWriteMs, int writes) {

  private static final int SAMPLES = 500;

  double floorMs() {
    return writes * medianWriteMs;
  }

  static JournalFloor measure(ActorSystem<?> system, Path directory, int cap, int executions) throws IOException {
    int eventBytes = (storedSize(system, new DeploymentEvent.ExecutionStarted(3, "node-01234", 1, 1_795_000_000_000_000L))
        + storedSize(system, new DeploymentEvent.ExecutionFinished(3, "node-01234", 1, ExecutionStatus.SUCCEEDED,
            null, List.of(), true, 1_795_000_000_000_000L))) / 2;
    int eventsPerWrite = 2 * cap;
    Path dir = Files.createTempDirectory(directory, "journal-floor-");
    List<Double> millis = new ArrayList<>(SAMPLES);
    try (DB db = JniDBFactory.factory.open(dir.toFile(), new Options().createIfMissing(true))) {
      byte[] event = new byte[eventBytes];
      WriteOptions sync = new WriteOptions().sync(true);
      long sequence = 0;
      for (int i = 0; i < SAMPLES; i++) {
        long start = System.nanoTime();
        try (WriteBatch batch = db.createWriteBatch()) {
          for (int e = 0; e < eventsPerWrite; e++) {
            sequence++;
            // As the journal does: the event under its key, and the deployment's highest sequence number.
            batch.put(key(1, sequence), event);
            batch.put(key(1, 0), ByteBuffer.allocate(8).putLong(sequence).array());
          }
          db.write(batch, sync);
        }
        millis.add((System.nanoTime() - start) / 1e6);
      }
    } finally {
      BenchmarkSuite.delete(dir);
    }
    int writes = (executions + cap - 1) / cap;
    return new JournalFloor(eventBytes, eventsPerWrite, Stats.median(millis), writes);
  }

  private static int storedSize(ActorSystem<?> system, DeploymentEvent event) {
    Serialization serialization = SerializationExtension.get(system);
    String persistenceId = DeploymentActor.persistenceId("20261126T120000-0a1b2c").id();
    PersistentRepr stored = PersistentRepr.apply(event, 12_345, persistenceId, "", false, null,
        UUID.randomUUID().toString()).withTimestamp(System.currentTimeMillis());
    return serialization.serialize(stored).get().length;
  }

  private static byte[] key(int persistenceId, long sequence) {
    return ByteBuffer.allocate(20).putInt(persistenceId).putLong(sequence).putInt(0).array();
  }
}
