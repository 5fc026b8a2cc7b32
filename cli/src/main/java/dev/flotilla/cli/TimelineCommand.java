package dev.flotilla.cli;

import com.typesafe.config.Config;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineJson;
import dev.flotilla.persistence.DeploymentHistory;
import dev.flotilla.persistence.DeploymentHistory.JournalReadException;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import dev.flotilla.server.waterfall.WaterfallPage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla timeline}: draws a deployment's timeline as a waterfall page, from the journal or
 * from a file {@code deploy --timeline-json} wrote. Reads only: nothing is run or resumed.
 */
@Command(
    name = "timeline",
    mixinStandardHelpOptions = true,
    description = {
      "Draws a deployment's timeline as a waterfall: one self-contained HTML page with a row per step "
          + "and target, a bar per execution and the waits for target guards.",
      "The timeline comes from the journal (ID) or from a file written by deploy --timeline-json (--from-json)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the page was written",
      "2:invalid input (options, unknown deployment, unreadable timeline or journal, unwritable page)"
    })
final class TimelineCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "ID",
      description = "The deployment to draw, from the journal.")
  private String deploymentId;

  // Not the JournalOption mixin: this command must tell whether --journal was given at all.
  @Option(names = "--journal", paramLabel = "DIR", description = JournalOption.DESCRIPTION)
  private Path journal;

  @Option(names = "--journal-url", paramLabel = "URL", description = JournalOption.URL_DESCRIPTION)
  private String journalUrl;

  @Option(
      names = "--from-json",
      paramLabel = "FILE",
      description =
          "Draws the timeline in FILE (written by deploy --timeline-json) instead of one from the journal.")
  private Path fromJson;

  @Option(
      names = "--html",
      paramLabel = "OUT.html",
      required = true,
      description = "Where to write the page.")
  private Path html;

  @Override
  public Integer call() {
    if (deploymentId != null && fromJson != null) {
      throw new ParameterException(
          spec.commandLine(), "give a deployment ID or --from-json FILE, not both");
    }
    if (deploymentId == null && fromJson == null) {
      throw new ParameterException(
          spec.commandLine(), "which timeline? Give a deployment ID or --from-json FILE");
    }
    if (fromJson != null && (journal != null || journalUrl != null)) {
      throw new ParameterException(
          spec.commandLine(),
          (journal != null ? "--journal" : "--journal-url")
              + " goes with a deployment ID, not with --from-json");
    }
    if (journal != null && journalUrl != null) {
      throw new ParameterException(
          spec.commandLine(), "give --journal DIR or --journal-url URL, not both");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();

    Optional<Timeline> timeline = fromJson != null ? readJson(err) : replay(err);
    if (timeline.isEmpty()) {
      return FlotillaCli.INVALID_INPUT;
    }
    Path written = html.toAbsolutePath().normalize();
    try {
      if (written.getParent() != null) {
        Files.createDirectories(written.getParent());
      }
      Files.writeString(written, WaterfallPage.render(timeline.get(), false));
    } catch (IOException e) {
      err.println("flotilla: cannot write " + written + ": " + e.getMessage());
      return FlotillaCli.INVALID_INPUT;
    }
    int executions = timeline.get().executions().size();
    out.printf(
        "Waterfall of %s (deployment %s, %d %s) written to %s%n",
        timeline.get().name(),
        timeline.get().deploymentId(),
        executions,
        executions == 1 ? "execution" : "executions",
        written);
    return FlotillaCli.SUCCEEDED;
  }

  private Optional<Timeline> readJson(PrintWriter err) {
    if (!Files.isRegularFile(fromJson)) {
      err.println("flotilla: no timeline file at " + fromJson.toAbsolutePath().normalize());
      return Optional.empty();
    }
    Timeline timeline;
    try {
      timeline = TimelineJson.read(fromJson);
    } catch (IOException e) {
      err.println(
          "flotilla: "
              + fromJson
              + " is not a readable timeline JSON: "
              + firstLine(e.getMessage()));
      return Optional.empty();
    }
    String problem = inconsistency(timeline);
    if (problem != null) {
      err.println("flotilla: " + fromJson + " is not a timeline JSON: " + problem);
      return Optional.empty();
    }
    return Optional.of(timeline);
  }

  private Optional<Timeline> replay(PrintWriter err) {
    Config config = CliEngine.config();
    DurableJournal durable = CliEngine.journal(journal, journalUrl, config, spec);
    String directory = durable.describe();
    // Opening a journal creates it: a mistyped directory must be reported, not created empty.
    if (!DurableEngine.holdsJournal(durable)) {
      err.println(
          "flotilla: no deployment "
              + deploymentId
              + " in journal "
              + directory
              + " (there is no journal there)");
      return Optional.empty();
    }
    Optional<Timeline> timeline;
    try (Flotilla engine = CliEngine.reading(durable, config)) {
      timeline = new DeploymentHistory(engine.system()).replay(deploymentId);
    } catch (JournalUnavailableException e) {
      CliEngine.unavailable(
          e,
          "nothing was drawn",
          "draw it from a file its deploy wrote with --timeline-json (--from-json FILE)",
          err);
      return Optional.empty();
    } catch (JournalReadException e) {
      err.println("flotilla: journal " + directory + ": " + e.getMessage());
      return Optional.empty();
    }
    if (timeline.isEmpty()) {
      err.println(
          "flotilla: no deployment "
              + deploymentId
              + " in journal "
              + directory
              + " ('flotilla deployments "
              + CliEngine.option(durable)
              + "' lists them)");
    }
    return timeline;
  }

  /** What makes a parsed document unusable as a timeline, or null: every reference must resolve. */
  private static String inconsistency(Timeline timeline) {
    if (timeline.steps() == null || timeline.executions() == null || timeline.status() == null) {
      return "it needs \"status\", \"steps\" and \"executions\"";
    }
    Set<Integer> indexes = new HashSet<>();
    Set<String> names = new HashSet<>();
    for (Timeline.StepEntry step : timeline.steps()) {
      indexes.add(step.index());
      names.add(step.name());
    }
    for (Timeline.StepEntry step : timeline.steps()) {
      if (step.parent() != null && !names.contains(step.parent())) {
        return "step \""
            + step.name()
            + "\" has parent \""
            + step.parent()
            + "\", which is not a step";
      }
    }
    for (Timeline.ExecutionEntry execution : timeline.executions()) {
      if (!indexes.contains(execution.stepIndex()) || execution.status() == null) {
        return "execution of \""
            + execution.step()
            + "\" has stepIndex "
            + execution.stepIndex()
            + (execution.status() == null ? " and no status" : ", which is not a step");
      }
    }
    return null;
  }

  private static String firstLine(String message) {
    String text = String.valueOf(message);
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
