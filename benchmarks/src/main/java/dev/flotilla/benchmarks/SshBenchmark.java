package dev.flotilla.benchmarks;

import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.ssh.SshActionType;
import dev.flotilla.ssh.SshEndpoint;
import dev.flotilla.ssh.SshSessions;
import dev.flotilla.ssh.SshSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Issue 13's figures: N targets x 2 steps of {@code true} over SSH to one OpenSSH server on
 * loopback ({@code ssh/loopback-sshd}), at cap 10 and cap 50, Flotilla's {@code ssh} action against
 * a plain loop of OpenSSH {@code ssh} commands with a master connection per target and against
 * Ansible over SSH ({@link SshPeers}). Targets: Flotilla at least 10x Ansible's throughput, and
 * Flotilla's time per execution at most 1.5x the multiplexed OpenSSH loop's.
 *
 * <p>Every system has one connection per target, as it would to 200 machines. Flotilla's pool keys
 * sessions by endpoint, so 200 target names on one {@code user@127.0.0.1:port} would share one
 * session: each target here names its own copy of the client key, which makes its endpoint its own
 * while every connection does the same work as to a distinct machine (TCP connect, key exchange,
 * host key check, public-key authentication). The OpenSSH loop names its control sockets after the
 * alias ({@code %n}); Ansible keys them by host, port and user, the host being the alias. Each run
 * starts with no connection open ("cold": a deployment's first contact, connections included); a
 * second run right after it reuses them ("warm").
 */
final class SshBenchmark {

  private static final int STEPS = 2;
  private static final List<Integer> CAPS = List.of(10, 50);
  private static final double ANSIBLE_TARGET = 10;
  private static final double OPENSSH_TARGET = 1.5;

  /** A system's median walls over its runs; warm is NaN when not measured. */
  private record Figures(String system, int runs, Workload workload, double coldMs, double warmMs) {
    double perSecond(double wallMs) {
      return workload.executions() / (wallMs / 1000);
    }

    /** The time one of the cap slots spends per execution: wall x cap / executions. */
    double perExecutionMs(double wallMs) {
      return wallMs * workload.cap() / workload.executions();
    }
  }

  private SshBenchmark() {}

  static void run(BenchmarkSuite suite) throws Exception {
    Report report = suite.report();
    int targets = suite.quick() ? 50 : 200;
    String user = System.getProperty("user.name");
    Path dir = suite.newDirectory("ssh-");
    // Control sockets need a short path (at most 108 bytes with OpenSSH's temporary suffix).
    Path sockets = Files.createTempDirectory("flotilla-cm-");
    LoopbackSshd sshd;
    try {
      sshd = LoopbackSshd.start(dir.resolve("sshd"));
    } catch (IllegalStateException e) {
      report.notRun("ssh", "no loopback sshd: " + e.getMessage());
      BenchmarkSuite.delete(dir);
      BenchmarkSuite.delete(sockets);
      return;
    }
    try (sshd) {
      report.line(
          "one OpenSSH server (%s) on 127.0.0.1:%d, user %s, ECDSA P-256 keys, key exchange curve25519-sha256 for every system; load average before: %s",
          "ssh/loopback-sshd", sshd.port(), user, loadAverage());
      report.line(
          "commands run with an empty HOME (no ~/.bashrc of the user's to run with each);"
              + " %d targets x %d steps of `true`; each system has one connection per target; cold = no"
              + " connection open at the start, warm = the connections of the cold run reused",
          targets, STEPS);
      SshPeers peers = SshPeers.create(sshd, dir, user);
      Map<String, SshEndpoint> ownEndpoints = ownEndpoints(sshd, dir, user, targets);
      SshEndpoint shared =
          SshEndpoint.withKey("127.0.0.1", sshd.port(), user, sshd.clientKey(), sshd.knownHosts());
      Optional<Path> ansible = SshPeers.ansible();
      if (ansible.isPresent()) {
        report.line(
            "Ansible: %s, ansible_connection=ssh, forks = cap, pipelining on, default ssh_args"
                + " (ControlMaster=auto, ControlPersist=60s), gather_facts off, command: true",
            SshPeers.ansibleVersion(ansible.get()));
      } else {
        report.notRun(
            "Ansible",
            "not installed: apt-get install -y ansible (Debian's package), then run again");
      }
      for (int cap : CAPS) {
        Workload workload = new Workload(targets, STEPS, 0, cap);
        report.blank();
        report.line("%s", workload);
        List<Figures> all = new ArrayList<>();
        Figures ours = flotilla("Flotilla", workload, ownEndpoints::get, suite.runs());
        all.add(ours);
        all.add(flotilla("Flotilla, 1 session", workload, target -> shared, suite.runs()));
        Figures openssh = openssh(peers, workload, sockets, suite.runs());
        all.add(openssh);
        Figures theirs = null;
        if (ansible.isPresent()) {
          theirs = ansible(peers, ansible.get(), workload, sockets, suite.slowRuns());
          all.add(theirs);
        }
        table(report, all);
        if (theirs != null) {
          double ratio = ours.perSecond(ours.coldMs()) / theirs.perSecond(theirs.coldMs());
          report.target(
              "cap " + cap + ": Flotilla's throughput over Ansible's",
              PeersBenchmark.ratio(ratio) + "x",
              ">= 10x",
              ratio >= ANSIBLE_TARGET);
        }
        double cold = ours.perExecutionMs(ours.coldMs()) / openssh.perExecutionMs(openssh.coldMs());
        report.target(
            "cap " + cap + ": Flotilla's time per execution over the OpenSSH loop's, cold",
            PeersBenchmark.ratio(cold) + "x",
            "<= 1.5x",
            cold <= OPENSSH_TARGET);
        double warm = ours.perExecutionMs(ours.warmMs()) / openssh.perExecutionMs(openssh.warmMs());
        report.target(
            "cap " + cap + ": Flotilla's time per execution over the OpenSSH loop's, warm",
            PeersBenchmark.ratio(warm) + "x",
            "<= 1.5x",
            warm <= OPENSSH_TARGET);
      }
    } finally {
      BenchmarkSuite.delete(dir);
      BenchmarkSuite.delete(sockets);
    }
  }

  /**
   * Flotilla's figures: per run a new engine and session pool (cold), then the same plan again on
   * them (warm). One cold and warm pair first, unmeasured, warms the JVM up.
   */
  private static Figures flotilla(
      String system, Workload workload, Function<String, SshEndpoint> endpoints, int runs)
      throws Exception {
    DeploymentPlan plan = plan(workload);
    List<Double> cold = new ArrayList<>();
    List<Double> warm = new ArrayList<>();
    for (int r = -1; r < runs; r++) {
      try (SshSessions sessions = new SshSessions(SshSettings.load())) {
        EngineSettings settings =
            EngineSettings.fromConfig(FlotillaRuns.config())
                .withActionType(new SshActionType(sessions, endpoints, Set.of()));
        try (Flotilla engine = FlotillaRuns.inMemory(settings)) {
          double first = FlotillaRuns.run(engine, plan).wallMs();
          double second = FlotillaRuns.run(engine, plan).wallMs();
          if (r >= 0) {
            cold.add(first);
            warm.add(second);
          }
        }
      }
    }
    return new Figures(system, runs, workload, Stats.median(cold), Stats.median(warm));
  }

  private static Figures openssh(SshPeers peers, Workload workload, Path sockets, int runs)
      throws Exception {
    List<Double> cold = new ArrayList<>();
    List<Double> warm = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      Path control = Files.createTempDirectory(sockets, "o");
      try {
        cold.add(timed(() -> peers.openSshLoop(workload, control)));
        warm.add(timed(() -> peers.openSshLoop(workload, control)));
      } finally {
        peers.exitMasters(control);
      }
    }
    return new Figures("OpenSSH loop", runs, workload, Stats.median(cold), Stats.median(warm));
  }

  private static Figures ansible(
      SshPeers peers, Path executable, Workload workload, Path sockets, int runs) throws Exception {
    List<Double> cold = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      Path control = Files.createTempDirectory(sockets, "a");
      try {
        cold.add(timed(() -> peers.ansible(executable, workload, control)));
      } finally {
        peers.exitMasters(control);
      }
    }
    return new Figures("Ansible", runs, workload, Stats.median(cold), Double.NaN);
  }

  private static void table(Report report, List<Figures> all) {
    report.line(
        "%-20s %4s %10s %9s %10s %10s %9s %10s",
        "system", "runs", "cold ms", "exec/s", "ms/exec", "warm ms", "exec/s", "ms/exec");
    for (Figures f : all) {
      report.line(
          "%-20s %4d %10.0f %,9.1f %10.2f %10s %9s %10s",
          f.system(),
          f.runs(),
          f.coldMs(),
          f.perSecond(f.coldMs()),
          f.perExecutionMs(f.coldMs()),
          Double.isNaN(f.warmMs()) ? "-" : String.format(Locale.ROOT, "%.0f", f.warmMs()),
          Double.isNaN(f.warmMs())
              ? "-"
              : String.format(Locale.ROOT, "%,.1f", f.perSecond(f.warmMs())),
          Double.isNaN(f.warmMs())
              ? "-"
              : String.format(Locale.ROOT, "%.2f", f.perExecutionMs(f.warmMs())));
    }
  }

  /** N targets x the steps of {@code ssh: true}, at most cap targets of a step at once. */
  private static DeploymentPlan plan(Workload workload) {
    List<Target> fleet = new ArrayList<>();
    for (String name : workload.targetNames()) {
      fleet.add(new Target(name, List.of(Fleet.ROLE)));
    }
    List<Step> steps = new ArrayList<>();
    for (int s = 0; s < workload.steps(); s++) {
      steps.add(
          Step.of(
              Workload.stepName(s),
              new ActionSpec(SshActionType.NAME, Map.of("run", "true")),
              Fleet.ROLE));
    }
    return DeploymentPlan.of("ssh-bench", fleet, steps).withMaxParallelism(workload.cap());
  }

  /** Each target's endpoint, made its own by its own copy of the client key (see above). */
  private static Map<String, SshEndpoint> ownEndpoints(
      LoopbackSshd sshd, Path dir, String user, int targets) throws IOException {
    Path keys = Files.createDirectories(dir.resolve("keys"));
    Map<String, SshEndpoint> endpoints = new HashMap<>();
    for (int i = 0; i < targets; i++) {
      String name = Workload.targetName(i);
      Path key = keys.resolve(name);
      Files.copy(sshd.clientKey(), key);
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
      endpoints.put(
          name, SshEndpoint.withKey("127.0.0.1", sshd.port(), user, key, sshd.knownHosts()));
    }
    return endpoints;
  }

  /** Something timed that may fail. */
  @FunctionalInterface
  private interface Timed {
    void run() throws Exception;
  }

  private static double timed(Timed work) throws Exception {
    long start = System.nanoTime();
    work.run();
    return (System.nanoTime() - start) / 1e6;
  }

  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
