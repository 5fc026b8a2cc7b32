package dev.flotilla.benchmarks;

import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.model.DeploymentPlan;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Scale: one step of zero-duration actions over 100,000 targets (20,000 in quick mode) at cap 10
 * and cap 1,000, in memory: completion time and peak heap. Each run gets its own JVM whose heap is
 * capped at the target, 1 GiB: the heap is sampled every 50 ms after a GC, and a run that needs
 * more ends with an out-of-memory error instead of a figure that a larger heap would have hidden
 * (an uncapped JVM lets garbage pile up far past what the run needs).
 */
final class ScaleBenchmark {

  private static final long HEAP_LIMIT = 1L << 30;
  private static final String RESULT = "RESULT";
  private static final int[] CAPS = {10, 1_000};

  private ScaleBenchmark() {}

  static void run(BenchmarkSuite suite) throws Exception {
    Report report = suite.report();
    int targets = suite.quick() ? 20_000 : 100_000;
    report.line(
        "one step over %,d targets, zero-duration simulate actions, in memory, each in a JVM with -Xmx1g",
        targets);
    for (int cap : CAPS) {
      List<String> command =
          List.of(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xmx1g",
              "-XX:+ExitOnOutOfMemoryError",
              "-cp",
              System.getProperty("java.class.path"),
              ScaleBenchmark.class.getName(),
              Integer.toString(targets),
              Integer.toString(cap));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String result = null;
      List<String> output = new ArrayList<>();
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          if (line.startsWith(RESULT)) {
            result = line;
          } else {
            output.add(line);
          }
        }
      }
      boolean exited =
          process.waitFor(FlotillaRuns.DEPLOYMENT_TIMEOUT.toMinutes(), TimeUnit.MINUTES);
      String what = String.format(Locale.ROOT, "%,d targets, cap %,d: peak heap", targets, cap);
      if (!exited || result == null) {
        process.destroyForcibly();
        output.stream()
            .skip(Math.max(0, output.size() - 10))
            .forEach(l -> report.line("  | %s", l));
        report.target(
            what,
            exited
                ? "exit code " + process.exitValue() + " (out of memory or failure)"
                : "no end within the timeout",
            "within 1 GiB",
            false);
        continue;
      }
      String[] words = result.split(" ");
      double wallMs = Double.parseDouble(words[1]);
      long peak = Long.parseLong(words[2]);
      long baseline = Long.parseLong(words[3]);
      report.line(
          "cap %,5d: completed in %,.0f ms (%,.0f executions/s); heap after GC before start %,d MiB, "
              + "peak %,d MiB",
          cap, wallMs, targets / (wallMs / 1000), baseline >> 20, peak >> 20);
      report.target(
          what,
          String.format(Locale.ROOT, "%,d MiB", peak >> 20),
          "within 1 GiB",
          peak <= HEAP_LIMIT);
    }
  }

  /**
   * The measured run, in its own JVM: {@code ScaleBenchmark TARGETS CAP}; prints one RESULT line.
   */
  public static void main(String[] args) throws Exception {
    int targets = Integer.parseInt(args[0]);
    int cap = Integer.parseInt(args[1]);
    org.slf4j.LoggerFactory.getILoggerFactory();
    try (Flotilla engine = FlotillaRuns.inMemory(FlotillaRuns.settings(new Ledger()))) {
      FlotillaRuns.run(engine, Fleet.plan("scale-warm-up", 10_000, 1, "0ms", cap));
      DeploymentPlan plan = Fleet.plan("scale", targets, 1, "0ms", cap);
      try (HeapSampler heap = HeapSampler.start()) {
        long baseline = heap.used();
        FlotillaRuns.Measured run = FlotillaRuns.run(engine, plan);
        System.out.printf(
            Locale.ROOT, "%s %.1f %d %d%n", RESULT, run.wallMs(), heap.peakBytes(), baseline);
      }
    }
  }
}
