package dev.flotilla.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * One SSH "target" in the test JVM: MINA's server on a loopback port of its own, with its own host
 * key, password and public-key authentication, commands run by a real {@code /bin/sh}, and SFTP.
 *
 * <p>Commands behave as under OpenSSH without a pty: closing the channel does not stop them (the
 * server only closes their pipes), while a "signal" request reaches the command's whole process
 * tree, as OpenSSH's {@code killpg} does. So a test that finds the remote process gone after a
 * cancel proves that the client sent the signal.
 */
final class TestSshServer implements AutoCloseable {

  static final String USER = "deploy";
  static final String PASSWORD = "correct horse battery staple";

  private final SshServer server;
  private final KeyPair hostKey;
  private final Queue<Process> processes = new ConcurrentLinkedQueue<>();
  private final AtomicInteger sessionsOpened = new AtomicInteger();
  private final CountDownLatch authGate;

  private TestSshServer(
      KeyPair hostKey,
      PublicKey authorizedKey,
      CountDownLatch authGate,
      UnaryOperator<String> rewrite)
      throws IOException {
    this.hostKey = hostKey;
    this.authGate = authGate;
    server = SshServer.setUpDefaultServer();
    server.setHost("127.0.0.1");
    server.setPort(0);
    server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    server.setPasswordAuthenticator(
        (user, password, session) -> {
          awaitGate();
          return USER.equals(user) && PASSWORD.equals(password);
        });
    server.setPublickeyAuthenticator(
        (user, key, session) -> {
          awaitGate();
          return USER.equals(user)
              && authorizedKey != null
              && KeyUtils.compareKeys(authorizedKey, key);
        });
    server.setCommandFactory((channel, command) -> new ShellCommand(rewrite.apply(command)));
    // SFTP on this machine's own file system, as OpenSSH's internal-sftp without a chroot.
    server.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
    server.addSessionListener(
        new SessionListener() {
          @Override
          public void sessionCreated(Session session) {
            sessionsOpened.incrementAndGet();
          }
        });
    server.start();
  }

  /** A server with a new host key, accepting {@link #PASSWORD} and {@code authorizedKey}. */
  static TestSshServer start(PublicKey authorizedKey) throws IOException {
    return new TestSshServer(newKeyPair(), authorizedKey, null, UnaryOperator.identity());
  }

  /** A server that runs {@code rewrite.apply(command)} instead of each command it is sent. */
  static TestSshServer startRewriting(PublicKey authorizedKey, UnaryOperator<String> rewrite)
      throws IOException {
    return new TestSshServer(newKeyPair(), authorizedKey, null, rewrite);
  }

  /** A server that presents {@code hostKey}, as a machine keeps its key across restarts. */
  static TestSshServer startWithHostKey(KeyPair hostKey, PublicKey authorizedKey)
      throws IOException {
    return new TestSshServer(hostKey, authorizedKey, null, UnaryOperator.identity());
  }

  /** A server whose authentication waits until {@code gate} opens. */
  static TestSshServer startSlowToAuthenticate(PublicKey authorizedKey, CountDownLatch gate)
      throws IOException {
    return new TestSshServer(newKeyPair(), authorizedKey, gate, UnaryOperator.identity());
  }

  static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  int port() {
    return server.getPort();
  }

  KeyPair hostKey() {
    return hostKey;
  }

  /** How many SSH sessions clients have opened to this server. */
  int sessionsOpened() {
    return sessionsOpened.get();
  }

  /** This server's line for a known_hosts file. */
  String knownHostsLine() {
    return "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(hostKey.getPublic());
  }

  /** Appends this server's key to {@code knownHosts}, as {@code ssh-keyscan >>} would. */
  void trustIn(Path knownHosts) {
    try {
      Files.writeString(
          knownHosts,
          knownHostsLine() + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Drops every client's connection, as a crashed or restarted machine does. */
  void dropConnections() {
    server.getActiveSessions().forEach(session -> session.close(true));
  }

  @Override
  public void close() throws IOException {
    processes.forEach(
        process -> {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
        });
    server.stop(true);
  }

  private void awaitGate() {
    if (authGate == null) {
      return;
    }
    try {
      authGate.await(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code /bin/sh -c command}, its output pumped to the channel, its exit code reported. */
  private final class ShellCommand implements Command {
    private final String command;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;

    ShellCommand(String command) {
      this.command = command;
    }

    @Override
    public void setInputStream(InputStream in) {}

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
      this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback exit) {
      this.exit = exit;
    }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
      Process process = new ProcessBuilder(List.of("/bin/sh", "-c", command)).start();
      processes.add(process);
      process.getOutputStream().close();
      env.addSignalListener((ch, signal) -> killTree(process, signal));
      Thread stderr = pump(process.getErrorStream(), err);
      Thread stdout = pump(process.getInputStream(), out);
      Thread waiter =
          new Thread(
              () -> {
                try {
                  int code = process.waitFor();
                  stdout.join();
                  stderr.join();
                  exit.onExit(code);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "test-sshd-exit");
      waiter.setDaemon(true);
      waiter.start();
    }

    @Override
    public void destroy(ChannelSession channel) {
      // As OpenSSH without a pty: the command keeps running; only a signal stops it.
    }

    private Thread pump(InputStream from, OutputStream to) {
      Thread thread =
          new Thread(
              () -> {
                byte[] buffer = new byte[8192];
                try {
                  for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
                    to.write(buffer, 0, n);
                    to.flush();
                  }
                } catch (IOException e) {
                  // The channel closed: the command's output has nowhere to go.
                }
              },
              "test-sshd-pump");
      thread.setDaemon(true);
      thread.start();
      return thread;
    }

    private void killTree(Process process, Signal signal) {
      List<ProcessHandle> tree = process.descendants().toList();
      boolean forcibly = signal == Signal.KILL;
      for (ProcessHandle handle : tree) {
        if (forcibly) {
          handle.destroyForcibly();
        } else {
          handle.destroy();
        }
      }
      if (forcibly) {
        process.destroyForcibly();
      } else {
        process.destroy();
      }
    }
  }
}
