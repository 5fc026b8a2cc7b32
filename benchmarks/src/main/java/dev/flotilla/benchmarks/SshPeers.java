package dev.flotilla.benchmarks;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The two peers of {@link SshBenchmark}, both through OpenSSH's {@code ssh} client to the same
 * loopback server, with one connection per target alias as Flotilla has one session per target:
 *
 * <ul>
 *   <li>a plain loop: per step, {@code xargs -P cap} runs {@code ssh ALIAS true} for every target,
 *       with {@code ControlMaster=auto}, {@code ControlPersist=60s} and a {@code ControlPath} named
 *       after the alias ({@code %n}), so a target's first command opens its master connection and
 *       later ones are multiplexed over it;
 *   <li>Ansible ({@code ansible_connection: ssh}, forks = cap, pipelining on, its default {@code
 *       ssh_args}: {@code -C -o ControlMaster=auto -o ControlPersist=60s}), one {@code command:
 *       true} task per step. Its control path is a hash of host, port and user, so every alias is
 *       its own host name here, which the shared {@code ssh_config} maps to the server.
 * </ul>
 */
final class SshPeers {

  private static final long TIMEOUT_MINUTES = 30;

  private final Path sshConfig;
  private final Path workDir;
  private final String user;

  private SshPeers(Path sshConfig, Path workDir, String user) {
    this.sshConfig = sshConfig;
    this.workDir = workDir;
    this.user = user;
  }

  /**
   * Writes the {@code ssh_config} both peers use: every alias {@code t*} is the loopback server,
   * its key verified against the server's {@code known_hosts}. The algorithms are those Flotilla's
   * client negotiates with it (key exchange curve25519-sha256, ECDSA host and client keys; the
   * cipher is chacha20-poly1305 for both anyway), so that all compare the tools, not the crypto:
   * OpenSSH would pick sntrup761x25519-sha512 and Ed25519, which cost more on both ends.
   *
   * @param workDir where the peers' files and logs go
   */
  static SshPeers create(LoopbackSshd sshd, Path workDir, String user) throws IOException {
    Path config = workDir.resolve("ssh_config");
    Files.writeString(
        config,
        String.join(
            "\n",
            "Host t*",
            "  HostName 127.0.0.1",
            "  Port " + sshd.port(),
            "  User " + user,
            "  IdentityFile " + sshd.clientKey(),
            "  IdentitiesOnly yes",
            "  KexAlgorithms curve25519-sha256",
            "  HostKeyAlgorithms ecdsa-sha2-nistp256",
            "  UserKnownHostsFile " + sshd.knownHosts(),
            "  StrictHostKeyChecking yes",
            "  BatchMode yes",
            "  LogLevel ERROR",
            ""));
    return new SshPeers(config, workDir, user);
  }

  /**
   * Runs the workload as the plain loop, its masters in {@code controlDir} (opened by the first
   * step when none is open there, reused otherwise).
   */
  void openSshLoop(Workload workload, Path controlDir) throws IOException, InterruptedException {
    Path targets = workDir.resolve("targets.txt");
    Files.write(targets, workload.targetNames());
    for (int s = 0; s < workload.steps(); s++) {
      run(
          List.of(
              "xargs",
              "-P",
              Integer.toString(workload.cap()),
              "-I{}",
              "ssh",
              "-F",
              sshConfig.toString(),
              "-o",
              "ControlMaster=auto",
              "-o",
              "ControlPersist=60s",
              "-o",
              "ControlPath=" + controlDir + "/%n",
              "{}",
              "true"),
          targets,
          workDir.resolve("openssh.log"),
          Map.of());
    }
  }

