package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.InvalidActionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The upload action copies files to the target whole, with their modes, or not at all. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UploadActionTypeTest {

  @TempDir static Path dir;
  private final Fixtures.EngineThreads runtime = new Fixtures.EngineThreads();
  private TestSshServer web01;
  private SshSessions sessions;
  private UploadActionType type;
  private Path local;
  private Path remote;

  @BeforeAll
  void start() throws Exception {
    KeyPair clientKey = TestSshServer.newKeyPair();
    Path identity = Fixtures.writePrivateKey(dir.resolve("id_ecdsa"), clientKey, null);
    Path knownHosts = dir.resolve("known_hosts");
    web01 = TestSshServer.start(clientKey.getPublic());
    web01.trustIn(knownHosts);
    SshEndpoint endpoint =
        SshEndpoint.withKey("127.0.0.1", web01.port(), TestSshServer.USER, identity, knownHosts);
    sessions = new SshSessions(SshSettings.load(), name -> null, warning -> {});
    type = new UploadActionType(sessions, target -> "web-01".equals(target) ? endpoint : null);
    local = Files.createDirectory(dir.resolve("local"));
    remote = Files.createDirectory(dir.resolve("remote"));
  }

  @AfterAll
  void stop() throws Exception {
    sessions.close();
    web01.close();
    runtime.close();
  }

  @Test
  void uploadsAFileIntoNewDirectoriesKeepingItsMode() throws Exception {
    Path file = Files.writeString(local.resolve("app.sh"), "#!/bin/sh\necho ünïcode\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-x---"));
    Path target = remote.resolve("a/b/c/app.sh");
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();

    ActionResult result = upload(file, target.toString(), log);

    assertThat(result).isEqualTo(ActionResult.success());
    assertThat(Files.readString(target)).isEqualTo(Files.readString(file));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
        .isEqualTo("rwxr-x---");
    assertThat(log.lines())
        .singleElement()
        .asString()
        .startsWith("uploaded 1 file(s), " + Files.size(file) + " bytes in ")
        .endsWith("to target web-01 (deploy@127.0.0.1:" + web01.port() + ")");
    assertNoTemporaryFiles();
  }

  @Test
  void replacesAnExistingFileWhole() throws Exception {
    Path file = Files.writeString(local.resolve("config"), "new\n");
    Path target =
        Files.writeString(
            Files.createDirectories(remote.resolve("etc")).resolve("config"), "old\n");

    assertThat(upload(file, target.toString(), new Fixtures.RecordingLog()))
        .isEqualTo(ActionResult.success());
    assertThat(Files.readString(target)).isEqualTo("new\n");
    assertNoTemporaryFiles();
  }

  @Test
  void aPathEndingWithSlashReceivesTheFileUnderItsName() throws Exception {
    Path file = Files.writeString(local.resolve("release.txt"), "1.2.3\n");
    assertThat(upload(file, remote.resolve("releases") + "/", new Fixtures.RecordingLog()))
        .isEqualTo(ActionResult.success());
    assertThat(Files.readString(remote.resolve("releases/release.txt"))).isEqualTo("1.2.3\n");
  }

  @Test
  void uploadsADirectoryTree() throws Exception {
    Path tree = Files.createDirectories(local.resolve("site/assets/img"));
    Files.writeString(local.resolve("site/index.html"), "<h1>hi</h1>\n");
    Files.write(tree.resolve("logo.bin"), new byte[200_000]);
    Path script = Files.writeString(local.resolve("site/run.sh"), "true\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();

    assertThat(upload(local.resolve("site"), remote.resolve("www").toString(), log))
        .isEqualTo(ActionResult.success());

    assertThat(Files.readString(remote.resolve("www/index.html"))).isEqualTo("<h1>hi</h1>\n");
    assertThat(Files.size(remote.resolve("www/assets/img/logo.bin"))).isEqualTo(200_000);
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(remote.resolve("www/run.sh"))))
        .isEqualTo("rwx------");
    assertThat(log.lines())
        .singleElement()
        .asString()
        .startsWith("uploaded 3 file(s), 200017 bytes in ");
    assertNoTemporaryFiles();
  }

  @Test
  void aChecksumThatDiffersOnTheTargetFailsTheUpload() throws Exception {
    Path file = Files.writeString(local.resolve("artifact.jar"), "payload\n");
    ActionResult result =
        uploadThrough(
            command ->
                command.startsWith("sha256sum")
                    ? "echo 0000000000000000000000000000000000000000000000000000000000000000 -"
                    : command,
            file);
    assertThat(result.succeeded()).isFalse();
    assertThat(result.message()).contains("checksum mismatch for").contains("artifact.jar");
    assertThat(remote.resolve("rewritten/artifact.jar")).doesNotExist();
    assertNoTemporaryFiles();
  }

  @Test
  void aDirectoryIsCheckedByOneSha256sumAndNothingIsRenamedOnAMismatch() throws Exception {
    // Proves the files of a directory are checked by one command on the target (each command
    // costs a channel and the remote shell's start-up), and that one bad checksum leaves no file
    // of the tree renamed into place and no temporary file behind.
    Path tree = Files.createDirectories(local.resolve("bundle/lib"));
    Files.writeString(local.resolve("bundle/a.txt"), "a\n");
    Files.writeString(local.resolve("bundle/b.txt"), "b\n");
    Files.writeString(tree.resolve("c.txt"), "c\n");
    List<String> checks = new CopyOnWriteArrayList<>();
    ActionResult checked =
        uploadThrough(
            command -> {
              if (command.startsWith("sha256sum")) {
                checks.add(command);
              }
              return command;
            },
            local.resolve("bundle"));
    assertThat(checked).isEqualTo(ActionResult.success());
    assertThat(checks).hasSize(1);
    assertThat(Files.readString(remote.resolve("rewritten/lib/c.txt"))).isEqualTo("c\n");

    Files.writeString(local.resolve("bundle/a.txt"), "a2\n");
    Files.writeString(local.resolve("bundle/b.txt"), "b2\n");
    ActionResult corrupted =
        uploadThrough(
            command ->
                command.startsWith("sha256sum")
                    ? command + " | sed '2s/^./x/'" // The second file's hash is altered.
                    : command,
            local.resolve("bundle"));
    assertThat(corrupted.succeeded()).isFalse();
    assertThat(corrupted.message()).contains("checksum mismatch for").contains("b.txt");
    assertThat(Files.readString(remote.resolve("rewritten/a.txt"))).isEqualTo("a\n");
    assertNoTemporaryFiles();
  }

  @Test
  void aTargetWithoutSha256sumIsCheckedBySizeAndSaysSo() throws Exception {
    Path file = Files.writeString(local.resolve("plain.txt"), "payload\n");
    Fixtures.RecordingLog log = new Fixtures.RecordingLog();
    ActionResult result =
        uploadThrough(command -> command.startsWith("sha256sum") ? "exit 127" : command, file, log);
    assertThat(result).isEqualTo(ActionResult.success());
    assertThat(log.lines())
        .anySatisfy(line -> assertThat(line).contains("not verified").contains("only its size"));
  }

  @Test
  void aTargetWithoutEndpointFailsNamingIt() throws Exception {
    Path file = Files.writeString(local.resolve("x"), "x");
    ActionResult result =
        type.configure(Map.of("from", file.toString(), "to", "/tmp/x"))
            .start(runtime.context("db-01", Map.of(), new Fixtures.RecordingLog()))
            .result()
            .toCompletableFuture()
            .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    assertThat(result).isEqualTo(ActionResult.failure("target db-01 has no SSH endpoint"));
  }

  @Test
  void configureNamesTheParameterAtFault() {
    assertThatThrownBy(() -> type.configure(Map.of("to", "/srv")))
        .isInstanceOf(InvalidActionException.class)
        .extracting(e -> ((InvalidActionException) e).key())
        .isEqualTo("from");
    assertThatThrownBy(
            () -> type.configure(Map.of("from", dir.resolve("absent").toString(), "to", "/srv")))
        .hasMessageContaining("no such file");
    assertThatThrownBy(() -> type.configure(Map.of("from", dir.toString())))
        .extracting(e -> ((InvalidActionException) e).key())
        .isEqualTo("to");
    assertThatThrownBy(
            () -> type.configure(Map.of("from", dir.toString(), "to", "/srv", "mode", "0644")))
        .extracting(e -> ((InvalidActionException) e).key())
        .isEqualTo("mode");
  }

  private ActionResult upload(Path from, String to, Fixtures.RecordingLog log) throws Exception {
    return type.configure(Map.of("from", from.toString(), "to", to))
        .start(runtime.context("web-01", Map.of(), log))
        .result()
        .toCompletableFuture()
        .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
  }

  /** Uploads {@code file} to a machine that rewrites the commands it is sent. */
  private ActionResult uploadThrough(UnaryOperator<String> rewrite, Path file) throws Exception {
    return uploadThrough(rewrite, file, new Fixtures.RecordingLog());
  }

  private ActionResult uploadThrough(
      UnaryOperator<String> rewrite, Path file, Fixtures.RecordingLog log) throws Exception {
    KeyPair clientKey = TestSshServer.newKeyPair();
    Path identity = Fixtures.writePrivateKey(Files.createTempFile(dir, "id", ""), clientKey, null);
    Path knownHosts = Files.createTempFile(dir, "known_hosts", "");
    try (TestSshServer machine = TestSshServer.startRewriting(clientKey.getPublic(), rewrite)) {
      machine.trustIn(knownHosts);
      SshEndpoint endpoint =
          SshEndpoint.withKey(
              "127.0.0.1", machine.port(), TestSshServer.USER, identity, knownHosts);
      UploadActionType rewritten = new UploadActionType(sessions, target -> endpoint);
      return rewritten
          .configure(Map.of("from", file.toString(), "to", remote.resolve("rewritten") + "/"))
          .start(runtime.context("web-09", Map.of(), log))
          .result()
          .toCompletableFuture()
          .get(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }
  }

  private void assertNoTemporaryFiles() throws Exception {
    try (Stream<Path> files = Files.walk(remote)) {
      assertThat(files.map(Path::toString)).noneMatch(name -> name.contains(".flotilla-"));
    }
  }
}
