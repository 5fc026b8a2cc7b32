package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without journal options, deploy journals in .flotilla/journal under the working directory. */
class DefaultJournalTest {

  @TempDir Path dir;

  @Test
  void deployJournalsInTheWorkingDirectoryByDefault() throws Exception {
    // Proves the default is durable and relative to where the CLI runs (in a JVM of its own, to
    // choose that).
    Path plan =
        Files.writeString(
            dir.resolve("plan.yaml"),
            """
        name: default-journal
        targets: [{ name: web-1, roles: [web] }]
        steps: [{ name: Deploy, roles: [web], action: { type: simulate, duration: 1ms } }]
        """);
    Path journal = dir.resolve(".flotilla/journal");

    CliProcess deploy = CliProcess.start(dir, "deploy", "deploy", "plan.yaml");

    assertThat(deploy.await(Duration.ofSeconds(60)))
        .as(deploy.toString())
        .isEqualTo(FlotillaCli.SUCCEEDED);
    assertThat(deploy.out()).contains("Journal: " + journal.toRealPath());
    CliRun listed = CliRun.of("deployments", "--journal", journal.toString(), "--json");
    JsonNode deployments = new ObjectMapper().readTree(listed.out());
    assertThat(deployments)
        .as(listed.toString())
        .singleElement()
        .satisfies(
            deployment ->
                assertThat(deployment.path("name").asText()).isEqualTo("default-journal"));
  }
}
