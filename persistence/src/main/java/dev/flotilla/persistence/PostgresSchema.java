package dev.flotilla.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tables of a PostgreSQL journal: Pekko's JDBC plugin ships their DDL but never applies it.
 * {@link #init} applies it so that it can run any number of times (each statement made idempotent,
 * run one by one with autocommit: {@code CREATE INDEX CONCURRENTLY} cannot run in a transaction);
 * {@link #check} is what a starting engine asks first, so that a database it cannot reach or one
 * without the tables is reported at once, with what to run.
 */
public final class PostgresSchema {

  /** The plugin's DDL for PostgreSQL, in its jar. */
  static final String DDL = "/schema/postgres/postgres-create-schema.sql";

  /** The tables the journal, the snapshot store and the read journal use. */
  static final List<String> TABLES = List.of("event_journal", "event_tag", "snapshot");

  private static final Pattern CREATE_INDEX =
      Pattern.compile(
          "^CREATE\\s+(UNIQUE\\s+)?INDEX\\s+(CONCURRENTLY\\s+)?(?!IF\\s+NOT\\s+EXISTS)(\\w+)",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern IDEMPOTENT =
      Pattern.compile(
          "^CREATE\\s+(TABLE|(UNIQUE\\s+)?INDEX(\\s+CONCURRENTLY)?)\\s+IF\\s+NOT\\s+EXISTS\\s+([\\w.]+)",
          Pattern.CASE_INSENSITIVE);

  private PostgresSchema() {}

  /**
   * Creates whatever the journal's tables and indexes lack in the database; leaves what is there.
   *
   * @return each statement's object (table or index), in the order applied
   * @throws JournalUnavailableException if the database cannot be reached or refuses a statement
   */
  public static List<String> init(DurableJournal.Postgres journal)
      throws JournalUnavailableException {
    List<String> applied = new ArrayList<>();
    try (Connection connection = connect(journal);
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(true);
      for (String sql : statements()) {
        Matcher created = IDEMPOTENT.matcher(sql);
        if (!created.find()) {
          throw new IllegalStateException("not an idempotent CREATE statement: " + sql);
        }
        String object = created.group(4);
        dropIfInvalidIndex(connection, object);
        try {
          statement.execute(sql);
        } catch (SQLException e) {
          throw new JournalUnavailableException(
              journal.describe(), "cannot create " + object + ": " + e.getMessage(), e);
        }
        applied.add(object);
      }
    } catch (SQLException e) {
      throw unreachable(journal, e);
    }
    return applied;
  }

  /**
   * Checks that the database answers and holds the journal's tables.
   *
   * @throws JournalUnavailableException naming the URL (password masked) and what to do
   */
  public static void check(DurableJournal.Postgres journal) throws JournalUnavailableException {
    List<String> missing = new ArrayList<>();
    try (Connection connection = connect(journal);
        PreparedStatement exists = connection.prepareStatement("SELECT to_regclass(?)")) {
      for (String table : TABLES) {
        exists.setString(1, "public." + table);
        try (ResultSet result = exists.executeQuery()) {
          if (!result.next() || result.getString(1) == null) {
            missing.add(table);
          }
        }
      }
    } catch (SQLException e) {
      throw unreachable(journal, e);
    }
    if (!missing.isEmpty()) {
      throw new JournalUnavailableException(
          journal.describe(),
          "the database has no Flotilla journal (missing "
              + (missing.size() == 1 ? "table " : "tables ")
              + String.join(", ", missing)
              + "); create it with: flotilla db init --journal-url "
              + journal.url(),
          null);
    }
  }

  /**
   * The DDL statements the plugin ships, each made idempotent: its tables already say {@code IF NOT
   * EXISTS}, its indexes do not.
   */
  static List<String> statements() {
    String ddl;
    try (InputStream in = PostgresSchema.class.getResourceAsStream(DDL)) {
      if (in == null) {
        throw new IllegalStateException(
            DDL + " is not on the class path (pekko-persistence-jdbc is missing)");
      }
      ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DDL + ": " + e.getMessage(), e);
    }
    List<String> statements = new ArrayList<>();
    for (String part : ddl.split(";")) {
      String sql = part.strip();
      if (sql.isEmpty()) {
        continue;
      }
      Matcher index = CREATE_INDEX.matcher(sql);
      if (index.find()) {
        sql =
            "CREATE "
                + (index.group(1) == null ? "" : "UNIQUE ")
                + "INDEX "
                + (index.group(2) == null ? "" : "CONCURRENTLY ")
                + "IF NOT EXISTS "
                + index.group(3)
                + sql.substring(index.end());
      }
      statements.add(sql);
    }
    return statements;
  }

  /**
   * An index that a {@code CREATE INDEX CONCURRENTLY} left half-built (it failed or was
   * interrupted) exists but is invalid: {@code IF NOT EXISTS} would keep it, so it is dropped and
   * built again.
   */
  private static void dropIfInvalidIndex(Connection connection, String name) throws SQLException {
    String bare = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    boolean invalid;
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                + " WHERE c.relname = ? AND c.relnamespace = 'public'::regnamespace")) {
      query.setString(1, bare);
      try (ResultSet result = query.executeQuery()) {
        invalid = result.next() && result.getBoolean(1);
      }
    }
    if (invalid) {
      try (Statement drop = connection.createStatement()) {
        drop.execute("DROP INDEX CONCURRENTLY IF EXISTS public." + bare);
      }
    }
  }

  /** A connection outside the engine's pool, for the schema and the checks at start. */
  static Connection connect(DurableJournal.Postgres journal) throws SQLException {
    Properties properties = new Properties();
    if (!journal.user().isEmpty()) {
      properties.setProperty("user", journal.user());
    }
    if (!journal.password().isEmpty()) {
      properties.setProperty("password", journal.password());
    }
    long seconds = Math.max(1, journal.connectTimeout().toSeconds());
    properties.setProperty("connectTimeout", Long.toString(seconds));
    properties.setProperty("loginTimeout", Long.toString(seconds));
    properties.setProperty("ApplicationName", "flotilla");
    return DriverManager.getConnection(journal.url(), properties);
  }

  private static JournalUnavailableException unreachable(
      DurableJournal.Postgres journal, SQLException e) {
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (!journal.password().isEmpty()) {
      reason = reason.replace(journal.password(), "***");
    }
    return new JournalUnavailableException(
        journal.describe(),
        "cannot reach the database ("
            + DurableJournal.maskPassword(reason)
            + "); check the URL, the user and password (FLOTILLA_JOURNAL_USER,"
            + " FLOTILLA_JOURNAL_PASSWORD), and that PostgreSQL runs there",
        e);
  }
}
