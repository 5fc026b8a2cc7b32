package dev.flotilla.benchmarks;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What the figures were measured on: printed first, so a figure never travels without it. */
final class Machine {

  private Machine() {}

  static List<String> describe(boolean quick, Path dataDir) {
    List<String> lines = new ArrayList<>();
    lines.add(
        "Flotilla benchmarks, "
            + (quick ? "quick mode (a subset; figures indicative only)" : "full mode")
            + ", "
            + Instant.now().truncatedTo(ChronoUnit.SECONDS));
    lines.add(
        String.format(
            Locale.ROOT,
            "  cpu: %d cores available, %s",
            Runtime.getRuntime().availableProcessors(),
            firstValue(Path.of("/proc/cpuinfo"), "model name")));
    lines.add(
        "  memory: "
            + firstValue(Path.of("/proc/meminfo"), "MemTotal")
            + "; JVM max heap "
            + Runtime.getRuntime().maxMemory() / (1024 * 1024)
            + " MiB");
    lines.add(
        "  java: "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version"));
    try {
      FileStore store = Files.getFileStore(dataDir);
      lines.add(
          String.format(
              Locale.ROOT,
              "  data dir: %s (%s on %s, %,d GiB free)",
              dataDir.toAbsolutePath(),
              store.type(),
              store.name(),
              store.getUsableSpace() >> 30));
    } catch (IOException e) {
      lines.add("  data dir: " + dataDir.toAbsolutePath());
    }
    return lines;
  }

  private static String firstValue(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // Not Linux: say so below.
    }
    return "unknown";
  }
}
