package dev.flotilla.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a durable engine journals its deployments: an embedded LevelDB directory (one process at a
 * time) or a PostgreSQL database (shared). Chosen by {@code flotilla.journal.kind}, or given
 * directly; {@link DurableEngine#start(DurableJournal, dev.flotilla.engine.EngineSettings, Config)}
 * starts an engine on either.
 */
public sealed interface DurableJournal {

  /** A LevelDB journal in {@code directory} ({@code journal/} and {@code snapshots/} under it). */
  record LevelDb(Path directory) implements DurableJournal {
    public LevelDb {
      directory = directory.toAbsolutePath().normalize();
    }

    @Override
    public String describe() {
      return directory.toString();
    }
  }

  /**
   * A PostgreSQL journal: the tables of Pekko's JDBC plugin ({@code flotilla db init} creates them)
   * in the database of {@code url}.
   *
   * @param url the JDBC URL without user and password
   * @param user the user to connect as; empty for the driver's default
   * @param password never shown: {@link #toString} and {@link #describe} mask it
   * @param poolSize connections of the one pool the journal, snapshot store and read journal share
   * @param connectTimeout how long connecting (or waiting for a pooled connection) may take
   * @param exclusive whether an engine that writes takes the database's writer lock
   */
  record Postgres(
      String url,
      String user,
      String password,
      int poolSize,
      Duration connectTimeout,
      boolean exclusive)
      implements DurableJournal {

    static final String PREFIX = "jdbc:postgresql:";

    public Postgres {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
      if (poolSize < 1) {
        throw new IllegalArgumentException(
            "flotilla.journal.postgres.pool-size must be at least 1, not " + poolSize);
      }
    }

    /**
     * The URL as given to the JDBC driver: with {@code reWriteBatchedInserts=true}, so that a batch
     * of journal rows is one multi-row INSERT (one round trip), not one statement per row.
     */
    public String driverUrl() {
      return url.contains("reWriteBatchedInserts=")
          ? url
          : url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
    }

    /** The URL and user, never the password: for messages and logs. */
    @Override
    public String describe() {
      if (user.isEmpty()) {
        return url;
      }
      return url + (url.contains("?") ? "&" : "?") + "user=" + user + "&password=***";
    }

    @Override
    public String toString() {
      return "Postgres[" + describe() + ", poolSize=" + poolSize + "]";
    }
  }

  /** The journal in words for messages: a directory, or a URL with its password masked. */
  String describe();

  /** A LevelDB journal in {@code directory}. */
  static DurableJournal levelDb(Path directory) {
    return new LevelDb(directory);
  }

  /**
   * A PostgreSQL journal at {@code url} ({@code jdbc:postgresql://HOST[:PORT]/DB}, optionally with
   * {@code ?user=U&password=P}), with the pool and timeouts of {@code flotilla.journal.postgres}.
   * User and password come from the URL, else from {@code flotilla.journal.postgres.user} and
   * {@code .password}, else from {@code FLOTILLA_JOURNAL_USER} and {@code
   * FLOTILLA_JOURNAL_PASSWORD}.
   *
   * @throws IllegalArgumentException if the URL is not a PostgreSQL JDBC URL (its message masks the
   *     password)
   */
  static Postgres postgres(String url, Config config) {
    Config settings =
        config
            .withFallback(ConfigFactory.defaultReference())
            .getConfig("flotilla.journal.postgres");
    if (!url.startsWith(Postgres.PREFIX)) {
      throw new IllegalArgumentException(
          "journal URL "
              + maskPassword(url)
              + " is not a PostgreSQL JDBC URL: write jdbc:postgresql://HOST[:PORT]/DATABASE");
    }
    String user = settings.getString("user");
    String password = settings.getString("password");
    int query = url.indexOf('?');
    String base = query < 0 ? url : url.substring(0, query);
    List<String> kept = new ArrayList<>();
    if (query >= 0) {
      for (String parameter : url.substring(query + 1).split("&")) {
        int equals = parameter.indexOf('=');
        String name = equals < 0 ? parameter : parameter.substring(0, equals);
        String value =
            equals < 0
                ? ""
                : URLDecoder.decode(parameter.substring(equals + 1), StandardCharsets.UTF_8);
        switch (name.toLowerCase(Locale.ROOT)) {
          case "user" -> user = value;
          case "password" -> password = value;
          case "" -> {}
          default -> kept.add(parameter);
        }
      }
    }
    String clean = kept.isEmpty() ? base : base + "?" + String.join("&", kept);
    return new Postgres(
        clean,
        user,
        password,
        settings.getInt("pool-size"),
        settings.getDuration("connect-timeout"),
        settings.getBoolean("exclusive"));
  }

  /**
   * The journal {@code flotilla.journal.kind} chooses: PostgreSQL at {@code
   * flotilla.journal.postgres.url}, or LevelDB in {@code levelDbDirectory}.
   *
   * @throws IllegalArgumentException for an unknown kind, or postgres without a URL
   */
  static DurableJournal fromConfig(Config config, Path levelDbDirectory) {
    Config journal =
        config.withFallback(ConfigFactory.defaultReference()).getConfig("flotilla.journal");
    String kind = journal.getString("kind");
    switch (kind.toLowerCase(Locale.ROOT)) {
      case "leveldb":
        return levelDb(levelDbDirectory);
      case "postgres":
        String url = journal.getString("postgres.url");
        if (url.isEmpty()) {
          throw new IllegalArgumentException(
              "flotilla.journal.kind = postgres needs flotilla.journal.postgres.url"
                  + " (jdbc:postgresql://HOST[:PORT]/DATABASE)");
        }
        return postgres(url, config);
      default:
        throw new IllegalArgumentException(
            "flotilla.journal.kind must be leveldb or postgres, not \"" + kind + "\"");
    }
  }

  /** {@code text} with the value of every {@code password=} parameter replaced by {@code ***}. */
  static String maskPassword(String text) {
    return text.replaceAll("(?i)(password=)[^&\\s]*", "$1***");
  }
}
