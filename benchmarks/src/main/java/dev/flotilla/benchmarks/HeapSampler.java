package dev.flotilla.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.atomic.AtomicLong;

/** Samples the heap in use every 50 ms on a daemon thread and keeps the peak. */
final class HeapSampler implements AutoCloseable {

  private static final long INTERVAL_MS = 50;

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final AtomicLong peak = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;

  private HeapSampler() {
    thread = new Thread(this::sample, "heap-sampler");
    thread.setDaemon(true);
  }

  /** Collects garbage first, so the peak is the run's, not leftovers'; then starts sampling. */
  static HeapSampler start() {
    System.gc();
    HeapSampler sampler = new HeapSampler();
    sampler.peak.set(sampler.used());
    sampler.thread.start();
    return sampler;
  }

  /** The heap in use now, in bytes. */
  long used() {
    return memory.getHeapMemoryUsage().getUsed();
  }

  long peakBytes() {
    return Math.max(peak.get(), used());
  }

  private void sample() {
    while (running) {
      peak.accumulateAndGet(used(), Math::max);
      try {
        Thread.sleep(INTERVAL_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
