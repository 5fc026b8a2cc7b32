package dev.flotilla.persistence.testing;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import dev.flotilla.persistence.PostgresSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL the tests journal to: a throwaway cluster made by {@code
 * persistence/loopback-postgres}, started once per test JVM at its first use and stopped when the
 * JVM ends (a shutdown hook), so nothing is left running. Each test gets a database of its own,
 * with the journal's tables ({@link #newJournal}) or without ({@link #newEmptyDatabase}).
 *
 * <p>Without Debian's PostgreSQL 15 the tests that need it are skipped, saying so; with {@code CI}
 * set they fail instead: CI must run them.
 */
public final class LoopbackPostgres {

  /** Debian's PostgreSQL 15 server, which the script runs. */
  public static final Path SERVER = Path.of("/usr/lib/postgresql/15/bin/postgres");

  private static final String TEMPLATE = "flotilla_journal_template";
  private static LoopbackPostgres shared;
  private static String unavailable;

  private final Path script;
  private final Path directory;
  private final String baseUrl;
  private final String user;
  private final String password;
  private final AtomicInteger databases = new AtomicInteger();

  private LoopbackPostgres(
      Path script, Path directory, String baseUrl, String user, String password) {
    this.script = script;
    this.directory = directory;
    this.baseUrl = baseUrl;
    this.user = user;
    this.password = password;
  }

  /**
   * The JVM's cluster, started at the first call. Skips the calling test when PostgreSQL is not
   * installed (fails it under CI).
   */
  public static synchronized LoopbackPostgres get() {
    if (shared == null && unavailable == null) {
      if (!Files.isExecutable(SERVER)) {
        unavailable =
            "PostgreSQL 15 is not installed ("
                + SERVER
                + " is missing): install it with 'apt-get install postgresql' (./test does)";
      } else {
        shared = start();
      }
    }
    if (shared == null) {
      if (System.getenv("CI") != null) {
        Assertions.fail("the PostgreSQL journal tests must run under CI: " + unavailable);
      }
      Assumptions.abort("PostgreSQL journal test skipped: " + unavailable);
    }
    return shared;
  }

  /** Whether the cluster can run here (for tests that only choose their journals). */
  public static boolean installed() {
    return Files.isExecutable(SERVER);
  }

  private static LoopbackPostgres start() {
    Path script = script();
    try {
      // Not under the build directory: as root the server runs as the postgres user, which must
      // reach the directory.
      Path directory = Files.createTempDirectory("flotilla-postgres-");
      Map<String, String> lines = run(script, "start", directory.toString());
      LoopbackPostgres postgres =
          new LoopbackPostgres(
              script, directory, lines.get("url"), lines.get("user"), lines.get("password"));
      Runtime.getRuntime().addShutdownHook(new Thread(postgres::stop, "loopback-postgres-stop"));
      postgres.createTemplate();
      return postgres;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The script, found from the module's directory upwards (the tests run in a module). */
  private static Path script() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("persistence").resolve("loopback-postgres");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "persistence/loopback-postgres not found above " + Path.of("").toAbsolutePath());
  }

  /** A fresh database with the journal's tables, as a journal. */
  public DurableJournal.Postgres newJournal() {
    return journal(createDatabase(TEMPLATE));
  }

  /** A fresh database without the journal's tables; its URL. */
  public String newEmptyDatabase() {
    return createDatabase("template0");
  }

  /** The journal at this URL, connecting as the test user. */
  public DurableJournal.Postgres journal(String url) {
    return DurableJournal.postgres(
        url + "?user=" + user + "&password=" + password, ConfigFactory.load());
  }

  /** The URL of this database, with the test user and password in it (as --journal-url takes). */
  public String urlWithCredentials(DurableJournal.Postgres journal) {
    return journal.url() + "?user=" + user + "&password=" + password;
  }

  public String user() {
    return user;
  }

  public String password() {
    return password;
  }

  /** Runs SQL on the database of this journal (to damage it as a failing disk would). */
  public void execute(DurableJournal.Postgres journal, String sql) {
    try (Connection connection = DriverManager.getConnection(journal.url(), user, password);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** The number a query of one number answers on the database of this journal. */
  public long count(DurableJournal.Postgres journal, String sql) {
    try (Connection connection = DriverManager.getConnection(journal.url(), user, password);
        Statement statement = connection.createStatement();
        java.sql.ResultSet result = statement.executeQuery(sql)) {
      result.next();
      return result.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  private void createTemplate() {
    String url = createDatabase("template0", TEMPLATE);
    try {
      PostgresSchema.init(journal(url));
    } catch (JournalUnavailableException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private String createDatabase(String template) {
    return createDatabase(template, "journal_" + databases.incrementAndGet());
  }

  private String createDatabase(String template, String name) {
    try (Connection connection = DriverManager.getConnection(baseUrl, user, password);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name + " TEMPLATE " + template);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
    }
    return baseUrl.substring(0, baseUrl.lastIndexOf('/') + 1) + name;
  }

  private void stop() {
    try {
      run(script, "stop", directory.toString());
    } catch (IOException | RuntimeException e) {
      System.err.println("loopback-postgres: could not stop " + directory + ": " + e.getMessage());
      return;
    }
    try {
      // rm: tens of thousands of files (a database each test), faster than one delete each here.
      new ProcessBuilder("rm", "-rf", directory.toString()).start().waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      // A leftover directory in the temp dir holds no running server.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs the script; its {@code key=value} lines. */
  private static Map<String, String> run(Path script, String... args) throws IOException {
    String[] command = new String[args.length + 1];
    command[0] = script.toString();
    System.arraycopy(args, 0, command, 1, args.length);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(
            "loopback-postgres " + String.join(" ", args) + " failed:\n" + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    Map<String, String> lines = new HashMap<>();
    for (String line : output.split("\n")) {
      int equals = line.indexOf('=');
      if (equals > 0) {
        lines.put(line.substring(0, equals), line.substring(equals + 1));
      }
    }
    return lines;
  }
}
