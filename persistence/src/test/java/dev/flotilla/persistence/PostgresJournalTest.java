package dev.flotilla.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.persistence.testing.LoopbackPostgres;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What only the PostgreSQL journal has: its URL and credentials, its schema applied by {@code db
 * init}, the checks at start, the shared pool and the writer lock beside readers.
 */
class PostgresJournalTest {

  private static final Config CONFIG = ConfigFactory.load();

  @Test
  void credentialsInTheUrlWinAndNeverShow() {
    DurableJournal.Postgres journal =
        DurableJournal.postgres(
            "jdbc:postgresql://db.example:5433/flotilla?user=deployer&password=s3cret&ssl=true",
            CONFIG);
    assertThat(journal.url()).isEqualTo("jdbc:postgresql://db.example:5433/flotilla?ssl=true");
    assertThat(journal.user()).isEqualTo("deployer");
    assertThat(journal.password()).isEqualTo("s3cret");
    assertThat(journal.driverUrl()).endsWith("?ssl=true&reWriteBatchedInserts=true");
    assertThat(journal.describe())
        .contains("user=deployer", "password=***")
        .doesNotContain("s3cret");
    assertThat(journal.toString()).doesNotContain("s3cret");
  }

  @Test
  void withoutCredentialsInTheUrlTheSettingsGiveThem() {
    Config config =
        ConfigFactory.parseString(
                "flotilla.journal.postgres { user = ops, password = hidden, pool-size = 5 }")
            .withFallback(CONFIG);
    DurableJournal.Postgres journal =
        DurableJournal.postgres("jdbc:postgresql://127.0.0.1/flotilla", config);
    assertThat(journal.user()).isEqualTo("ops");
    assertThat(journal.password()).isEqualTo("hidden");
    assertThat(journal.poolSize()).isEqualTo(5);
    assertThat(journal.driverUrl())
        .isEqualTo("jdbc:postgresql://127.0.0.1/flotilla?reWriteBatchedInserts=true");
  }

  @Test
  void theJournalKindIsChosenByConfiguration() {
    Config postgres =
        ConfigFactory.parseString(
                "flotilla.journal { kind = postgres, postgres.url = \"jdbc:postgresql://h/d\" }")
            .withFallback(CONFIG);
    assertThat(DurableJournal.fromConfig(postgres, java.nio.file.Path.of("unused")))
        .isInstanceOf(DurableJournal.Postgres.class);
    assertThat(DurableJournal.fromConfig(CONFIG, java.nio.file.Path.of("dir")))
        .isEqualTo(DurableJournal.levelDb(java.nio.file.Path.of("dir")));
    Config unknown =
        ConfigFactory.parseString("flotilla.journal.kind = mongo").withFallback(CONFIG);
    assertThatThrownBy(() -> DurableJournal.fromConfig(unknown, java.nio.file.Path.of("d")))
        .hasMessageContaining("leveldb or postgres");
  }

  @Test
  void everyStatementOfTheShippedSchemaIsMadeIdempotent() {
    assertThat(PostgresSchema.statements())
        .isNotEmpty()
        .allSatisfy(sql -> assertThat(sql).containsIgnoringCase("IF NOT EXISTS"));
  }

