package dev.flotilla.server.waterfall;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flotilla.engine.timeline.LowerBound;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A deployment's timeline drawn as a waterfall: one self-contained HTML page (styles and script
 * inline, nothing fetched) with a row per (step, target) grouped by block, a bar per execution
 * coloured by its outcome, the time spent waiting for a target guard as a hatched segment before it
 * (an execution still waiting, in a live timeline, is its hatch up to now), a time axis, details on
 * hover, a filter box, and a header with the makespan against the {@link LowerBound}.
 *
 * <p>The page carries the timeline JSON (the {@code --timeline-json} contract) and draws it in the
 * browser, so a static page and a live one share one code path: a live page also fetches {@code
 * ./timeline.json} every second while the deployment runs and redraws from it. When the deployment
 * ends, a live page reloads itself once, so that the server's fresh rendering brings the lower
 * bound, which is computed here, for the timeline embedded.
 *
 * <p>Names come from user plans. They never reach the page as markup: the JSON is embedded in a
 * {@code <script type="application/json">} with {@code <}, {@code >} and {@code &} escaped, and the
 * script puts every text into the DOM as text.
 */
public final class WaterfallPage {

  private static final String RESOURCES = "/dev/flotilla/server/waterfall/";
  private static final String DATA_SLOT = "{{data}}";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The page around the data: everything before and after the JSON blob. */
  private static final String[] PAGE = assemble();

  private static final String TOKEN_PAGE = resource("token.html");

  private WaterfallPage() {}

  /**
   * The waterfall page of a timeline.
   *
   * @param live whether the page is served next to a {@code timeline.json} it should follow while
   *     the deployment runs; a static page fetches nothing
   */
  public static String render(Timeline timeline, boolean live) {
    return PAGE[0] + scriptSafe(data(timeline, live)) + PAGE[1];
  }

  /**
   * The page of a timeline given as its JSON document (the {@code --timeline-json} contract, as
   * {@code GET /deployments/{id}} serves it), without the lower bound, which only a {@link
   * Timeline} yields: the page as it draws a {@code timeline.json} it has fetched.
   */
  static String render(JsonNode timeline, boolean live) {
    ObjectNode root = JSON.createObjectNode();
    root.put("live", live);
    root.putNull("lowerBound");
    root.set("timeline", timeline);
    return PAGE[0] + scriptSafe(root.toString()) + PAGE[1];
  }

  /**
   * What a service that needs a token answers a browser that opens a waterfall without it (with
   * 401): a page with no data, whose script takes the token from the link's fragment ({@code
   * #token=...}, which never leaves the browser), keeps it in the tab's {@code sessionStorage} and
   * loads the waterfall again with it in the {@code Authorization} header. The waterfall's own
   * fetches take it from there.
   */
  public static String tokenPage() {
    return TOKEN_PAGE;
  }

  /**
   * What the page's script draws: the timeline as its JSON contract, plus what only Java computes.
   */
  private static String data(Timeline timeline, boolean live) {
    ObjectNode root = JSON.createObjectNode();
    root.put("live", live);
    ObjectNode bound = root.putObject("lowerBound");
    ArrayNode blocks = bound.putArray("blocks");
    for (LowerBound.Block block : LowerBound.blocks(timeline)) {
      blocks
          .addObject()
          .put("block", block.block())
          .put("boundMs", block.boundMs())
          .put("limitedBy", block.limitedBy());
    }
    bound.put("ms", LowerBound.of(timeline));
    try {
      // Through TimelineJson, so the page holds exactly the document other tools read.
      root.set("timeline", JSON.readTree(TimelineJson.toJson(timeline)));
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot embed the timeline of " + timeline.deploymentId(), e);
    }
  }

  /**
   * JSON that cannot end its script element or open a comment there: outside strings JSON has no
   * {@code <}, {@code >} or {@code &}, so escaping them everywhere keeps the same document.
   */
  static String scriptSafe(String json) {
    StringBuilder safe = new StringBuilder(json.length() + 64);
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      switch (c) {
        case '<' -> safe.append("\\u003c");
        case '>' -> safe.append("\\u003e");
        case '&' -> safe.append("\\u0026");
        case '\u2028' -> safe.append("\\u2028");
        case '\u2029' -> safe.append("\\u2029");
        default -> safe.append(c);
      }
    }
    return safe.toString();
  }

  private static String[] assemble() {
    String script = resource("waterfall.js");
    String style = resource("waterfall.css");
    if (script.contains("</") || style.contains("</")) {
      throw new IllegalStateException("the waterfall's script and style must not contain \"</\"");
    }
    String page =
        resource("waterfall.html")
            .replace("/*{{style}}*/", style)
            .replace("/*{{script}}*/", script);
    int slot = page.indexOf(DATA_SLOT);
    return new String[] {page.substring(0, slot), page.substring(slot + DATA_SLOT.length())};
  }

  private static String resource(String name) {
    try (InputStream in = WaterfallPage.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCES + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
