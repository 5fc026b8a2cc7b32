package dev.flotilla.ssh;

import dev.flotilla.engine.action.ActionContext;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.RunningAction;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;

/**
 * One run of an {@code upload} action. The SFTP client blocks, so the whole copy runs as one task
 * on the engine's blocking executor; a cancel stops it between two buffers.
 */
final class UploadExecution implements RunningAction {

  record Request(Path from, String to, TargetEndpoints targets, SshSessions sessions) {}

  private static final int BUFFER_BYTES = 64 * 1024;

  /** Well below what servers take as one command (OpenSSH: a 256 KiB packet). */
  private static final int MAX_COMMAND_CHARS = 16 * 1024;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int[] MODE_BITS = {0400, 0200, 0100, 040, 020, 010, 04, 02, 01};
  private static final PosixFilePermission[] MODE_PERMISSIONS = {
    PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_EXECUTE,
    PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.GROUP_EXECUTE,
    PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_EXECUTE
  };

  private final Request request;
  private final ActionContext context;
  private final CompletableFuture<ActionResult> result = new CompletableFuture<>();

  // Guarded by this.
  private boolean cancelled;

  private UploadExecution(Request request, ActionContext context) {
    this.request = request;
    this.context = context;
  }

  static RunningAction start(Request request, ActionContext context) {
    UploadExecution execution = new UploadExecution(request, context);
    execution.begin();
    return execution;
  }

  @Override
  public CompletionStage<ActionResult> result() {
    return result;
  }