  @Test
  void anUnreachableDatabaseFailsAtStartNamingItWithThePasswordMasked() {
    DurableJournal.Postgres journal =
        DurableJournal.postgres(
            "jdbc:postgresql://127.0.0.1:1/flotilla?user=deployer&password=s3cret", CONFIG);
    assertThatThrownBy(
            () -> DurableEngine.start(journal, EngineSettings.fromConfig(CONFIG), CONFIG))
        .isInstanceOf(JournalUnavailableException.class)
        .hasMessageContaining("jdbc:postgresql://127.0.0.1:1/flotilla")
        .hasMessageContaining("password=***")
        .hasMessageContaining("cannot reach the database")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void aDatabaseWithoutTheSchemaFailsAtStartSayingWhatToRun() {
    LoopbackPostgres postgres = LoopbackPostgres.get();
    DurableJournal.Postgres journal = postgres.journal(postgres.newEmptyDatabase());
    assertThatThrownBy(
            () -> DurableEngine.start(journal, EngineSettings.fromConfig(CONFIG), CONFIG))
        .isInstanceOf(JournalUnavailableException.class)
        .hasMessageContaining(journal.url())
        .hasMessageContaining("password=***")
        .hasMessageContaining("missing tables event_journal, event_tag, snapshot")
        .hasMessageContaining("flotilla db init --journal-url " + journal.url())
        .hasMessageNotContaining("password=" + postgres.password());
  }

  @Test
  void theSchemaAppliesTwiceAndThenAnEngineRuns() throws Exception {
    LoopbackPostgres postgres = LoopbackPostgres.get();
    DurableJournal.Postgres journal = postgres.journal(postgres.newEmptyDatabase());
    assertThat(PostgresSchema.init(journal))
        .contains("public.event_journal", "public.snapshot", "state_tag_idx");
    assertThat(PostgresSchema.init(journal)).isEqualTo(PostgresSchema.init(journal));
    PostgresSchema.check(journal);
    try (Flotilla engine =
        DurableEngine.start(journal, EngineSettings.fromConfig(CONFIG), CONFIG)) {
      assertThat(run(engine, "after-init").status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    }
  }

  @Test
  void aReaderRunsBesideTheEngineThatWritesAndASecondWriterIsRefused() throws Exception {
    LoopbackPostgres postgres = LoopbackPostgres.get();
    DurableJournal.Postgres journal = postgres.newJournal();
    EngineSettings settings = EngineSettings.fromConfig(CONFIG);
    try (Flotilla writer = DurableEngine.start(journal, settings, CONFIG)) {
      String id = run(writer, "beside-a-reader").deploymentId();
      try (Flotilla reader = DurableEngine.startForReading(journal, settings, CONFIG)) {
        assertThat(new DeploymentHistory(reader.system()).list())
            .singleElement()
            .satisfies(summary -> assertThat(summary.id()).isEqualTo(id));
      }
      assertThatThrownBy(() -> DurableEngine.start(journal, settings, CONFIG))
          .isInstanceOf(JournalUnavailableException.class)
          .hasMessageContaining("already in use by another running Flotilla engine")
          .hasMessageContaining("process " + ProcessHandle.current().pid());
    }
    // The lock goes with the engine that held it.
    try (Flotilla next = DurableEngine.start(journal, settings, CONFIG)) {
      assertThat(new DeploymentHistory(next.system()).deploymentIds()).hasSize(1);
    }
  }

  @Test
  void theJournalSnapshotStoreAndReadJournalShareOneSizedPool() throws Exception {
    LoopbackPostgres postgres = LoopbackPostgres.get();
    DurableJournal.Postgres journal = postgres.newJournal();
    Config config =
        ConfigFactory.parseString("flotilla.journal.postgres.pool-size = 3").withFallback(CONFIG);
    DurableJournal.Postgres sized =
        DurableJournal.postgres(postgres.urlWithCredentials(journal), config);
    try (Flotilla engine = DurableEngine.start(sized, EngineSettings.fromConfig(config), config)) {
      // Writes and reads all go through the engine's pool.
      for (int i = 0; i < 3; i++) {
        assertThat(run(engine, "pooled-" + i).status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      }
      assertThat(new DeploymentHistory(engine.system()).list()).hasSize(3);
      long connections =
          postgres.count(
              journal,
              "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                  + " AND pid <> pg_backend_pid()");
      // The pool's 3 and the writer lock's own connection, never the plugins' 20 each.
      assertThat(connections).isBetween(1L, 4L);
    }
  }

  private static DeploymentResult run(Flotilla engine, String name) throws Exception {
    DeploymentPlan plan =
        new PlanLoader(engine.settings().actionTypes())
            .parse(
                "name: "
                    + name
                    + "\ntargets: [{ name: \"web-{1..20}\", roles: [web] }]\n"
                    + "steps:\n"
                    + "  - { name: Deploy, roles: [web], action: { type: simulate, duration: 0ms } }\n",
                name + ".yaml",
                Map.of());
    return engine.submit(plan).result().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
