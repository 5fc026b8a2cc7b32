package dev.flotilla.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Who holds a journal: LevelDB locks the file {@code journal/LOCK} of a journal directory for as
 * long as an engine has it open, one process at a time. The holder is read from Linux's {@code
 * /proc/locks} (the lock's process id, matched by the file's device and inode), which only looks:
 * probing with a lock of our own could release the lock an engine of this very process holds.
 * Elsewhere, or when the lock is not listed, nothing is known.
 */
final class JournalLock {

  /** The command line of the holder, shortened to the flotilla command when it is one. */
  record Holder(long pid, String command) {

    /** Whether the holder is this process (another engine of it, such as an embedding host's). */
    boolean isThisProcess() {
      return pid == ProcessHandle.current().pid();
    }

    /** {@code process 4242 (flotilla deploy plan.yaml)}, or {@code this process}. */
    String describe() {
      if (isThisProcess()) {
        return "another engine of this process";
      }
      return "process " + pid + (command.isEmpty() ? "" : " (" + command + ")");
    }
  }

  private static final Path PROC_LOCKS = Path.of("/proc/locks");
  private static final String CLI_MAIN = FlotillaCli.class.getName();
  private static final int MAX_COMMAND_LENGTH = 160;

  private JournalLock() {}

  /** The process holding the journal in {@code directory}, when the system says. */
  static Optional<Holder> holder(Path directory) {
    Path lock = directory.resolve("journal").resolve("LOCK");
    try {
      if (!Files.isReadable(PROC_LOCKS) || !Files.exists(lock)) {
        return Optional.empty();
      }
      long inode = ((Number) Files.getAttribute(lock, "unix:ino")).longValue();
      long device = ((Number) Files.getAttribute(lock, "unix:dev")).longValue();
      String file = String.format("%02x:%02x:%d", major(device), minor(device), inode);
      return holder(Files.readAllLines(PROC_LOCKS), file);
    } catch (IOException
        | UnsupportedOperationException
        | IllegalArgumentException
        | ClassCastException e) {
      // Not Linux, or not readable: the holder stays unknown.
      return Optional.empty();
    }
  }

  /**
   * The holder of {@code file} ({@code MAJOR:MINOR:INODE} as {@code /proc/locks} writes it) among
   * the lines of {@code /proc/locks}: {@code 1: POSIX ADVISORY WRITE 4242 fe:00:2147854 0 EOF}.
   */
  static Optional<Holder> holder(List<String> procLocks, String file) {
    for (String line : procLocks) {
      String[] fields = line.trim().split("\\s+");
      // Blocked waiters are listed as "1: -> POSIX ..."; only a granted lock has a holder.
      if (fields.length >= 6 && !fields[1].equals("->") && fields[5].equalsIgnoreCase(file)) {
        try {
          long pid = Long.parseLong(fields[4]);
          return Optional.of(new Holder(pid, command(pid)));
        } catch (NumberFormatException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /**
   * What the process runs: {@code flotilla deploy ...} for the CLI, else its command line, cut
   * short.
   */
  private static String command(long pid) {
    String line = commandLine(pid);
    int main = line.indexOf(CLI_MAIN);
    String command = main >= 0 ? "flotilla" + line.substring(main + CLI_MAIN.length()) : line;
    return command.length() <= MAX_COMMAND_LENGTH
        ? command
        : command.substring(0, MAX_COMMAND_LENGTH - 1) + "…";
  }

  /**
   * The process's command line, read whole from {@code /proc/PID/cmdline} (the JDK's own view cuts
   * a long class path short, before the main class); else as the JDK sees it.
   */
  private static String commandLine(long pid) {
    try {
      byte[] arguments = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return new String(arguments, StandardCharsets.UTF_8).replace('\0', ' ').trim();
    } catch (IOException e) {
      return ProcessHandle.of(pid).flatMap(process -> process.info().commandLine()).orElse("");
    }
  }

  /**
   * Linux's encoding of a device number: the major in bits 8-19 and 32-43, the minor in the rest.
   */
  private static long major(long device) {
    return ((device >>> 8) & 0xfff) | ((device >>> 32) & 0xffff_f000L);
  }

  private static long minor(long device) {
    return (device & 0xff) | ((device >>> 12) & 0xffff_ff00L);
  }
}
