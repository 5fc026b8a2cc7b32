package dev.flotilla.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentListener.ExecutionLogLine;
import dev.flotilla.engine.model.PlanLayout;

/**
 * What an event stream sends for each item of a deployment's {@link EventFeed}: the event's type as
 * the message name and its fields as one line of JSON, with {@code type} first. Events that give a
 * step by index also carry its name ({@code stepName}). The accepted event carries the plan's name,
 * project and environment, and the plan itself as {@code plan} (as the journal keeps it), so that a
 * client lays out the steps and targets the following events name by index, as the CLI's {@code
 * deploy --server} does.
 */
final class EventJson {

  /** The message name of an output line. */
  static final String LOG = "log";

  /** The message name of the marker after which output lines were dropped. */
  static final String LOG_TRUNCATED = "log-truncated";

  /** One message: {@code event:} and {@code data:} of the stream. */
  record Message(String event, String data) {}

  // Not indented: a message's data must be a single line. Plans hold durations (java.time).
  private static final ObjectMapper MAPPER =
      new ObjectMapper().registerModule(new JavaTimeModule());

  private EventJson() {}

  static Message encode(Object item, PlanLayout layout) {
    if (item instanceof DeploymentEvent event) {
      String type = event.getClass().getSimpleName();
      return new Message(type, write(withType(type, fields(event, layout))));
    }
    if (item instanceof ExecutionLogLine line) {
      return new Message(LOG, write(withType(LOG, MAPPER.valueToTree(line))));
    }
    if (item instanceof EventFeed.LogTruncated truncated) {
      return new Message(
          LOG_TRUNCATED, write(withType(LOG_TRUNCATED, MAPPER.valueToTree(truncated))));
    }
    throw new IllegalArgumentException(
        "not an item of an event feed: " + item.getClass().getName());
  }

  private static ObjectNode fields(DeploymentEvent event, PlanLayout layout) {
    if (event instanceof DeploymentAccepted accepted) {
      ObjectNode node = MAPPER.createObjectNode();
      node.put("deploymentId", accepted.deploymentId());
      node.put("name", accepted.plan().name());
      node.put("project", accepted.plan().project());
      node.put("environment", accepted.plan().environment());
      node.put("atMicros", accepted.atMicros());
      node.set("plan", MAPPER.valueToTree(accepted.plan()));
      return node;
    }
    ObjectNode node = MAPPER.valueToTree(event);
    JsonNode step = node.get("step");
    if (step != null
        && step.isInt()
        && step.intValue() >= 0
        && step.intValue() < layout.steps().size()) {
      node.put("stepName", layout.step(step.intValue()).name());
    }
    return node;
  }

  private static ObjectNode withType(String type, JsonNode fields) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("type", type);
    node.setAll((ObjectNode) fields);
    return node;
  }

  private static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write an event as JSON", e);
    }
  }
}
