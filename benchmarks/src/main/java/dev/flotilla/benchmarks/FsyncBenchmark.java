package dev.flotilla.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * How long this machine takes to make a small write durable, on the disk the journal uses: the cost
 * a durable engine without group commit would pay per recorded event. With {@code cap} executions
 * in flight and one fsync each, no engine could exceed {@code cap / fsync latency} executions per
 * second; group commit is how Flotilla goes past it.
 */
final class FsyncBenchmark {

  static final int SAMPLES = 1000;

  /** Write-and-force latency of a small record. */
  record Latency(double medianMs, double p99Ms, int samples) {
    /**
     * Executions per second if each of {@code cap} executions in flight waited for its own fsync.
     */
    double perFsyncBound(int cap) {
      return cap / (medianMs / 1000);
    }
  }

  private FsyncBenchmark() {}

  static void run(BenchmarkSuite suite) throws IOException {
    Latency latency = suite.fsync();
    Report report = suite.report();
    report.line(
        "write + force of a 100-byte record, %d times: median %.3f ms, p99 %.3f ms",
        latency.samples(), latency.medianMs(), latency.p99Ms());
    report.line(
        "bound without group commit (cap / fsync latency): cap 10 -> %,.0f executions/s, cap 100 -> %,.0f/s",
        latency.perFsyncBound(10), latency.perFsyncBound(100));
  }

  static Latency measure(Path directory, int samples) throws IOException {
    Path file = Files.createTempFile(directory, "fsync-", ".probe");
    byte[] record = "0123456789".repeat(10).getBytes(StandardCharsets.US_ASCII);
    List<Double> millis = new ArrayList<>(samples);
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer buffer = ByteBuffer.wrap(record);
      for (int i = 0; i < samples; i++) {
        buffer.rewind();
        long start = System.nanoTime();
        channel.write(buffer);
        // Data only, as LevelDB's synchronous writes do (fdatasync).
        channel.force(false);
        millis.add((System.nanoTime() - start) / 1e6);
      }
    } finally {
      Files.deleteIfExists(file);
    }
    return new Latency(Stats.median(millis), Stats.percentile(millis, 99), samples);
  }
}
