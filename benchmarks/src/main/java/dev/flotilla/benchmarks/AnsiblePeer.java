package dev.flotilla.benchmarks;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Ansible ({@code ansible-core}) running the workload as its users would: an inventory of N {@code
 * ansible_connection=local} host aliases, {@code gather_facts: false}, {@code forks} = cap, one
 * task per step (the linear strategy finishes a task on every host before the next). Each task is a
 * shell that appends {@code start end host step} to the ledger with {@code date +%s%N} around a
 * {@code sleep} of the action's duration. Ansible has no mutex on a host across runs.
 */
final class AnsiblePeer {

  static final String COMMAND = "ansible-playbook";
  private static final long TIMEOUT_MINUTES = 30;

  /**
   * What one action does: append to the ledger around the duration, or only run {@code /bin/true}.
   */
  enum Task {
    LEDGER,
    TRUE
  }

  private final Path executable;
  private final Path workDir;

  private AnsiblePeer(Path executable, Path workDir) {
    this.executable = executable;
    this.workDir = workDir.toAbsolutePath();
  }

  /** Ansible if {@code ansible-playbook} is on the PATH. */
  static Optional<AnsiblePeer> find(Path workDir) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, COMMAND);
      if (Files.isExecutable(candidate)) {
        return Optional.of(new AnsiblePeer(candidate, workDir));
      }
    }
    return Optional.empty();
  }

  /** {@code ansible-playbook --version}'s first line. */
  String version() throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(executable.toString(), "--version").redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor();
    return output.lines().findFirst().orElse("unknown version").trim();
  }

  /**
   * Runs the workload as one playbook run and returns its ledger (empty for {@link Task#TRUE}). The
   * caller times the call: it includes Ansible's start-up, as every run of it does.
   */
  List<Ledger.Entry> run(Workload workload, Task task) throws IOException, InterruptedException {
    Path ledger = workDir.resolve("ledger.txt");
    Files.deleteIfExists(ledger);
    Path inventory = workDir.resolve("inventory.ini");
    Path playbook = workDir.resolve("playbook.yml");
    Path config = workDir.resolve("ansible.cfg");
    Path log = workDir.resolve("ansible.log");
    Files.write(inventory, inventory(workload));
    Files.writeString(playbook, playbook(workload, task, ledger));
    Files.writeString(config, config(workload));

    ProcessBuilder builder =
        new ProcessBuilder(
                executable.toString(),
                "-i",
                inventory.toString(),
                "-f",
                Integer.toString(workload.cap()),
                playbook.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("ANSIBLE_CONFIG", config.toString());
    builder.environment().put("ANSIBLE_HOME", workDir.resolve("home").toString());
    builder.environment().put("ANSIBLE_LOCAL_TEMP", workDir.resolve("tmp").toString());
    builder.environment().put("ANSIBLE_REMOTE_TEMP", workDir.resolve("tmp").toString());
    Process process = builder.start();
    if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException(
          "ansible-playbook did not finish within " + TIMEOUT_MINUTES + " min");
    }
    if (process.exitValue() != 0) {
      List<String> lines = Files.readAllLines(log);
      List<String> errors =
          lines.stream()
              .filter(l -> l.contains("fatal:") || l.contains("ERROR"))
              .limit(1)
              .map(l -> l.length() > 500 ? l.substring(0, 500) + " ..." : l)
              .toList();
      throw new IllegalStateException(
          "ansible-playbook exited "
              + process.exitValue()
              + ": "
              + String.join(
                  "\n",
                  errors.isEmpty()
                      ? lines.subList(Math.max(0, lines.size() - 10), lines.size())
                      : errors));
    }
    return Ledger.read(ledger);
  }

  private static List<String> inventory(Workload workload) {
    List<String> lines = new ArrayList<>();
    lines.add("[" + Fleet.ROLE + "]");
    lines.addAll(workload.targetNames());
    lines.add("");
    lines.add("[" + Fleet.ROLE + ":vars]");
    lines.add("ansible_connection=local");
    // The Python that runs Ansible: no interpreter discovery per host.
    lines.add("ansible_python_interpreter={{ ansible_playbook_python }}");
    return lines;
  }

  private static String playbook(Workload workload, Task task, Path ledger) {
    StringBuilder yaml = new StringBuilder();
    yaml.append("- hosts: ").append(Fleet.ROLE).append('\n');
    yaml.append("  gather_facts: false\n");
    yaml.append("  tasks:\n");
    String sleep =
        workload.durationMs() > 0
            ? String.format(Locale.ROOT, " sleep %.3f;", workload.durationMs() / 1000.0)
            : "";
    for (int s = 0; s < workload.steps(); s++) {
      String step = Workload.stepName(s);
      yaml.append("    - name: ").append(step).append('\n');
      if (task == Task.TRUE) {
        yaml.append("      command: /bin/true\n");
      } else {
        yaml.append("      shell: 's=$(date +%s%N);")
            .append(sleep)
            .append(" e=$(date +%s%N); echo \"$s $e ")
            .append("{{ inventory_hostname }} ")
            .append(step)
            .append("\" >> ")
            .append(ledger)
            .append("'\n");
      }
    }
    return yaml.toString();
  }

  private static String config(Workload workload) {
    return String.join(
        "\n",
        "[defaults]",
        "forks = " + workload.cap(),
        "gathering = explicit",
        "host_key_checking = False",
        "retry_files_enabled = False",
        "interpreter_python = auto_silent",
        "",
        "[connection]",
        "pipelining = True",
        "");
  }
}
