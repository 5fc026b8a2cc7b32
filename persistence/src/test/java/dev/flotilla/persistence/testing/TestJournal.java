package dev.flotilla.persistence.testing;

import dev.flotilla.persistence.DurableJournal;
import java.nio.file.Path;

/**
 * The journals the durable tests run on, each test on both: {@code @EnumSource(TestJournal.class)}.
 */
public enum TestJournal {
  LEVELDB {
    @Override
    public DurableJournal create(Path directory) {
      return DurableJournal.levelDb(directory);
    }
  },
  POSTGRES {
    @Override
    public DurableJournal create(Path directory) {
      return LoopbackPostgres.get().newJournal();
    }
  };

  /**
   * A new, empty journal for one test: in {@code directory} on LevelDB, a database of its own on
   * PostgreSQL (the test is skipped, or fails under CI, where PostgreSQL is not installed).
   */
  public abstract DurableJournal create(Path directory);
}
