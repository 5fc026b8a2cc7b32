package dev.flotilla.engine.timeline;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and writes the timeline JSON document. */
public final class TimelineJson {

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          // Newer writers may add fields; an older reader must still read the document.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private TimelineJson() {}

  public static String toJson(Timeline timeline) {
    try {
      return MAPPER.writeValueAsString(timeline);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write a timeline as JSON", e);
    }
  }

  /** Writes the document, replacing the file atomically so a reader never sees half of it. */
  public static void write(Timeline timeline, Path file) throws IOException {
    Path absolute = file.toAbsolutePath();
    if (absolute.getParent() != null) {
      Files.createDirectories(absolute.getParent());
    }
    Path temporary = absolute.resolveSibling(absolute.getFileName() + ".tmp");
    Files.writeString(temporary, toJson(timeline));
    Files.move(
        temporary,
        absolute,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  public static Timeline read(Path file) throws IOException {
    return MAPPER.readValue(file.toFile(), Timeline.class);
  }

  public static Timeline parse(String json) throws IOException {
    return MAPPER.readValue(json, Timeline.class);
  }
}
