package dev.flotilla.samples;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The README's walk-through for {@code ssh-rollout.yaml}, in a test: a loopback OpenSSH server
 * started with {@code ssh/loopback-sshd}, and the plan as the walk-through runs it, with the
 * server's port, its files and a remote directory of the test's own in place of the walk-through's
 * fixed ones. Without {@code /usr/sbin/sshd} the test fails under CI (variable {@code CI} set) and
 * is skipped elsewhere, saying what to install.
 */
final class LoopbackSshd implements AutoCloseable {

  static final String PLAN = "ssh-rollout.yaml";
  private static final Path SSHD = Path.of("/usr/sbin/sshd");
  private static final long PATIENCE_SECONDS = 60;

  private final Path work;
  private final Path dir;
  private final int port;

  private LoopbackSshd(Path work, Path dir, int port) {
    this.work = work;
    this.dir = dir;
    this.port = port;
  }

  static LoopbackSshd start(Path work) throws IOException, InterruptedException {
    if (!Files.isExecutable(SSHD)) {
      String why =
          SSHD
              + " is missing: install openssh-server (Debian: apt-get install -y openssh-server;"
              + " ./test installs it) to run "
              + PLAN
              + " against a loopback server";
      if (System.getenv("CI") != null) {
        fail("CI is set and " + why);
      }
      Assumptions.abort("skipped: " + why);
    }
    Path dir = work.resolve("loopback-sshd");
    String started = script("start", dir.toString());
    int port =
        Integer.parseInt(
            started
                .lines()
                .filter(line -> line.startsWith("port="))
                .findFirst()
                .orElseThrow(() -> new IOException("loopback-sshd said no port: " + started))
                .substring("port=".length()));
    return new LoopbackSshd(work, dir, port);
  }

  /** The plan with this server's port and files, and a remote directory under the test's. */
  Path walkThrough(Path plan) throws IOException {
    String yaml =
        Files.readString(fromRepositoryRoot(plan, work))
            .replace("port: 2222", "port: " + port)
            .replace(".flotilla/loopback-sshd", dir.toString())
            .replace("/tmp/flotilla-ssh-rollout", work.resolve("remote").toString());
    return Files.writeString(work.resolve(PLAN), yaml);
  }

  /**
   * A copy of {@code plan} in {@code work} whose artifact path, relative to the repository root
   * where the walk-through runs, is absolute: Maven runs these tests in the samples directory.
   */
  static Path fromRepositoryRoot(Path plan, Path work) throws IOException {
    Path artifacts = SamplePlansTest.plansDir().resolveSibling("artifacts").toAbsolutePath();
    String yaml = Files.readString(plan).replace("samples/artifacts", artifacts.toString());
    return Files.writeString(work.resolve("repository-" + PLAN), yaml);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    script("stop", dir.toString());
  }

  private static String script(String... arguments) throws IOException, InterruptedException {
    Path script = SamplePlansTest.plansDir().toAbsolutePath().getParent().resolveSibling("ssh");
    Process process =
        new ProcessBuilder(
                List.of(script.resolve("loopback-sshd").toString(), arguments[0], arguments[1]))
            .redirectErrorStream(true)
            .start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(PATIENCE_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException("ssh/loopback-sshd " + String.join(" ", arguments) + ": " + output);
    }
    return output;
  }
}
