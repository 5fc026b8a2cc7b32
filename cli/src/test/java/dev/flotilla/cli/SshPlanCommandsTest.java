package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands know the ssh and upload actions, and check and announce plans' ssh: blocks. */
class SshPlanCommandsTest {

  @TempDir Path dir;

  @Test
  void deployRefusesAnEndpointWithAMissingKeyNamingTargetAndKey() throws Exception {
    // Proves an unusable endpoint is a plan problem (exit 2) before anything starts.
    Path plan =
        write(
            """
            name: rollout
            ssh: { host: "web-{1..2}.internal", identityFile: %s }
            targets: [{ name: "web-{1..2}", roles: [web] }]
            steps: [{ name: Restart, roles: [web], action: { type: ssh, run: "true" } }]
            """
                .formatted(dir.resolve("no-such-key")));

    CliRun run = CliRun.of("deploy", plan.toString(), "--in-memory");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(FlotillaCli.INVALID_INPUT);
    assertThat(run.err())
        .contains(
            plan
                + ":2: targets.ssh.identityFile: target web-1: no such file: "
                + dir.resolve("no-such-key"))
        .contains("targets.ssh.identityFile: target web-2: no such file")
        .contains("nothing was started");
  }

  @Test
  void deployWarnsOfTargetsThatAcceptNewHostKeysBeforeItRuns() throws Exception {
    // Proves hostKeys: acceptNew is announced with the targets' names; the machines here are
    // unreachable, so the deployment then fails naming the target.
    Path plan =
        write(
            """
            name: rollout
            ssh: { host: 127.0.0.1, port: 1, passwordEnv: PATH, knownHosts: %s }
            targets:
              - { name: web-1, roles: [web], ssh: { hostKeys: acceptNew } }
              - { name: web-2, roles: [web] }
            steps: [{ name: Restart, roles: [web], action: { type: ssh, run: "true" } }]
            """
                .formatted(Files.writeString(dir.resolve("known_hosts"), "")));

    CliRun run = CliRun.of("deploy", plan.toString(), "--in-memory");

    assertThat(run.err())
        .as("%s", run)
        .contains("flotilla: warning: hostKeys: acceptNew on target web-1: a host key not yet");
    assertThat(run.exitCode()).as("%s", run).isEqualTo(FlotillaCli.NOT_SUCCEEDED);
    assertThat(run.out()).contains("cannot connect to");
  }

  @Test
  void simulateRehearsesAnSshPlanWithoutItsCredentials() throws Exception {
    // Proves a rehearsal needs no key file: ssh and upload steps become simulated ones.
    Path plan =
        write(
            """
            name: rollout
            ssh: { host: "web-{1..3}.internal", identityFile: /nonexistent/key }
            targets: [{ name: "web-{1..3}", roles: [web] }]
            steps:
              - { name: Copy, roles: [web], action: { type: upload, from: %s, to: /opt/app/ } }
              - { name: Restart, roles: [web], action: { type: ssh, run: "true", estimate: 1s } }
            """
                .formatted(dir));

    CliRun run =
        CliRun.of(
            "simulate", plan.toString(), "--sweep", "maxParallelism=1,3", "--time-scale", "0.01");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(FlotillaCli.SUCCEEDED);
  }

  private Path write(String yaml) throws Exception {
    return Files.writeString(dir.resolve("plan.yaml"), yaml);
  }
}
