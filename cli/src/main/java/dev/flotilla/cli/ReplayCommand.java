package dev.flotilla.cli;

import com.typesafe.config.Config;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.persistence.DeploymentHistory;
import dev.flotilla.persistence.DeploymentHistory.JournalDamagedException;
import dev.flotilla.persistence.DeploymentHistory.JournalReadException;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla replay ID}: a past deployment's report, rebuilt from its journaled events alone.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Rebuilds a deployment's timeline from its journaled events, without running anything, and prints "
          + "the summary the deploy command printed.",
      "For a finished deployment, --timeline-json writes the same document its live run wrote, byte for byte."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the deployment succeeded",
      "1:the deployment failed or was cancelled, or never finished",
      "2:no deployment with this id in the journal, or the journal cannot be used (a damaged one: the part "
          + "before the damage is shown)"
    })
final class ReplayCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "ID",
      description = "The deployment's id, as deploy and deployments print it.")
  private String deploymentId;

  @Mixin private JournalOption journal;

  @Option(
      names = "--timeline-json",
      paramLabel = "FILE",
      description = "Writes the rebuilt timeline as JSON.")
  private Path timelineJson;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Config config = CliEngine.config();
    DurableJournal durable = journal.journal(config, spec);
    String directory = durable.describe();
    if (!DurableEngine.holdsJournal(durable)) {
      err.println(
          "flotilla: no deployment "
              + deploymentId
              + " in journal "
              + directory
              + " (there is no journal there)");
      return FlotillaCli.INVALID_INPUT;
    }
    List<DeploymentEvent> events;
    // The missing entries of a damaged journal; what was recorded before them is still shown.
    String damage = null;
    // On PostgreSQL a reader runs beside the engine writing the journal.
    try (Flotilla engine = CliEngine.reading(durable, config)) {
      events = new DeploymentHistory(engine.system()).events(deploymentId);
    } catch (JournalUnavailableException e) {
      return CliEngine.unavailable(e, "nothing was replayed", null, err);
    } catch (JournalDamagedException e) {
      err.println("flotilla: journal " + directory + ": " + e.getMessage());
      events = e.readableEvents();
      damage = e.missing();
    } catch (JournalReadException e) {
      err.println("flotilla: journal " + directory + ": " + e.getMessage());
      return FlotillaCli.INVALID_INPUT;
    }
    if (events.isEmpty() || !(events.get(0) instanceof DeploymentAccepted accepted)) {
      if (damage == null) {
        err.println(
            "flotilla: no deployment "
                + deploymentId
                + " in journal "
                + directory
                + " ('flotilla deployments "
                + CliEngine.option(durable)
                + "' lists them)");
      }
      return FlotillaCli.INVALID_INPUT;
    }
    // The timeline as DeploymentHistory.replay rebuilds it, and the step durations, from one read
    // of the events.
    Timeline timeline = DeploymentHistory.timelineOf(events);
    StepDurations durations = StepDurations.of(PlanLayout.of(accepted.plan()), events);
    out.println(
        "Replaying "
            + timeline.name()
            + " (deployment "
            + deploymentId
            + ") from journal "
            + directory
            + (damage == null
                ? ": rebuilt from its events, nothing was run"
                : " up to its first missing entry (" + damage + " missing): nothing was run"));
    Path written = timelineJson == null ? null : TimelineFiles.write(timeline, timelineJson, err);
    SummaryTable.print(timeline, durations, written, out);
    if (damage != null) {
      return FlotillaCli.INVALID_INPUT;
    }
    DeploymentStatus status = timeline.status();
    if (status == DeploymentStatus.SUCCEEDED) {
      return FlotillaCli.SUCCEEDED;
    }
    if (!status.isFinal()) {
      out.println();
      out.println(
          "The deployment never finished: it was "
              + status
              + " when its engine stopped. "
              + "'flotilla resume "
              + CliEngine.option(durable)
              + "' finishes it.");
    }
    return FlotillaCli.NOT_SUCCEEDED;
  }
}
