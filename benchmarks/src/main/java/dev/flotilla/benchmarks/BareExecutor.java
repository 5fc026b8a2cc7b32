package dev.flotilla.benchmarks;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The plainest hand-written scheduler for the same job, the near-limit reference for in-memory
 * overhead: steps one after another, each on a fixed pool of {@code cap} threads, a fair lock per
 * target. Nothing is recorded (no events, no timeline, no journal) and nothing survives a crash; it
 * only appends to the ledger, as every system under test does.
 */
final class BareExecutor {

  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final Ledger ledger;

  BareExecutor(Ledger ledger) {
    this.ledger = ledger;
  }

  /** Runs the workload over {@code targets} and returns once every step is done. */
  void run(Workload workload, List<String> targets) throws InterruptedException {
    for (int s = 0; s < workload.steps(); s++) {
      String step = Workload.stepName(s);
      ExecutorService pool = Executors.newFixedThreadPool(workload.cap());
      CountDownLatch done = new CountDownLatch(targets.size());
      for (String target : targets) {
        ReentrantLock lock = locks.computeIfAbsent(target, t -> new ReentrantLock(true));
        pool.execute(
            () -> {
              lock.lock();
              try {
                long start = System.nanoTime();
                if (workload.durationMs() > 0) {
                  Thread.sleep(workload.durationMs());
                }
                ledger.record(start, System.nanoTime(), target, step);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                lock.unlock();
                done.countDown();
              }
            });
      }
      done.await();
      pool.shutdown();
    }
  }
}
