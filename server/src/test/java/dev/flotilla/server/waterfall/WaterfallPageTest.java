package dev.flotilla.server.waterfall;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.engine.timeline.LowerBound;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.Timeline.ExecutionEntry;
import dev.flotilla.engine.timeline.Timeline.StepEntry;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The page as text: the embedded data is safe and complete, and a static page fetches nothing. */
class WaterfallPageTest {

  private static final String DATA_START =
      "<script type=\"application/json\" id=\"waterfall-data\">";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void escapesMarkupInNamesSoTheEmbeddedJsonCannotCloseItsScriptElement() throws Exception {
    // Proves names from a plan reach the page only as JSON with <, > and & escaped, yet unchanged.
    Timeline timeline =
        renamed(SampleTimelines.fleet(2, 1), "<script>alert(1)</script>", "</script><!-- a & b >");

    String page = WaterfallPage.render(timeline, false);

    assertThat(page).doesNotContain("<script>alert(1)</script>").doesNotContain("</script><!--");
    assertThat(Pattern.compile("<script").matcher(page).results().count()).isEqualTo(2);
    String data = data(page);
    assertThat(data)
        .doesNotContain("<", ">", "&")
        .contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e");
    JsonNode parsed = JSON.readTree(data);
    assertThat(parsed.path("timeline").path("name").asText())
        .isEqualTo("<script>alert(1)</script>");
    assertThat(parsed.path("timeline").path("steps").get(0).path("name").asText())
        .isEqualTo("</script><!-- a & b >");
  }

  @Test
  void embedsTheTimelineContractAndItsLowerBound() throws Exception {
    // Proves the page carries the timeline JSON other tools read, plus the bound only Java
    // computes.
    Timeline timeline = SampleTimelines.fleet(120, 3);

    JsonNode parsed = JSON.readTree(data(WaterfallPage.render(timeline, false)));

    assertThat(parsed.path("timeline").path("executions")).hasSize(360);
    assertThat(parsed.path("timeline").path("targetIsolation").asText()).isEqualTo("exclusive");
    assertThat(parsed.path("lowerBound").path("ms").asDouble()).isEqualTo(LowerBound.of(timeline));
    assertThat(parsed.path("lowerBound").path("blocks")).hasSize(3);
  }

  @Test
  void embedsInterventionsForThePageToDrawTheWaitForADecision() throws Exception {
    // Proves the page carries each intervention with the attempt it belongs to, and its legend
    // names the new statuses the script draws.
    Timeline fleet = SampleTimelines.fleet(2, 1);
    ExecutionEntry failed = fleet.executions().get(0);
    Timeline timeline =
        new Timeline(
            fleet.deploymentId(),
            fleet.name(),
            fleet.status(),
            fleet.maxParallelism(),
            fleet.targetIsolation(),
            fleet.startMs(),
            fleet.endMs(),
            fleet.steps(),
            List.of(
                failed.with(dev.flotilla.engine.deployment.ExecutionStatus.IGNORED, 1),
                fleet.executions().get(1)),
            fleet.startedAt(),
            List.of(
                new Timeline.InterventionEntry(
                    1,
                    failed.step(),
                    failed.stepIndex(),
                    failed.target(),
                    failed.attempt(),
                    false,
                    "disk full",
                    List.of("retry", "ignore", "exclude", "fail"),
                    null,
                    failed.endMs(),
                    failed.endMs() + 500,
                    "ignore",
                    "alice",
                    "known flaky")));

    String page = WaterfallPage.render(timeline, false);
    JsonNode parsed = JSON.readTree(data(page));

    assertThat(parsed.path("timeline").path("executions").get(0).path("intervention").asInt())
        .isEqualTo(1);
    assertThat(parsed.path("timeline").path("interventions").get(0).path("decision").asText())
        .isEqualTo("ignore");
    assertThat(page).contains("awaiting a decision", "ignored", "excluded");
  }

  @Test
  void staticPageFetchesNothingAndOnlyALivePageFollowsTheTimeline() throws Exception {
    // Proves the page is self-contained: no URL to load, no web font, no CDN; "live" is the only
    // switch.
    String staticPage = WaterfallPage.render(SampleTimelines.fleet(3, 1), false);
    String livePage = WaterfallPage.render(SampleTimelines.fleet(3, 1), true);

    assertThat(staticPage)
        .doesNotContain("http:", "https:", "src=", "url(", "@import", "@font-face");
    assertThat(JSON.readTree(data(staticPage)).path("live").asBoolean()).isFalse();
    assertThat(JSON.readTree(data(livePage)).path("live").asBoolean()).isTrue();
    assertThat(livePage).contains("fetch('./timeline.json'");
  }

  @Test
  void aTimelineDocumentIsEmbeddedAsGivenWithoutALowerBound() throws Exception {
    // Proves the page also draws a timeline JSON document as a service serves it, WAITING entries
    // included.
    JsonNode document = SampleTimelines.liveWithWaiting();

    JsonNode parsed = JSON.readTree(data(WaterfallPage.render(document, true)));

    assertThat(parsed.path("timeline")).isEqualTo(document);
    assertThat(parsed.path("lowerBound").isNull()).isTrue();
    assertThat(parsed.path("timeline").path("executions").findValuesAsText("status"))
        .contains("WAITING");
  }

  private static String data(String page) {
    int start = page.indexOf(DATA_START) + DATA_START.length();
    return page.substring(start, page.indexOf("</script>", start));
  }

  private static Timeline renamed(Timeline timeline, String name, String stepName) {
    StepEntry step = timeline.steps().get(0);
    List<ExecutionEntry> executions =
        timeline.executions().stream()
            .map(
                e ->
                    new ExecutionEntry(
                        stepName,
                        e.stepIndex(),
                        e.block(),
                        e.target(),
                        e.attempt(),
                        e.status(),
                        e.startMs(),
                        e.endMs(),
                        e.waitingSinceMs(),
                        e.waitingFor(),
                        e.message()))
            .toList();
    return new Timeline(
        timeline.deploymentId(),
        name,
        timeline.status(),
        timeline.maxParallelism(),
        timeline.targetIsolation(),
        timeline.startMs(),
        timeline.endMs(),
        List.of(
            new StepEntry(
                step.index(),
                stepName,
                step.block(),
                null,
                step.status(),
                step.maxParallelism(),
                null,
                false,
                step.targets(),
                0,
                null)),
        executions,
        timeline.startedAt());
  }
}
