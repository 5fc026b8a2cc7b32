package dev.flotilla.engine.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;

/**
 * What a step runs: an action type registered with the engine and its parameters as written in the
 * plan (scalars, lists and maps of them), so a journaled plan can be replayed as it was.
 */
public record ActionSpec(
    String type,
    @JsonDeserialize(using = ActionSpec.PlainValues.class) Map<String, Object> parameters) {

  /**
   * The type of a manual intervention step, which the engine runs itself: it waits for a person.
   */
  public static final String MANUAL = "manual";

  public ActionSpec {
    Objects.requireNonNull(type, "type");
    parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
  }

  /**
   * Reads parameters back as plain Java values (String, Integer, Long, Double, Boolean,
   * java.util.List and Map), whatever modules the reading mapper has: a mapper with the Scala
   * module would otherwise hand action types Scala collections.
   */
  static final class PlainValues extends JsonDeserializer<Map<String, Object>> {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      JsonNode tree = parser.readValueAsTree();
      return PLAIN.convertValue(tree, Map.class);
    }
  }
}
