package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineJson;
import dev.flotilla.persistence.DurableEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flotilla timeline}, run in-process: where the timeline comes from, and what it rejects.
 */
class TimelineCommandTest {

  private static final String PLAN =
      """
      name: drawn
      targets: [{ name: "web-{1..3}", roles: [web] }]
      steps:
        - { name: Deploy, roles: [web], action: { type: simulate, duration: 5ms, failOn: [web-2] } }
      """;

  @TempDir Path dir;

  @Test
  void drawsATimelineJsonFileAndSaysWhereThePageIs() throws Exception {
    // Proves --from-json writes the page with the timeline in it, prints its path and exits 0.
    Path json = dir.resolve("timeline.json");
    Timeline timeline = run(Flotilla.start(EngineSettings.fromConfig(ConfigFactory.load())));
    TimelineJson.write(timeline, json);
    Path html = dir.resolve("pages/waterfall.html");

    CliRun run = CliRun.of("timeline", "--from-json", json.toString(), "--html", html.toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(run.out()).contains(html.toAbsolutePath().toString()).contains("3 executions");
    assertThat(Files.readString(html))
        .contains("id=\"waterfall-data\"")
        .contains(timeline.deploymentId());
  }

  @Test
  void drawsAJournaledDeploymentById() throws Exception {
    // Proves a deployment is drawn from its journal alone, rebuilt from its events.
    Path journal = dir.resolve("journal");
    Config config = ConfigFactory.load();
    Timeline timeline =
        run(DurableEngine.start(journal, EngineSettings.fromConfig(config), config));
    Path html = dir.resolve("journaled.html");

    CliRun run =
        CliRun.of(
            "timeline",
            timeline.deploymentId(),
            "--journal",
            journal.toString(),
            "--html",
            html.toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(run.out()).contains(html.toAbsolutePath().toString());
    assertThat(Files.readString(html)).contains(timeline.deploymentId()).contains("web-2");
  }

  @Test
  void unknownDeploymentIsInvalidInput() throws Exception {
    // Proves an id the journal does not know exits 2 and says so.
    Path journal = dir.resolve("journal");
    Config config = ConfigFactory.load();
    run(DurableEngine.start(journal, EngineSettings.fromConfig(config), config));

    CliRun run =
        CliRun.of(
            "timeline",
            "20990101T000000-000000",
            "--journal",
            journal.toString(),
            "--html",
            dir.resolve("x.html").toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("no deployment 20990101T000000-000000");
    assertThat(dir.resolve("x.html")).doesNotExist();
  }

  @Test
  void aDirectoryWithoutAJournalIsReportedNotCreated() {
    // Proves a mistyped --journal exits 2 and leaves no empty journal behind.
    Path missing = dir.resolve("no-journal-here");

    CliRun run =
        CliRun.of(
            "timeline",
            "some-id",
            "--journal",
            missing.toString(),
            "--html",
            dir.resolve("x.html").toString());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("there is no journal there");
    assertThat(missing).doesNotExist();
  }

  @Test
  void unreadableOrInconsistentJsonIsInvalidInput() throws Exception {
    // Proves a file that is not a timeline exits 2 with the reason, whatever is wrong with it.
    Path garbage = Files.writeString(dir.resolve("garbage.json"), "{ not json");
    Path dangling =
        Files.writeString(
            dir.resolve("dangling.json"),
            """
        { "deploymentId": "d", "name": "n", "status": "FAILED", "steps": [],
          "executions": [ { "step": "Ghost", "stepIndex": 4, "block": 0, "target": "t", "attempt": 1,
                            "status": "FAILED", "startMs": 0, "endMs": 1 } ] }
        """);

    CliRun unreadable =
        CliRun.of(
            "timeline",
            "--from-json",
            garbage.toString(),
            "--html",
            dir.resolve("a.html").toString());
    CliRun inconsistent =
        CliRun.of(
            "timeline",
            "--from-json",
            dangling.toString(),
            "--html",
            dir.resolve("b.html").toString());
    CliRun missing =
        CliRun.of(
            "timeline",
            "--from-json",
            dir.resolve("nope.json").toString(),
            "--html",
            dir.resolve("c.html").toString());

    assertThat(unreadable.exitCode())
        .as(unreadable.toString())
        .isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(unreadable.err()).contains("is not a readable timeline JSON");
    assertThat(inconsistent.exitCode())
        .as(inconsistent.toString())
        .isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(inconsistent.err()).contains("stepIndex 4, which is not a step");
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(missing.err()).contains("no timeline file at");
  }

  @Test
  void optionsThatDoNotNameOneTimelineAndOnePageAreInvalidInput() throws Exception {
    // Proves exit 2 without --html, with both an id and --from-json, with neither, and --journal
    // with a file.
    Path json = Files.writeString(dir.resolve("t.json"), "{}");
    String html = dir.resolve("out.html").toString();

    assertThat(CliRun.of("timeline", "--from-json", json.toString()).exitCode())
        .isEqualTo(FlotillaCli.INVALID_INPUT);
    CliRun both = CliRun.of("timeline", "some-id", "--from-json", json.toString(), "--html", html);
    assertThat(both.exitCode()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(both.err()).contains("not both");
    assertThat(CliRun.of("timeline", "--html", html).exitCode())
        .isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(
            CliRun.of(
                    "timeline",
                    "--from-json",
                    json.toString(),
                    "--journal",
                    dir.toString(),
                    "--html",
                    html)
                .exitCode())
        .isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(dir.resolve("out.html")).doesNotExist();
  }

  /** Runs {@link #PLAN} to its end on this engine, closes it and returns the timeline. */
  private static Timeline run(Flotilla engine) throws Exception {
    try (engine) {
      return engine
          .submit(engine.planLoader().parse(PLAN, "drawn.yaml", Map.of()))
          .result()
          .toCompletableFuture()
          .get(60, TimeUnit.SECONDS)
          .timeline();
    }
  }
}
