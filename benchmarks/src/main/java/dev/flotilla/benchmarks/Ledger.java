package dev.flotilla.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The log every system under test appends to, one line per action: {@code start end target step},
 * times in nanoseconds on one clock per ledger ({@code System.nanoTime()} inside a JVM, {@code date
 * +%s%N} from shell tasks). {@link LedgerChecker} reads it back the same way for every system, so
 * no system is checked by rules of its own.
 */
final class Ledger {

  /** One action as it ran: its own measured start and end. */
  record Entry(long startNanos, long endNanos, String target, String step) {

    Entry {
      if (endNanos < startNanos) {
        throw new IllegalArgumentException(
            "an action cannot end before it starts: " + startNanos + " " + endNanos);
      }
      if (target.isBlank() || step.isBlank() || target.contains(" ") || step.contains(" ")) {
        throw new IllegalArgumentException(
            "target and step must be single words: \"" + target + "\" \"" + step + "\"");
      }
    }

    String line() {
      return startNanos + " " + endNanos + " " + target + " " + step;
    }

    /** Parses one ledger line. */
    static Entry parse(String line) {
      String[] words = line.trim().split("\\s+");
      if (words.length != 4) {
        throw new IllegalArgumentException(
            "a ledger line is \"start end target step\", not \"" + line + "\"");
      }
      return new Entry(Long.parseLong(words[0]), Long.parseLong(words[1]), words[2], words[3]);
    }
  }

  private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();

  /** Appends one action; safe from any thread. */
  void record(long startNanos, long endNanos, String target, String step) {
    entries.add(new Entry(startNanos, endNanos, target, step));
  }

  /** Everything appended since the last drain, and an empty ledger for the next run. */
  List<Entry> drain() {
    List<Entry> drained = new ArrayList<>(entries.size());
    Entry entry;
    while ((entry = entries.poll()) != null) {
      drained.add(entry);
    }
    return drained;
  }

  /** A ledger file written by another process; blank lines are ignored. */
  static List<Entry> read(Path file) throws IOException {
    List<Entry> read = new ArrayList<>();
    if (!Files.exists(file)) {
      return read;
    }
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        read.add(Entry.parse(line));
      }
    }
    return read;
  }
}
