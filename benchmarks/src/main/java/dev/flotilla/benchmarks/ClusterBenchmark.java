package dev.flotilla.benchmarks;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.cluster.FlotillaCluster;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.PostgresSchema;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * What a cluster costs per execution: the same plan (N targets x 5 zero-duration steps) on one
 * durable engine on PostgreSQL, on a cluster of one node and on a cluster of three nodes in this
 * JVM, all on the same PostgreSQL in the same run. The first difference is what the cluster's
 * machinery costs on one node (every target's guard is a sharded, event-sourced entity, so each
 * execution journals its lease's acquire and release; the caps are an entity; the handle hears the
 * deployment from the journal's read side); the second is what spreading the guards and the
 * deployment over three nodes adds (messages between nodes over Artery). Run: {@code benchmarks/run
 * --only cluster}.
 */
final class ClusterBenchmark {

  private static final int TARGETS = 200;
  private static final int QUICK_TARGETS = 50;
  private static final int STEPS = 5;
  private static final int CAP = 20;
  private static final int WARM_UP_RUNS = 2;
  private static final long JOIN_TIMEOUT_MS = 120_000;

  private ClusterBenchmark() {}

  static void run(BenchmarkSuite suite) throws Exception {
    int runs = suite.runs();
    int targets = suite.quick() ? QUICK_TARGETS : TARGETS;
    int executions = targets * STEPS;
    EngineSettings settings = FlotillaRuns.settings(new Ledger());
    Config config = nodeConfig();
    Report report = suite.report();
    String given = System.getenv("FLOTILLA_BENCHMARK_JOURNAL_URL");
    Path database = given == null ? suite.newDirectory("cluster-postgres-") : null;
    try {
      DurableJournal.Postgres postgres =
          DurableJournal.postgres(
              given != null ? given : PostgresJournalBenchmark.startCluster(database), config);
      PostgresSchema.init(postgres);
      DeploymentPlan plan = Fleet.plan("cluster", targets, STEPS, "0ms", CAP);
      report.line(
          "plan: %,d targets x %d steps, zero-duration actions, cap %d, median of %d runs after %d"
              + " warm-up runs; PostgreSQL %s; the cluster's read journal polls every %s",
          targets,
          STEPS,
          CAP,
          runs,
          WARM_UP_RUNS,
          given != null ? "given" : "15 on loopback",
          config.getString("jdbc-read-journal.refresh-interval"));

      double deployments = WARM_UP_RUNS + runs;
      long rows = journalRows(postgres);
      double oneEngineMs;
      try (Flotilla engine = DurableEngine.start(postgres, settings, config)) {
        oneEngineMs = median(engine, plan, runs);
      }
      long afterEngine = journalRows(postgres);
      double oneNodeMs = onCluster(1, postgres, settings, config, plan, runs);
      long afterOneNode = journalRows(postgres);
      double threeNodesMs = onCluster(3, postgres, settings, config, plan, runs);
      long afterThreeNodes = journalRows(postgres);
      report.line(
          "journal rows written per execution: one engine %.2f, cluster of 1 node %.2f, of 3 nodes"
              + " %.2f",
          (afterEngine - rows) / deployments / executions,
          (afterOneNode - afterEngine) / deployments / executions,
          (afterThreeNodes - afterOneNode) / deployments / executions);

      report.line(
          "one engine: %.0f ms (%.3f ms per execution, %,.0f executions/s)",
          oneEngineMs, oneEngineMs / executions, executions / (oneEngineMs / 1000));
      report.line(
          "cluster of 1 node: %.0f ms (%.3f ms per execution, %,.0f executions/s)",
          oneNodeMs, oneNodeMs / executions, executions / (oneNodeMs / 1000));
      report.line(
          "cluster of 3 nodes: %.0f ms (%.3f ms per execution, %,.0f executions/s)",
          threeNodesMs, threeNodesMs / executions, executions / (threeNodesMs / 1000));
      report.line(
          "overhead per execution, 3 nodes against one engine: %+.3f ms (%.2fx the time);"
              + " of which the cluster's machinery on one node %+.3f ms, spreading over 3 nodes"
              + " %+.3f ms",
          (threeNodesMs - oneEngineMs) / executions,
          threeNodesMs / oneEngineMs,
          (oneNodeMs - oneEngineMs) / executions,
          (threeNodesMs - oneNodeMs) / executions);
    } finally {
      if (database != null) {
        PostgresJournalBenchmark.script("stop", database.toString());
        BenchmarkSuite.delete(database);
      }
    }
  }

  /** Rows in the journal's table: what the runs between two counts wrote. */
  private static long journalRows(DurableJournal.Postgres postgres) throws SQLException {
    Properties credentials = new Properties();
    credentials.setProperty("user", postgres.user());
    credentials.setProperty("password", postgres.password());
    try (Connection connection = DriverManager.getConnection(postgres.url(), credentials);
        Statement statement = connection.createStatement();
        ResultSet count = statement.executeQuery("SELECT count(*) FROM event_journal")) {
      count.next();
      return count.getLong(1);
    }
  }

  /** The nodes' configuration: loopback, any free port, none may end this JVM. */
  private static Config nodeConfig() {
    return ConfigFactory.parseMap(
            Map.of(
                "flotilla.cluster.own-system.pekko.remote.artery.canonical.port",
                0,
                "flotilla.cluster.own-system.pekko.coordinated-shutdown.exit-jvm",
                "off",
                "flotilla.cluster.own-system.pekko.coordinated-shutdown.run-by-jvm-shutdown-hook",
                "off",
                "flotilla.cluster.own-system.pekko.cluster.jmx.multi-mbeans-in-same-jvm",
                "on",
                "flotilla.cluster.own-system.pekko.coordinated-shutdown.phases"
                    + ".cluster-sharding-shutdown-region.timeout",
                "3s",
                "flotilla.cluster.own-system.pekko.coordinated-shutdown.phases"
                    + ".cluster-exiting.timeout",
                "2s",
                "jdbc-read-journal.refresh-interval",
                "100ms"))
        .withFallback(FlotillaRuns.config());
  }

  /**
   * The median wall time of the plan on a cluster of {@code size} nodes, submitted to the first.
   */
  private static double onCluster(
      int size,
      DurableJournal.Postgres postgres,
      EngineSettings settings,
      Config config,
      DeploymentPlan plan,
      int runs)
      throws Exception {
    List<FlotillaCluster> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        nodes.add(FlotillaCluster.start(postgres, settings, config));
      }
      Cluster first = Cluster.get(nodes.get(0).system());
      for (FlotillaCluster node : nodes) {
        Cluster.get(node.system()).manager().tell(Join.create(first.selfMember().address()));
      }
      long deadline = System.currentTimeMillis() + JOIN_TIMEOUT_MS;
      while (!allUp(nodes, size)) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException(size + " nodes did not join within 2 minutes");
        }
        Thread.sleep(100);
      }
      return median(nodes.get(0).engine(), plan, runs);
    } finally {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
    }
  }

  private static boolean allUp(List<FlotillaCluster> nodes, int size) {
    for (FlotillaCluster node : nodes) {
      List<MemberStatus> statuses = new ArrayList<>();
      Cluster.get(node.system()).state().getMembers().forEach(m -> statuses.add(m.status()));
      if (statuses.size() != size || !statuses.stream().allMatch(MemberStatus.up()::equals)) {
        return false;
      }
    }
    return true;
  }

  private static double median(Flotilla engine, DeploymentPlan plan, int runs) throws Exception {
    for (int i = 0; i < WARM_UP_RUNS; i++) {
      FlotillaRuns.run(engine, plan);
    }
    List<Double> wall = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      wall.add(FlotillaRuns.run(engine, plan).wallMs());
    }
    return Stats.median(wall);
  }
}
