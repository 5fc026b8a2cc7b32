package dev.flotilla.persistence;

import java.nio.file.Path;

/**
 * A journal cannot be used: a directory locked by another engine, unreadable or corrupt; a database
 * that cannot be reached, lacks the journal's tables, or is written by another engine.
 */
public final class JournalUnavailableException extends Exception {

  private final Path directory;
  private final String journal;

  public JournalUnavailableException(Path directory, String message, Throwable cause) {
    super("journal " + directory + ": " + message, cause);
    this.directory = directory;
    this.journal = directory.toString();
  }

  /**
   * @param journal the journal in words, as {@link DurableJournal#describe} gives it (a database's
   *     URL with its password masked)
   */
  public JournalUnavailableException(String journal, String message, Throwable cause) {
    super("journal " + journal + ": " + message, cause);
    this.directory = null;
    this.journal = journal;
  }

  /** The LevelDB directory; null for a database. */
  public Path directory() {
    return directory;
  }

  /** The journal in words: its directory, or its URL with the password masked. */
  public String journal() {
    return journal;
  }
}
