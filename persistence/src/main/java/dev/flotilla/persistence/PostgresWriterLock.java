package dev.flotilla.persistence;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The PostgreSQL counterpart of LevelDB's directory lock, for engines that write: a session-level
 * advisory lock held on a connection of its own for as long as the engine runs. Two engines
 * resuming the same unfinished deployment would run its executions twice; with the lock the second
 * is refused at start. PostgreSQL releases it when the connection ends, also when the process is
 * killed. Readers (deployments, replay) never take it.
 */
final class PostgresWriterLock implements AutoCloseable {

  /** The advisory lock's key: "Flot" in ASCII, in the lock space of the journal's database. */
  static final long KEY = 0x466C6F74L;

  private final Connection connection;

  private PostgresWriterLock(Connection connection) {
    this.connection = connection;
  }

  /**
   * Takes the database's writer lock, or says who holds it.
   *
   * @throws JournalUnavailableException if another engine holds it, or the database fails
   */
  static PostgresWriterLock acquire(DurableJournal.Postgres journal)
      throws JournalUnavailableException {
    Connection connection = null;
    try {
      connection = PostgresSchema.connect(journal);
      try (Statement name = connection.createStatement()) {
        name.execute("SET application_name = '" + holderName() + "'");
      }
      boolean taken;
      try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
        lock.setLong(1, KEY);
        try (ResultSet result = lock.executeQuery()) {
          taken = result.next() && result.getBoolean(1);
        }
      }
      if (!taken) {
        String holder = holder(connection);
        connection.close();
        throw new JournalUnavailableException(
            journal.describe(),
            "already in use by another running Flotilla engine ("
                + holder
                + ") that writes this database; stop that engine, or journal elsewhere"
                + " (reading commands such as 'flotilla deployments' run beside it)",
            null);
      }
      return new PostgresWriterLock(connection);
    } catch (SQLException e) {
      closeQuietly(connection);
      throw new JournalUnavailableException(
          journal.describe(), "cannot take the writer lock: " + e.getMessage(), e);
    }
  }

  /** The holder as PostgreSQL knows it: its application name (which says its process) and host. */
  private static String holder(Connection connection) throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT a.application_name, a.client_addr FROM pg_locks l"
                + " JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = ?"
                + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
      query.setLong(1, KEY);
      try (ResultSet result = query.executeQuery()) {
        if (!result.next()) {
          return "unknown: it has just stopped, or is not visible to this user";
        }
        String address = result.getString(2);
        return result.getString(1) + (address == null ? "" : " connected from " + address);
      }
    }
  }

  /** Names this process in the database's view of its sessions. */
  private static String holderName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown host";
    }
    return ("flotilla engine, process " + ProcessHandle.current().pid() + " on " + host)
        .replace("'", "");
  }

  /** Releases the lock by ending its session. */
  @Override
  public void close() {
    closeQuietly(connection);
  }

  private static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // The session ends with the connection either way, and the lock with it.
    }
  }
}
