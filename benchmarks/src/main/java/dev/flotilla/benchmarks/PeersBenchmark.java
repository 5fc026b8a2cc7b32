package dev.flotilla.benchmarks;

import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.model.DeploymentPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Peers on the same plans as Flotilla, in the same run on the same machine, each reported as a
 * ratio to Flotilla: a bare executor (the near-limit reference), Temporal (in-memory test service)
 * and Ansible. Every system appends to a ledger of the same format and every run's ledger goes
 * through the one {@link LedgerChecker}; a rule a system cannot honour is reported as such.
 * Targets, on zero-duration actions: Flotilla at least a fifth of the bare executor's throughput,
 * at least 10x Temporal's and at least 1,000x Ansible's.
 */
final class PeersBenchmark {

  /** A system under test. */
  private interface Peer {
    String name();

    /** Runs the workload to its end; this call is what is timed. */
    void run(Workload workload, List<String> targets) throws Exception;

    /** The ledger of the last run. */
    List<Ledger.Entry> ledger() throws IOException;
  }

  /** A peer's figures on one workload. */
  private record Figures(
      String system, int runs, double wallMs, Workload workload, LedgerChecker.Verdict verdict) {
    double perSecond() {
      return workload.executions() / (wallMs / 1000);
    }

    /** peers.md: (makespan - lower bound) x cap / executions. */
    double overheadPerExecutionMs() {
      return Math.max(0, wallMs - workload.lowerBoundMs()) * workload.cap() / workload.executions();
    }

    String makespanOverBound() {
      return workload.lowerBoundMs() == 0
          ? "-"
          : String.format(Locale.ROOT, "%.3f", wallMs / workload.lowerBoundMs());
    }
  }

  /** What Flotilla's throughput must be, as a multiple of a peer's. */
  private record Target(String text, double atLeast) {}

  private PeersBenchmark() {}

  static void run(BenchmarkSuite suite) throws Exception {
    Report report = suite.report();
    boolean quick = suite.quick();
    Ledger ledger = new Ledger();
    report.line(
        "makespan = wall time of a run (for Ansible it includes its start-up, as every run of it does);");
    report.line(
        "every run's ledger is checked; medians over runs; each JVM system warms up on the workload first");
    try (Flotilla engine = FlotillaRuns.inMemory(FlotillaRuns.settings(ledger))) {
      OverheadBenchmark.warmUp(engine);
      ledger.drain();
      Peer flotilla = flotilla(engine, ledger);

      BareExecutor bare = new BareExecutor(ledger);
      Peer bareExecutor = jvmPeer("bare executor", ledger, bare::run);
      report.line(
          "bare executor: per-target mutex: a fair ReentrantLock per target, in this process only");
      compare(
          suite,
          flotilla,
          bareExecutor,
          new Workload(10_000, 5, 0, 10),
          suite.runs(),
          true,
          new Target("Flotilla in memory >= 1/5 of the bare executor's throughput", 0.2));
      compare(
          suite, flotilla, bareExecutor, new Workload(100, 2, 50, 10), suite.runs(), true, null);

      temporal(suite, flotilla, ledger, quick);
      ansible(suite, flotilla, quick);
    }
  }

  private static void temporal(BenchmarkSuite suite, Peer flotilla, Ledger ledger, boolean quick)
      throws Exception {
    Report report = suite.report();
    TemporalPeer temporal;
    try {
      temporal = new TemporalPeer(ledger);
    } catch (RuntimeException e) {
      report.notRun("Temporal", "could not start its test service: " + e);
      return;
    }
    try (temporal) {
      report.line(
          "Temporal: io.temporal:temporal-testing (in-memory test service), one workflow per run, one "
              + "activity per execution, a window of cap activities per step, time skipping off");
      report.notApplicable(
          "Temporal: per-target mutex across workflows",
          "not enforced (Temporal has none, only a "
              + "mutex-workflow pattern); within one workflow no target runs twice at once by construction, and the "
              + "checker confirms it");
      Peer peer = jvmPeer("Temporal", ledger, temporal::run);
      compare(
          suite,
          flotilla,
          peer,
          new Workload(quick ? 200 : 1_000, 5, 0, 10),
          suite.slowRuns(),
          true,
          new Target("Flotilla >= 10x Temporal's throughput", 10));
      compare(
          suite,
          flotilla,
          peer,
          new Workload(quick ? 50 : 100, 2, 50, 10),
          suite.slowRuns(),
          true,
          null);
    }
  }

