package dev.flotilla.cli;

import com.typesafe.config.Config;
import dev.flotilla.persistence.DurableJournal;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --journal DIR} or {@code --journal-url URL}, shared by the commands that read or resume a
 * journal. Without either, {@code flotilla.journal.kind} chooses (LevelDB in .flotilla/journal by
 * default).
 */
final class JournalOption {

  static final String DESCRIPTION =
      "The journal directory. Default: .flotilla/journal in the working directory.";

  static final String URL_DESCRIPTION =
      "The PostgreSQL journal at URL (jdbc:postgresql://HOST[:PORT]/DB, with ?user=U&password=P or"
          + " the user and password from FLOTILLA_JOURNAL_USER and FLOTILLA_JOURNAL_PASSWORD),"
          + " instead of a directory. 'flotilla db init' creates its tables.";

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  private Choice choice = new Choice();

  /** One or the other, never both. */
  static final class Choice {
    @Option(names = "--journal", paramLabel = "DIR", description = DESCRIPTION)
    Path directory;

    @Option(names = "--journal-url", paramLabel = "URL", description = URL_DESCRIPTION)
    String url;
  }

  /** The journal to use. */
  DurableJournal journal(Config config, CommandSpec spec) {
    return CliEngine.journal(choice.directory, choice.url, config, spec);
  }

  /** Whether the user named a journal (either option). */
  boolean given() {
    return choice.directory != null || choice.url != null;
  }
}
