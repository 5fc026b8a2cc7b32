package dev.flotilla.cli;

import com.typesafe.config.Config;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --journal DIR}, shared by the commands that read or resume a journal. */
final class JournalOption {

  static final String DESCRIPTION =
      "The journal directory. Default: .flotilla/journal in the working directory.";

  @Option(names = "--journal", paramLabel = "DIR", description = DESCRIPTION)
  private Path directory;

  /** The directory to use, absolute. */
  Path directory(Config config) {
    return CliEngine.journalDirectory(directory, config);
  }
}
