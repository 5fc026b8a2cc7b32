package dev.flotilla.ssh;

import dev.flotilla.engine.action.ActionContext;
import dev.flotilla.engine.action.ActionLog;
import dev.flotilla.engine.action.ActionRuntime;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;

/** What the SSH tests share: key files, a runtime like the engine's, a log to wait on. */
final class Fixtures {

  /** Generous: only reached when something is broken; a passing test never waits this long. */
  static final Duration PATIENCE = Duration.ofSeconds(30);

  private Fixtures() {}

  /** Writes {@code pair}'s private key in OpenSSH format, readable by its owner only. */
  static Path writePrivateKey(Path file, KeyPair pair, String passphrase)
      throws IOException, GeneralSecurityException {
    OpenSSHKeyEncryptionContext encryption = null;
    if (passphrase != null) {
      encryption = new OpenSSHKeyEncryptionContext();
      encryption.setCipherName("AES");
      encryption.setCipherType("256");
      encryption.setCipherMode("CTR");
      encryption.setPassword(passphrase);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, "flotilla-test", encryption, out);
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  /** The engine's timer and blocking executor, for one test class. */
  static final class EngineThreads implements AutoCloseable {
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final ExecutorService blocking = Executors.newCachedThreadPool();
    final ActionRuntime runtime = new ActionRuntime(timer, blocking);

    ActionContext context(String target, Map<String, String> variables, ActionLog log) {
      return new ActionContext(
          "deployment-1", "rollout", "install", target, 1, variables, 0L, log, runtime);
    }

    @Override
    public void close() {
      timer.shutdownNow();
      blocking.shutdownNow();
      try {
        timer.awaitTermination(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        blocking.awaitTermination(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Every line logged, in order, and a way to wait for one. */
  static final class RecordingLog implements ActionLog {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<String> arrivals = new LinkedBlockingQueue<>();

    @Override
    public void line(String text) {
      lines.add(text);
      arrivals.add(text);
    }

    List<String> lines() {
      return List.copyOf(lines);
    }

    /** Waits until a line equal to {@code expected} has been logged. */
    void awaitLine(String expected) throws InterruptedException {
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (true) {
        String line = arrivals.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new AssertionError(
              "no line \"" + expected + "\" within " + PATIENCE + "; logged: " + lines);
        }
        if (line.equals(expected)) {
          return;
        }
      }
    }
  }
}
