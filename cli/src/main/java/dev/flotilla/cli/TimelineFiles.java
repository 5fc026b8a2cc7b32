package dev.flotilla.cli;

import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/** Where the CLI writes timeline JSON documents ({@code --timeline-json FILE}). */
final class TimelineFiles {

  private TimelineFiles() {}

  /**
   * Writes the timeline; returns where, or null if it could not. A file that cannot be written is
   * reported but does not change the exit code: the deployment itself ran as reported.
   */
  static Path write(Timeline timeline, Path file, PrintWriter err) {
    try {
      TimelineJson.write(timeline, file);
      return file.toAbsolutePath().normalize();
    } catch (IOException | RuntimeException e) {
      err.println("flotilla: cannot write the timeline to " + file + ": " + e);
      return null;
    }
  }

  /**
   * {@code FILE} with the deployment id inserted before its extension: {@code timeline-ID.json}.
   */
  static Path perDeployment(Path file, String deploymentId) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String perDeployment =
        dot > 0
            ? name.substring(0, dot) + "-" + deploymentId + name.substring(dot)
            : name + "-" + deploymentId;
    return file.resolveSibling(perDeployment);
  }
}