  private static void ansible(BenchmarkSuite suite, Peer flotilla, boolean quick) throws Exception {
    Report report = suite.report();
    Path dir = suite.newDirectory("ansible-");
    try {
      Optional<AnsiblePeer> found = AnsiblePeer.find(dir);
      if (found.isEmpty()) {
        report.notRun("Ansible", "not installed (apt-get install ansible-core)");
        return;
      }
      AnsiblePeer ansible = found.get();
      report.line(
          "Ansible: %s; inventory of ansible_connection=local aliases, gather_facts: false, forks = cap, "
              + "linear strategy, pipelining on",
          ansible.version());
      report.notApplicable(
          "Ansible: per-target mutex across runs",
          "none (two playbook runs on one host are not kept "
              + "apart); within one run the linear strategy ends a task on every host before the next, and the checker "
              + "confirms it");
      List<List<Ledger.Entry>> last = new ArrayList<>(List.of(List.of()));
      Peer peer =
          new Peer() {
            @Override
            public String name() {
              return "Ansible";
            }

            @Override
            public void run(Workload workload, List<String> targets) throws Exception {
              last.set(0, ansible.run(workload, AnsiblePeer.Task.LEDGER));
            }

            @Override
            public List<Ledger.Entry> ledger() {
              return last.get(0);
            }
          };
      Workload overhead = quick ? new Workload(20, 2, 0, 10) : new Workload(50, 5, 0, 10);
      compare(
          suite,
          flotilla,
          peer,
          overhead,
          suite.slowRuns(),
          false,
          new Target("Flotilla >= 1,000x Ansible's throughput", 1_000));
      long start = System.nanoTime();
      ansible.run(overhead, AnsiblePeer.Task.TRUE);
      double ms = (System.nanoTime() - start) / 1e6;
      report.line(
          "Ansible with command: /bin/true and no ledger on %s: %,.0f ms, %,.1f executions/s",
          overhead, ms, overhead.executions() / (ms / 1000));
      compare(suite, flotilla, peer, new Workload(20, 2, 50, 10), suite.slowRuns(), false, null);
    } finally {
      BenchmarkSuite.delete(dir);
    }
  }

  /**
   * Runs Flotilla and the peer on one workload and prints both, the peer as a ratio to Flotilla.
   *
   * @param warmUp whether each runs the workload once unmeasured first (JVM systems)
   * @param target Flotilla's throughput over the peer's must reach this; null for none
   */
  private static void compare(
      BenchmarkSuite suite,
      Peer flotilla,
      Peer peer,
      Workload workload,
      int peerRuns,
      boolean warmUp,
      Target target)
      throws Exception {
    Report report = suite.report();
    report.blank();
    report.line(
        "%s vs Flotilla on %s (lower bound %.0f ms)",
        peer.name(), workload, workload.lowerBoundMs());
    Figures ours = measure(suite, flotilla, workload, Math.max(peerRuns, suite.runs()), true);
    Figures theirs = measure(suite, peer, workload, peerRuns, warmUp);
    report.line(
        "%-15s %5s %15s %14s %15s %16s",
        "system", "runs", "median wall ms", "executions/s", "makespan/bound", "overhead/exec");
    for (Figures figures : List.of(ours, theirs)) {
      report.line(
          "%-15s %5d %15.1f %,14.1f %15s %13.4f ms",
          figures.system(),
          figures.runs(),
          figures.wallMs(),
          figures.perSecond(),
          figures.makespanOverBound(),
          figures.overheadPerExecutionMs());
    }
    for (Figures figures : List.of(ours, theirs)) {
      report.line("  %s %s", figures.system(), figures.verdict().summary());
    }
    double throughput = ours.perSecond() / theirs.perSecond();
    report.line(
        "%s as a ratio to Flotilla: throughput %sx, makespan %sx (Flotilla's throughput is %sx theirs)",
        peer.name(),
        ratio(1 / throughput),
        ratio(theirs.wallMs() / ours.wallMs()),
        ratio(throughput));
    if (target != null) {
      report.target(
          target.text(),
          ratio(throughput) + "x",
          ">= "
              + (target.atLeast() < 1
                  ? String.valueOf(target.atLeast())
                  : String.format(Locale.ROOT, "%,.0f", target.atLeast()))
              + "x",
          throughput >= target.atLeast());
    }
  }

  /** Three significant figures, whatever the size. */
  static String ratio(double value) {
    if (value >= 100) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    return String.format(Locale.ROOT, value >= 10 ? "%.1f" : value >= 1 ? "%.2f" : "%.3g", value);
  }

  private static Figures measure(
      BenchmarkSuite suite, Peer peer, Workload workload, int runs, boolean warmUp)
      throws Exception {
    List<String> targets = workload.targetNames();
    if (warmUp) {
      peer.run(workload, targets);
      peer.ledger();
    }
    List<Double> walls = new ArrayList<>();
    LedgerChecker.Verdict verdict = null;
    for (int r = 0; r < runs; r++) {
      long start = System.nanoTime();
      peer.run(workload, targets);
      walls.add((System.nanoTime() - start) / 1e6);
      verdict =
          suite.check(
              peer.name() + " on " + workload, peer.ledger(), LedgerChecker.Rules.of(workload));
    }
    return new Figures(peer.name(), runs, Stats.median(walls), workload, verdict);
  }

  private static Peer flotilla(Flotilla engine, Ledger ledger) {
    Map<Workload, DeploymentPlan> plans = new HashMap<>();
    return jvmPeer(
        "Flotilla",
        ledger,
        (workload, targets) ->
            FlotillaRuns.run(
                engine, plans.computeIfAbsent(workload, w -> Fleet.ledgerPlan("peers", w))));
  }

  /** How a system in this JVM runs a workload. */
  @FunctionalInterface
  private interface Runner {
    void run(Workload workload, List<String> targets) throws Exception;
  }

  /** A system in this JVM that appends to the shared in-memory ledger. */
  private static Peer jvmPeer(String name, Ledger ledger, Runner runner) {
    return new Peer() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void run(Workload workload, List<String> targets) throws Exception {
        runner.run(workload, targets);
      }

      @Override
      public List<Ledger.Entry> ledger() {
        return ledger.drain();
      }
    };
  }
}
