package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The OpenSSH programs the tests against real OpenSSH need. Absent, such a test fails under CI (the
 * environment variable {@code CI} is set), so it can never be skipped unnoticed there, and is
 * skipped elsewhere with a message that says what to install.
 */
final class OpenSsh {

  static final Path SSHD = Path.of("/usr/sbin/sshd");
  static final Path SSH_AGENT = Path.of("/usr/bin/ssh-agent");
  static final Path SSH_ADD = Path.of("/usr/bin/ssh-add");

  private OpenSsh() {}

  /** Fails under CI, else skips the test, when {@code program} of {@code pkg} is missing. */
  static void require(Path program, String pkg) {
    if (Files.isExecutable(program)) {
      return;
    }
    String why =
        program
            + " is missing: install "
            + pkg
            + " (Debian: apt-get install -y "
            + pkg
            + "; ./test installs it) to run the tests against real OpenSSH";
    if (System.getenv("CI") != null) {
      fail("CI is set and " + why);
    }
    Assumptions.abort("skipped: " + why);
  }

  /**
   * Runs {@code command} to its end and returns its output.
   *
   * @throws IOException with the output when it exits with another status than 0
   */
  static String run(List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(command + " did not end within " + Fixtures.PATIENCE);
    }
    String text = new String(output, StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IOException(command + " exited with " + process.exitValue() + ": " + text);
    }
    return text;
  }
}
