package dev.flotilla.cli;

import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import dev.flotilla.persistence.PostgresSchema;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code flotilla db}: the PostgreSQL journal's database. */
@Command(
    name = "db",
    mixinStandardHelpOptions = true,
    description = "Prepares a PostgreSQL database to hold Flotilla's journal.",
    subcommands = {DbCommand.Init.class})
final class DbCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "which one? 'flotilla db init'");
  }

  /** {@code flotilla db init --journal-url URL}. */
  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description = {
        "Creates the journal's tables and indexes in the database (those of Pekko's JDBC plugin), "
            + "leaving whatever is already there: it can run any number of times.",
        "Engines on a database without them refuse to start and say to run this."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:the database holds the journal's tables",
        "2:invalid options, or the database cannot be reached or refused a statement"
      })
  static final class Init implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Option(
        names = "--journal-url",
        paramLabel = "URL",
        required = true,
        description = JournalOption.URL_DESCRIPTION)
    private String url;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      DurableJournal journal = CliEngine.journal(null, url, CliEngine.config(), spec);
      try {
        List<String> objects = PostgresSchema.init((DurableJournal.Postgres) journal);
        out.println(
            "Journal schema ready in "
                + journal.describe()
                + ": "
                + String.join(", ", objects)
                + " (created where missing)");
        return FlotillaCli.SUCCEEDED;
      } catch (JournalUnavailableException e) {
        err.println("flotilla: " + e.getMessage());
        err.println(
            "flotilla: the schema may be partly applied; 'flotilla db init' again finishes it");
        return FlotillaCli.INVALID_INPUT;
      }
    }
  }
}