  /**
   * Stops the copy at its next buffer; the temporary file is then removed, so the final name keeps
   * its previous content.
   */
  @Override
  public void cancel() {
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
    }
    result.complete(ActionResult.failure("cancelled"));
  }

  private synchronized boolean isCancelled() {
    return cancelled;
  }

  private void begin() {
    // The lease comes on the blocking executor, where the copy then runs.
    SshSessions.leaseForTarget(
        request.sessions(),
        request.targets(),
        context,
        result,
        lease -> {
          try (lease) {
            copy(lease);
          }
        });
  }

  private void copy(SshSessions.Lease lease) {
    String where = "target " + context.target() + " (" + lease.endpoint().address() + ")";
    SftpClient client;
    try {
      client = SftpClientFactory.instance().createSftpClient(lease.session());
    } catch (IOException e) {
      result.complete(
          ActionResult.failure("cannot open SFTP on " + where + ": " + SshSessions.describe(e)));
      return;
    }
    if (isCancelled()) {
      closeQuietly(client);
      return;
    }
    long started = System.nanoTime();
    try (client) {
      // Every file goes to a temporary name first; one sha256sum on the target checks them all
      // (each command costs a channel and a run of the remote user's shell start-up files), and
      // only then are they renamed into place.
      List<Staged> staged = new ArrayList<>();
      long bytes = 0;
      try {
        if (Files.isDirectory(request.from())) {
          String root = trimSlash(request.to());
          makeDirectories(client, root);
          List<Path> entries;
          try (Stream<Path> walk = Files.walk(request.from())) {
            entries = walk.sorted().toList();
          }
          for (Path local : entries) {
            String remote =
                root + "/" + request.from().relativize(local).toString().replace('\\', '/');
            if (local.equals(request.from())) {
              continue;
            }
            if (Files.isSymbolicLink(local)) {
              context.log().line("skipped symbolic link " + local);
            } else if (Files.isDirectory(local, LinkOption.NOFOLLOW_LINKS)) {
              makeDirectory(client, remote); // The walk is sorted: its parent is there already.
            } else {
              staged.add(stage(client, local, remote));
            }
          }
        } else {
          String remote =
              request.to().endsWith("/")
                  ? request.to() + request.from().getFileName()
                  : request.to();
          int slash = remote.lastIndexOf('/');
          if (slash > 0) {
            makeDirectories(client, remote.substring(0, slash));
          }
          staged.add(stage(client, request.from(), remote));
        }
        // Checked before any rename, so a corrupt copy never replaces a previous file.
        verifyChecksums(lease.session(), staged);
        for (Staged file : staged) {
          rename(client, file.temporary(), file.remote());
          file.renamed = true;
          bytes += file.size();
        }
      } catch (IOException | RuntimeException e) {
        staged.stream().filter(f -> !f.renamed).forEach(f -> removeQuietly(client, f.temporary()));
        throw e;
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      context
          .log()
          .line(
              String.format(
                  Locale.ROOT,
                  "uploaded %d file(s), %d bytes in %.3f s (%.1f MB/s) to %s",
                  staged.size(),
                  bytes,
                  seconds,
                  bytes / 1e6 / Math.max(seconds, 1e-9),
                  where));
      result.complete(ActionResult.success());
    } catch (IOException | RuntimeException e) {
      result.complete(
          ActionResult.failure("upload to " + where + " failed: " + SshSessions.describe(e)));
    }
  }

  /** A file written under its temporary name, not yet renamed to its final one. */
  private static final class Staged {
    private final String remote;
    private final String temporary;
    private final String sha256;
    private final long size;
    private boolean renamed;

    Staged(String remote, String temporary, String sha256, long size) {
      this.remote = remote;
      this.temporary = temporary;
      this.sha256 = sha256;
      this.size = size;
    }

    String remote() {
      return remote;
    }

    String temporary() {
      return temporary;
    }

    long size() {
      return size;
    }
  }

  /** Writes one file under a temporary name with its mode, and checks its size there. */
  private Staged stage(SftpClient client, Path local, String remote) throws IOException {
    int slash = remote.lastIndexOf('/');
    String temporary =
        remote.substring(0, slash + 1)
            + "."
            + remote.substring(slash + 1)
            + ".flotilla-"
            + HexFormat.of().toHexDigits(RANDOM.nextLong())
            + ".tmp";
    MessageDigest sha256 = sha256();
    long size = Files.size(local);
    try {
      try (InputStream in = new DigestInputStream(Files.newInputStream(local), sha256);
          OutputStream out = client.write(temporary, BUFFER_BYTES)) {
        byte[] buffer = new byte[BUFFER_BYTES];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          if (isCancelled()) {
            throw new IOException("cancelled");
          }
          out.write(buffer, 0, n);
        }
      }
      SftpClient.Attributes mode = new SftpClient.Attributes();
      mode.setPermissions(mode(local));
      client.setStat(temporary, mode);
      long written = client.stat(temporary).getSize();
      if (written != size) {
        throw new IOException("wrote " + written + " bytes of " + size + " to " + temporary);
      }
    } catch (IOException | RuntimeException e) {
      removeQuietly(client, temporary);
      throw e;
    }
    return new Staged(remote, temporary, HexFormat.of().formatHex(sha256.digest()), size);
  }

  /** Over the final name: atomic with OpenSSH's posix-rename, else remove then rename. */
  private void rename(SftpClient client, String from, String to) throws IOException {
    OpenSSHPosixRenameExtension posix = client.getExtension(OpenSSHPosixRenameExtension.class);
    if (posix != null && posix.isSupported()) {
      posix.posixRename(from, to);
      return;
    }
    context.log().line("the target has no posix-rename: " + to + " is replaced in two steps");
    removeQuietly(client, to);
    client.rename(from, to);
  }

  /**
   * Compares every staged file with {@code sha256sum} on the target, as few commands as the
   * command-line bound allows; says so in the log when it cannot.
   */
  private void verifyChecksums(ClientSession session, List<Staged> staged) throws IOException {
    int from = 0;
    while (from < staged.size()) {
      StringBuilder command = new StringBuilder("sha256sum --");
      int to = from;
      while (to < staged.size()
          && (to == from
              || command.length() + staged.get(to).temporary().length() + 3 <= MAX_COMMAND_CHARS)) {
        command.append(' ').append(ShellQuoting.quote(staged.get(to).temporary()));
        to++;
      }
      verifyChecksums(session, command.toString(), staged.subList(from, to));
      from = to;
    }
  }

  private void verifyChecksums(ClientSession session, String command, List<Staged> files)
      throws IOException {
    String output;
    try {
      output = session.executeRemoteCommand(command);
    } catch (IOException e) {
      String names =
          files.size() == 1 ? files.get(0).remote() : files.size() + " files under " + request.to();
      context
          .log()
          .line(
              "checksum of "
                  + names
                  + " not verified: sha256sum failed on the target ("
                  + SshSessions.describe(e)
                  + "); only "
                  + (files.size() == 1 ? "its size was" : "their sizes were")
                  + " checked");
      return;
    }
    // One line per file, in the order given ("HASH  NAME"; a name needing escapes starts it
    // with a backslash).
    List<String> lines = output.lines().filter(line -> !line.isBlank()).toList();
    if (lines.size() != files.size()) {
      throw new IOException(
          "sha256sum on the target gave "
              + lines.size()
              + " line(s) for "
              + files.size()
              + " file(s): "
              + output.strip());
    }
    for (int i = 0; i < files.size(); i++) {
      String line = lines.get(i).strip();
      String actual = (line.startsWith("\\") ? line.substring(1) : line).split("\\s+", 2)[0];
      Staged file = files.get(i);
      if (!actual.equalsIgnoreCase(file.sha256)) {
        throw new IOException(
            "checksum mismatch for "
                + file.remote()
                + ": sha256 "
                + actual
                + " on the target, "
                + file.sha256
                + " here");
      }
    }
  }

  /** {@code directory} and its missing parents; one round trip when it is there already. */
  private static void makeDirectories(SftpClient client, String directory) throws IOException {
    SftpClient.Attributes whole = statOrNull(client, directory);
    if (whole != null && whole.isDirectory()) {
      return;
    }
    StringBuilder path = new StringBuilder(directory.startsWith("/") ? "/" : "");
    for (String part : directory.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      path.append(part);
      String current = path.toString();
      makeDirectory(client, current);
      path.append('/');
    }
  }

  /** {@code directory}, whose parent exists. */
  private static void makeDirectory(SftpClient client, String directory) throws IOException {
    SftpClient.Attributes existing = statOrNull(client, directory);
    if (existing == null) {
      try {
        client.mkdir(directory);
      } catch (IOException e) {
        // Another upload to the same machine (two target names on it) may have just made it.
        SftpClient.Attributes made = statOrNull(client, directory);
        if (made == null || !made.isDirectory()) {
          throw e;
        }
      }
    } else if (!existing.isDirectory()) {
      throw new IOException(directory + " exists and is not a directory");
    }
  }

  private static SftpClient.Attributes statOrNull(SftpClient client, String path) {
    try {
      return client.stat(path);
    } catch (IOException e) {
      return null;
    }
  }

  private static int mode(Path local) throws IOException {
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(local);
    int mode = 0;
    for (int i = 0; i < MODE_BITS.length; i++) {
      if (permissions.contains(MODE_PERMISSIONS[i])) {
        mode |= MODE_BITS[i];
      }
    }
    return mode;
  }

  private static String trimSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static void removeQuietly(SftpClient client, String path) {
    try {
      client.remove(path);
    } catch (IOException | RuntimeException e) {
      // Nothing there, or the channel is gone: nothing more to clean up from here.
    }
  }

  private static void closeQuietly(SftpClient client) {
    try {
      client.close();
    } catch (IOException e) {
      // Closing is all a cancel asks for.
    }
  }
}
