package dev.flotilla.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The OpenSSH server of {@code ssh/loopback-sshd} on 127.0.0.1, running as this process's user for
 * the time of a benchmark: closing it stops the server and its connections.
 */
final class LoopbackSshd implements AutoCloseable {

  static final Path SCRIPT = Path.of("ssh", "loopback-sshd");
  private static final long SCRIPT_TIMEOUT_SECONDS = 60;

  private final Path dir;
  private final int port;

  private LoopbackSshd(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /**
   * Starts a server whose keys and configuration live in {@code dir}. Its commands get {@code
   * dir/home} as HOME, an empty directory: bash reads {@code ~/.bashrc} for every command sshd
   * runs, and the user's own (a pyenv set-up, say) would be measured with every command.
   *
   * @throws IllegalStateException with the script's own explanation (such as "install
   *     openssh-server") when it cannot start one
   */
  static LoopbackSshd start(Path dir) throws IOException, InterruptedException {
    if (!Files.isExecutable(SCRIPT)) {
      throw new IllegalStateException(
          SCRIPT + " not found: run the benchmarks from the repository's root (benchmarks/run)");
    }
    String output = script("start", dir);
    int port = -1;
    for (String line : output.lines().toList()) {
      if (line.startsWith("port=")) {
        port = Integer.parseInt(line.substring("port=".length()).trim());
      }
    }
    if (port < 0) {
      throw new IllegalStateException(SCRIPT + " printed no port: " + output);
    }
    return new LoopbackSshd(dir.toAbsolutePath(), port);
  }

  int port() {
    return port;
  }

  Path dir() {
    return dir;
  }

  /**
   * The ECDSA P-256 client key the server authorizes (OpenSSH format, no passphrase): MINA SSHD has
   * no Ed25519 without Bouncy Castle or net.i2p eddsa, which the ssh module does not bring.
   */
  Path clientKey() {
    return dir.resolve("id_ecdsa");
  }

  /** Holds the server's host keys (Ed25519 and ECDSA) as {@code [127.0.0.1]:port}. */
  Path knownHosts() {
    return dir.resolve("known_hosts");
  }

  @Override
  public void close() throws IOException, InterruptedException {
    script("stop", dir);
  }

  private static String script(String command, Path dir) throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(List.of(SCRIPT.toString(), command, dir.toString()))
            .redirectErrorStream(true);
    builder.environment().put("LOOPBACK_SSHD_HOME", dir.resolve("home").toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(SCRIPT + " " + command + " did not finish: " + output);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(output.strip());
    }
    return output;
  }
}
