package dev.flotilla.persistence;

import java.nio.file.Path;

/** A journal directory cannot be used: locked by another engine, unreadable or corrupt. */
public final class JournalUnavailableException extends Exception {

  private final Path directory;

  public JournalUnavailableException(Path directory, String message, Throwable cause) {
    super("journal " + directory + ": " + message, cause);
    this.directory = directory;
  }

  public Path directory() {
    return directory;
  }
}
