package dev.flotilla.server.waterfall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.Timeline.ExecutionEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The waterfall as a browser draws it: each page is opened in headless Chromium and checked in the
 * DOM its script built (one element per bar, classed by outcome, and a marker with the counts).
 */
class WaterfallInBrowserTest {

  private static final Pattern BAR = Pattern.compile("<div class=\"bar ([a-z-]+)( retry)?\"");

  @TempDir static Path dir;

  private static Timeline ran;
  private static String ranDom;

  @BeforeAll
  static void drawARealRun() throws Exception {
    ran = SampleTimelines.ranPlan();
    ranDom = open(ran, "ran.html");
  }

  @Test
  void drawsOneBarPerExecutionColouredByItsOutcome() {
    // Proves every execution is drawn, retries included, and each bar carries its outcome's class.
    assertThat(marker(ranDom, "data-count")).isEqualTo(ran.executions().size());
    assertThat(drawnByClass(ranDom)).isEqualTo(expectedByClass(ran));
    assertThat(drawnByClass(ranDom)).containsEntry("failed", 2L);
    assertThat(count(ranDom, Pattern.compile("<div class=\"bar [a-z-]+ retry\"")))
        .isEqualTo(ran.executions().stream().filter(e -> e.attempt() > 1).count())
        .isPositive();
  }

  @Test
  void drawsTheWaitForATargetGuardBeforeTheBar() {
    // Proves a hatched segment for every execution that waited for a guard held by another step.
    long waited =
        ran.executions().stream()
            .filter(e -> e.waitingSinceMs() != null && e.startMs() > e.waitingSinceMs())
            .count();
    assertThat(waited)
        .as("two steps on the same targets in one block must wait for each other")
        .isPositive();
    assertThat(count(ranDom, Pattern.compile("<div class=\"wait\""))).isEqualTo(waited);
    assertThat(marker(ranDom, "data-waits")).isEqualTo(waited);
  }

  @Test
  void drawsExecutionsStillWaitingForTheirGuardAsOpenWaitsAndCountsThemInTheHeader()
      throws Exception {
    // Proves a live timeline's WAITING entries (no end; a start that is the wait's, or none) are
    // drawn as waits up to
    // now with no bar, never as a bar of some other outcome, and the header's guard waits count
    // them.
    Path page = dir.resolve("waiting.html");
    Files.writeString(page, WaterfallPage.render(SampleTimelines.liveWithWaiting(), false));

    String dom = HeadlessChromium.dumpDom(page, dir);

    assertThat(marker(dom, "data-count")).isEqualTo(4);
    assertThat(drawnByClass(dom)).containsOnlyKeys("succeeded", "running");
    assertThat(marker(dom, "data-waits")).isEqualTo(3);
    assertThat(marker(dom, "data-waiting")).isEqualTo(2);
    assertThat(count(dom, Pattern.compile("<div class=\"wait now\""))).isEqualTo(2);
    assertThat(dom)
        .containsPattern("<dt>guard waits</dt><dd>3, [^<]+ in all \\(2 still waiting\\)</dd>")
        .contains("<dt>executions</dt><dd>6 (0 failed, 0 retries, 2 waiting for a guard)</dd>");
  }

  @Test
  void drawsOneRowPerStepAndTargetWithRollingChildrenUnderTheirParent() {
    // Proves the row layout: a row per (step, target), children of the rolling step after it.
    long pairs =
        ran.executions().stream().map(e -> e.stepIndex() + "/" + e.target()).distinct().count();
    assertThat(count(ranDom, Pattern.compile("<div class=\"row target "))).isEqualTo(pairs);
    int roll = ranDom.indexOf(">Roll<");
    int drain = ranDom.indexOf(">Drain<");
    int restart = ranDom.indexOf(">Restart<");
    assertThat(roll).isPositive().isLessThan(drain);
    assertThat(drain).isLessThan(restart);
    assertThat(ranDom).contains("<div class=\"row step depth1\"");
  }

  @Test
  void namesFromThePlanShowAsTextAndNeverRun() {
    // Proves names that are markup neither close the data's script element nor inject elements.
    assertThat(ranDom).doesNotContain("data-pwned");
    assertThat(ranDom)
        .contains("<h1 id=\"title\">waterfall &lt;script&gt;alert(1)&lt;/script&gt;</h1>");
    assertThat(ranDom).contains("&lt;/script&gt;&lt;script&gt;document.body.dataset.pwned");
    assertThat(count(ranDom, Pattern.compile("<img"))).isZero();
  }

  @Test
  void drawsTwoThousandTargetsThroughFiveStepsInOnePass() throws Exception {
    // Proves the page holds at fleet scale: 10,000 bars, each one drawn.
    Timeline fleet = SampleTimelines.fleet(2_000, 5);
    String dom = open(fleet, "fleet.html");

    assertThat(marker(dom, "data-count")).isEqualTo(10_000);
    assertThat(count(dom, BAR)).isEqualTo(10_000);
    assertThat(drawnByClass(dom)).isEqualTo(expectedByClass(fleet));
  }

  private static String open(Timeline timeline, String name) throws Exception {
    Path page = dir.resolve(name);
    Files.writeString(page, WaterfallPage.render(timeline, false));
    return HeadlessChromium.dumpDom(page, dir);
  }

  /** A count the script wrote on {@code <div id="bar-count">} once it had drawn the page. */
  private static long marker(String dom, String attribute) {
    Matcher matcher =
        Pattern.compile("<div id=\"bar-count\"[^>]*\\b" + attribute + "=\"(\\d+)\"").matcher(dom);
    assertThat(matcher.find())
        .as("the script should have written %s on #bar-count", attribute)
        .isTrue();
    return Long.parseLong(matcher.group(1));
  }

  private static Map<String, Long> drawnByClass(String dom) {
    Map<String, Long> drawn = new TreeMap<>();
    Matcher matcher = BAR.matcher(dom);
    while (matcher.find()) {
      drawn.merge(matcher.group(1), 1L, Long::sum);
    }
    return drawn;
  }

  private static Map<String, Long> expectedByClass(Timeline timeline) {
    return timeline.executions().stream()
        .map(ExecutionEntry::status)
        .collect(
            Collectors.groupingBy(
                WaterfallInBrowserTest::cssClass, TreeMap::new, Collectors.counting()));
  }

  /**
   * The class the legend documents for a status: SUCCEEDED is succeeded, TIMED_OUT is timed-out.
   */
  private static String cssClass(ExecutionStatus status) {
    return status.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static long count(String text, Pattern pattern) {
    return pattern.matcher(text).results().count();
  }
}
