package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stop script of {@link RemoteStop}, run by a local {@code /bin/sh} against a process group
 * started as OpenSSH starts a command (its shell leads a new session, hence its own group).
 */
class RemoteStopScriptTest {

  @TempDir Path dir;

  @Test
  void termEndsTheWholeProcessGroupAndExitsZero() throws Exception {
    // Proves TERM reaches the shell's background children too, not only the shell.
    Group group = start("sleep 600 & echo $! > " + dir.resolve("child") + "; wait");

    assertThat(stop(group.leader, 20)).isZero();

    assertThat(group.process.waitFor(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(alive(group.child())).isFalse();
  }

  @Test
  void aGroupThatIgnoresTermGetsKillAfterTheGraceAndExitsOne() throws Exception {
    // Proves the grace period ends in KILL, and that exit status 1 tells it was needed.
    Group group =
        start(
            "trap '' TERM; sh -c \"trap '' TERM; sleep 600\" & echo $! > "
                + dir.resolve("child")
                + "; wait");

    assertThat(stop(group.leader, 2)).isEqualTo(1);

    assertThat(group.process.waitFor(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(alive(group.child())).isFalse();
  }

  @Test
  void aPidThatNamesNoProcessIsNothingToStop() throws Exception {
    Process done = new ProcessBuilder("true").start();
    done.waitFor();
    assertThat(stop(done.pid(), 20)).isZero();
  }

  private record Group(Process process, long leader, Path childFile) {
    long child() throws IOException {
      return Long.parseLong(Files.readString(childFile).trim());
    }
  }

  /** Starts {@code command} as the leader of a new session, once it has written its child's pid. */
  private Group start(String command) throws Exception {
    Path ready = dir.resolve("child");
    Process process =
        new ProcessBuilder("setsid", "sh", "-c", command).redirectErrorStream(true).start();
    long deadline = System.nanoTime() + Fixtures.PATIENCE.toNanos();
    while (!Files.exists(ready) || Files.readString(ready).isBlank()) {
      assertThat(System.nanoTime() - deadline).as("the command's child pid file").isNegative();
      Thread.sleep(10);
    }
    // setsid without a fork: the process Java started is the shell, the session and group leader.
    return new Group(process, process.pid(), ready);
  }

  private static int stop(long pid, long graceTenths) throws Exception {
    Process stop =
        new ProcessBuilder(
                List.of(
                    "sh",
                    "-c",
                    RemoteStop.SCRIPT,
                    "flotilla-stop",
                    Long.toString(pid),
                    Long.toString(graceTenths)))
            .redirectErrorStream(true)
            .start();
    assertThat(stop.waitFor(Fixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
    return stop.exitValue();
  }

  /** Alive and not a zombie (an orphan a non-reaping init leaves behind). */
  private static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false;
    }
  }
}
