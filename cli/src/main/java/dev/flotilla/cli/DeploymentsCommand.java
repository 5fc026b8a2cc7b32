package dev.flotilla.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.model.Durations;
import dev.flotilla.persistence.DeploymentHistory;
import dev.flotilla.persistence.DeploymentHistory.JournalReadException;
import dev.flotilla.persistence.DeploymentHistory.Summary;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flotilla deployments}: what a journal holds, newest first. */
@Command(
    name = "deployments",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the deployments of a journal, newest first: id, name, status, when it started and how long it took.",
      "A deployment that never finished shows the status it was left in (RUNNING or QUEUED): "
          + "'flotilla resume' finishes it."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:listed (an empty or missing journal lists nothing)",
      "2:the journal cannot be used (held by a running engine, or damaged)"
    })
final class DeploymentsCommand implements Callable<Integer> {

  private static final DateTimeFormatter STARTED =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One deployment in {@code --json}: fields are only ever added. */
  @JsonPropertyOrder({"id", "name", "status", "startedAt", "durationMs", "events", "problem"})
  record Listed(
      String id,
      String name,
      String status,
      String startedAt,
      Double durationMs,
      long events,
      String problem) {

    static Listed of(Summary summary) {
      return new Listed(
          summary.id(),
          summary.name(),
          summary.status() == null ? null : summary.status().name(),
          summary.startedAt() == null ? null : summary.startedAt().toString(),
          summary.duration() == null ? null : summary.duration().toNanos() / 1_000_000.0,
          summary.events(),
          summary.problem());
    }
  }

  @Spec private CommandSpec spec;

  @Mixin private JournalOption journal;

  @Option(
      names = "--json",
      description =
          "Prints a JSON array instead of a table, one object per deployment: "
              + "id, name, status, startedAt (ISO-8601), durationMs, events, problem.")
  private boolean json;

  @Override
  public Integer call() throws JsonProcessingException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Config config = CliEngine.config();
    DurableJournal durable = journal.journal(config, spec);
    String directory = durable.describe();
    List<Summary> deployments;
    if (!DurableEngine.holdsJournal(durable)) {
      // A read-only command never creates a journal.
      deployments = List.of();
    } else {
      // On PostgreSQL a reader runs beside the engine writing the journal.
      try (Flotilla engine = CliEngine.reading(durable, config)) {
        deployments = new DeploymentHistory(engine.system()).list();
      } catch (JournalUnavailableException e) {
        return CliEngine.unavailable(
            e, "nothing was listed", "list another journal with --journal DIR", err);
      } catch (JournalReadException e) {
        err.println("flotilla: journal " + directory + ": " + e.getMessage());
        return FlotillaCli.INVALID_INPUT;
      }
    }
    if (json) {
      List<Listed> listed = new ArrayList<>();
      deployments.forEach(summary -> listed.add(Listed.of(summary)));
      out.println(JSON.writeValueAsString(listed));
      if (deployments.isEmpty()) {
        // stdout stays a JSON document; the remark goes to stderr.
        err.println("flotilla: no deployments in " + directory);
      }
    } else if (deployments.isEmpty()) {
      out.println("no deployments in " + directory);
    } else {
      printTable(deployments, directory, out);
    }
    return FlotillaCli.SUCCEEDED;
  }

  private static void printTable(List<Summary> deployments, String directory, PrintWriter out) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"Id", "Name", "Status", "Started", "Duration"});
    for (Summary summary : deployments) {
      rows.add(
          new String[] {
            summary.id(),
            summary.name() == null ? "?" : summary.name(),
            summary.status() == null ? "UNREADABLE" : summary.status().name(),
            summary.startedAt() == null
                ? "-"
                : STARTED.format(summary.startedAt().atZone(ZoneId.systemDefault())),
            summary.duration() == null ? "-" : Durations.format(summary.duration())
          });
    }
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder format = new StringBuilder();
    for (int i = 0; i < widths.length - 1; i++) {
      format.append("%-").append(widths[i]).append("s  ");
    }
    format.append("%s%n");
    for (int r = 0; r < rows.size(); r++) {
      out.printf(Locale.ROOT, format.toString(), (Object[]) rows.get(r));
      String problem = r == 0 ? null : deployments.get(r - 1).problem();
      if (problem != null) {
        out.println("  cannot read it: " + problem);
      }
    }
    out.println();
    out.println(
        deployments.size()
            + (deployments.size() == 1 ? " deployment in " : " deployments in ")
            + directory);
  }
}