  /** {@code ansible-playbook} if it is on the PATH. */
  static Optional<Path> ansible() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, AnsiblePeer.COMMAND);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Runs the workload as one playbook run over SSH, its masters in {@code controlDir}. The caller
   * times the call: it includes Ansible's start-up, as every run of it does.
   */
  void ansible(Path executable, Workload workload, Path controlDir)
      throws IOException, InterruptedException {
    Path inventory = workDir.resolve("inventory.ini");
    Path playbook = workDir.resolve("playbook.yml");
    Path config = workDir.resolve("ansible.cfg");
    List<String> hosts = new ArrayList<>();
    hosts.add("[" + Fleet.ROLE + "]");
    hosts.addAll(workload.targetNames());
    hosts.add("");
    hosts.add("[" + Fleet.ROLE + ":vars]");
    hosts.add("ansible_connection=ssh");
    hosts.add("ansible_user=" + user);
    hosts.add("ansible_ssh_common_args='-F " + sshConfig + "'");
    // The target's Python, named: no interpreter discovery per host.
    hosts.add("ansible_python_interpreter=/usr/bin/python3");
    Files.write(inventory, hosts);
    StringBuilder yaml = new StringBuilder();
    yaml.append("- hosts: ").append(Fleet.ROLE).append("\n  gather_facts: false\n  tasks:\n");
    for (int s = 0; s < workload.steps(); s++) {
      yaml.append("    - name: ").append(Workload.stepName(s)).append('\n');
      yaml.append("      command: 'true'\n");
    }
    Files.writeString(playbook, yaml.toString());
    Files.writeString(
        config,
        String.join(
            "\n",
            "[defaults]",
            "forks = " + workload.cap(),
            "gathering = explicit",
            "host_key_checking = True",
            "retry_files_enabled = False",
            "",
            "[ssh_connection]",
            "pipelining = True",
            "control_path_dir = " + controlDir,
            ""));
    run(
        List.of(
            executable.toString(),
            "-i",
            inventory.toString(),
            "-f",
            Integer.toString(workload.cap()),
            playbook.toString()),
        null,
        workDir.resolve("ansible.log"),
        Map.of(
            "ANSIBLE_CONFIG",
            config.toString(),
            "ANSIBLE_HOME",
            workDir.resolve("ansible-home").toString(),
            "ANSIBLE_LOCAL_TEMP",
            workDir.resolve("ansible-tmp").toString()));
  }

  /** {@code ansible-playbook --version}'s first line. */
  static String ansibleVersion(Path executable) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(executable.toString(), "--version").redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor();
    return output.lines().findFirst().orElse("unknown version").trim();
  }

  /** Ends every master connection whose socket is in {@code controlDir}, then removes the dir. */
  void exitMasters(Path controlDir) throws IOException, InterruptedException {
    if (!Files.isDirectory(controlDir)) {
      return;
    }
    List<String> sockets;
    try (Stream<Path> files = Files.list(controlDir)) {
      sockets = files.map(Path::toString).toList();
    }
    if (!sockets.isEmpty()) {
      Path list = workDir.resolve("sockets.txt");
      Files.write(list, sockets);
      // A master that already went reports an error: nothing to end, so the status is ignored.
      Process process =
          new ProcessBuilder(
                  "xargs", "-P", "8", "-I{}", "ssh", "-o", "ControlPath={}", "-O", "exit", "any")
              .redirectInput(list.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
    }
    BenchmarkSuite.delete(controlDir);
  }

  private static void run(List<String> command, Path stdin, Path log, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    if (stdin != null) {
      builder.redirectInput(stdin.toFile());
    }
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException(command.get(0) + " did not finish within 30 min");
    }
    if (process.exitValue() != 0) {
      List<String> lines = Files.readAllLines(log);
      List<String> errors =
          lines.stream()
              .filter(l -> l.contains("fatal:") || l.contains("ERROR") || l.contains("rror"))
              .limit(3)
              .map(l -> l.length() > 500 ? l.substring(0, 500) + " ..." : l)
              .toList();
      throw new IllegalStateException(
          String.join(" ", command.subList(0, Math.min(3, command.size())))
              + " ... exited "
              + process.exitValue()
              + ": "
              + String.join(
                  "\n",
                  errors.isEmpty()
                      ? lines.subList(Math.max(0, lines.size() - 10), lines.size())
                      : errors));
    }
  }
}
