package dev.flotilla.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The CLI in a JVM of its own, started on this test JVM's class path: what a crash test kills. Its
 * output goes to files (a full pipe buffer would stall it), read when it is reported.
 */
final class CliProcess {

  private final Process process;
  private final Path out;
  private final Path err;

  private CliProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /**
   * Starts {@code flotilla ARGS} in {@code workingDirectory}.
   *
   * @param name names the output files, so the runs of one test are told apart
   */
  static CliProcess start(Path workingDirectory, String name, String... args) throws IOException {
    return start(workingDirectory, name, List.of(), args);
  }

  /**
   * Starts {@code flotilla ARGS} in {@code workingDirectory} with {@code jvmOptions} (system
   * properties such as the logback configuration a cluster node logs to a file with).
   */
  static CliProcess start(
      Path workingDirectory, String name, List<String> jvmOptions, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Its temporary files (LevelDB JNI extracts its native library there, deleted only at a normal
    // exit) go under the test's directory, so a killed CLI leaves nothing behind in /tmp.
    Path temporary = Files.createDirectories(workingDirectory.resolve("java-tmp"));
    command.add("-Djava.io.tmpdir=" + temporary);
    // A short-lived JVM: the C1 compiler alone and the serial collector start it sooner on few
    // cores.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(FlotillaCli.class.getName());
    command.addAll(List.of(args));
    Path out = workingDirectory.resolve(name + ".out");
    Path err = workingDirectory.resolve(name + ".err");
    Process process =
        new ProcessBuilder(command)
            .directory(workingDirectory.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    return new CliProcess(process, out, err);
  }

  Process process() {
    return process;
  }

  /** Where its output files are. */
  Path outputDirectory() {
    return out.toAbsolutePath().getParent();
  }

  /** Waits for the process to exit by itself; kills it and fails past the deadline. */
  int await(Duration deadline) throws InterruptedException {
    if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
      throw new AssertionError("the CLI did not exit within " + deadline + "\n" + this);
    }
    return process.exitValue();
  }

  /**
   * SIGKILL, as a crash: no shutdown hook runs, nothing is flushed or closed. Its descendants (the
   * scripts it runs) are listed first, killed after it, so none of them can report back to it.
   */
  int kill() throws InterruptedException {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    process.waitFor();
    descendants.forEach(ProcessHandle::destroyForcibly);
    return process.exitValue();
  }

  String out() {
    return read(out);
  }

  /**
   * SIGTERM, as an operator's {@code kill PID}: the JVM's shutdown hooks run (a cluster node leaves
   * the cluster and hands its shards over). Returns at once; {@link #await} waits for the exit.
   */
  void terminate() {
    process.destroy();
  }

  @Override
  public String toString() {
    return "--- stdout ---\n" + read(out) + "--- stderr ---\n" + read(err);
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
