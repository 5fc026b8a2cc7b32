package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.server.ServiceAuth;
import dev.flotilla.server.TokenFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flotilla node}: its token, --no-auth, and the cluster options' seam. */
class NodeCommandTest {

  private static final String PLAN =
      """
      name: node-plan
      targets: [{ name: db-1, roles: [db] }]
      steps:
        - { name: Check, roles: [db], action: { type: simulate, duration: 1ms } }
      """;

  @TempDir Path dir;

  @Test
  void withoutFlotillaTokenTheNodeWritesANewTokenReadableByItsUserOnlyAndSaysWhereNotWhat()
      throws Exception {
    // Proves the generated token: written mode 600 where the node says, accepted by the node,
    // and never printed.
    Path tokenFile = dir.resolve("home/.flotilla/token");
    ServeCommandTest.Served node =
        ServeCommandTest.run(
            "node", Map.of(), "--http-port", "0", "--token-file", tokenFile.toString());

    String token = TokenFile.read(tokenFile);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)))
        .isEqualTo("rw-------");
    assertThat(node.submit(PLAN, token)).isNotBlank();
    String printed = node.stop();
    assertThat(printed).contains("Token: a new one, written to " + tokenFile).doesNotContain(token);
    assertThat(node.err().toString()).doesNotContain(token);
    assertThat(printed).contains("flotilla node: stopped");
  }

  @Test
  void withFlotillaTokenTheNodeUsesItAndWritesNoFile() throws Exception {
    // Proves FLOTILLA_TOKEN wins: no token file is written, and the node accepts that token.
    Path tokenFile = dir.resolve("token");
    ServeCommandTest.Served node =
        ServeCommandTest.run(
            "node",
            Map.of(ServiceAuth.TOKEN_VARIABLE, ServeCommandTest.TOKEN),
            "--http-port",
            "0",
            "--token-file",
            tokenFile.toString());

    assertThat(node.submit(PLAN)).isNotBlank();
    assertThat(node.stop()).contains("Token: from FLOTILLA_TOKEN");
    assertThat(tokenFile).doesNotExist();
  }

  @Test
  void noAuthOnLoopbackServesWithoutATokenAndWarns() throws Exception {
    // Proves --no-auth on 127.0.0.1: requests need no token, and stderr says what that means.
    ServeCommandTest.Served node =
        ServeCommandTest.run("node", Map.of(), "--http-port", "0", "--no-auth");

    assertThat(node.submit(PLAN, "anything-at-all")).isNotBlank();
    node.stop();
    assertThat(node.err().toString()).contains("WARNING: --no-auth").contains("as you");
  }

  @Test
  void noAuthOnAnAddressOtherMachinesReachIsRefusedWithExitTwo() {
    // Proves --no-auth cannot expose the service beyond loopback; nothing starts.
    CliRun run =
        CliRun.with(
            Map.of(),
            InterruptSignal.NONE,
            "node",
            "--http-port",
            "0",
            "--http-host",
            "0.0.0.0",
            "--no-auth");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("--no-auth is only for a loopback address").contains("0.0.0.0");
    assertThat(run.out()).doesNotContain("listening");
  }

  @Test
  void clusterOptionsWithoutAJournalUrlOrWithAMalformedSeedExitTwoSayingWhatIsMissing() {
    // Proves the cluster mode the cluster module plugs in checks its options before starting
    // anything: a node of a cluster needs the shared journal, and a seed is HOST:PORT.
    String[][] cases = {
      {"--seed", "127.0.0.1:2551", "needs --journal-url"},
      {"--cluster-port", "2551", "needs --journal-url"},
    };
    for (String[] options : cases) {
      CliRun run =
          CliRun.with(
              Map.of(ServiceAuth.TOKEN_VARIABLE, ServeCommandTest.TOKEN),
              InterruptSignal.NONE,
              "node",
              "--http-port",
              "0",
              options[0],
              options[1]);

      assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
      assertThat(run.err()).contains(options[2]).doesNotContain("secret");
      assertThat(run.out()).doesNotContain("listening");
    }
    CliRun badSeed =
        CliRun.with(
            Map.of(ServiceAuth.TOKEN_VARIABLE, ServeCommandTest.TOKEN),
            InterruptSignal.NONE,
            "node",
            "--http-port",
            "0",
            "--journal-url",
            "jdbc:postgresql://127.0.0.1:1/flotilla?user=u&password=secret",
            "--seed",
            "2551");
    assertThat(badSeed.exitCode()).as(badSeed.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(badSeed.err()).contains("--seed 2551: it is not HOST:PORT").doesNotContain("secret");
  }

  @Test
  void aShortFlotillaTokenIsRefusedWithExitTwoWithoutShowingIt() {
    // Proves a weak FLOTILLA_TOKEN is bad input, and the message does not echo it.
    CliRun run =
        CliRun.with(
            Map.of(ServiceAuth.TOKEN_VARIABLE, "hunter2"),
            InterruptSignal.NONE,
            "node",
            "--http-port",
            "0");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err()).contains("FLOTILLA_TOKEN must have at least 32 characters");
    assertThat(run.err()).doesNotContain("hunter2");
  }
}
