package dev.flotilla.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * The stop of one remote command after a cancel or timeout, on the session its execution leased.
 *
 * <p>An RFC 4254 "signal" request (TERM) goes first, for the servers that deliver it; OpenSSH
 * refuses it on a root login. So the stop then kills the command's process group over a second
 * channel with {@link #SCRIPT}: TERM, up to {@code kill-grace} for it to end, then KILL, its exit
 * status saying whether the group is gone. That needs the pid the command reports as its first
 * line: a stop that comes before it waits for it, at most {@code channel-open-timeout}. Only when
 * the script has ended is the command's channel closed, and only then is {@link #finished()}
 * complete: the execution holds its session lease, and {@link SshSessions#close()} waits, until
 * then, so the session is never closed under the kill. A stop that cannot be confirmed (no pid, a
 * failed second channel, a group still there after KILL) is reported as a warning naming the
 * target, the pid and the reason.
 *
 * <pre>
 *   idle --begin--> [signal TERM] --pid known--> killing --script ended--> closing --> finished
 *                        |                                                   ^
 *                        +--no pid within channel-open-timeout (warn)--------+
 *   (the command's channel closing before any pid: nothing left to stop --> finished)
 * </pre>
 */
final class RemoteStop {

  /**
   * Run by {@code sh -c} with the pid and the grace period in tenths of a second. Kills the process
   * group led by the pid (OpenSSH makes the command's shell a session and group leader), or the pid
   * alone where it leads none. A group counts as gone once only zombies are left: an orphan killed
   * on a machine whose init does not reap stays a zombie, which {@code kill -0} still finds. Exit
   * status 0: ended after TERM, 1: ended after KILL, 3: still there after KILL.
   */
  static final String SCRIPT =
      """
      p=$1; n=$2
      live() {
        t=$1
        kill -s 0 -- "$t" 2>/dev/null || return 1
        [ -r /proc/self/stat ] || return 0
        case $t in
          -*) for f in /proc/[0-9]*/stat; do
                s=; { read -r s < "$f"; } 2>/dev/null || continue
                s=${s##*) }; set -- $s
                [ "$3" = "${t#-}" ] && [ "$1" != Z ] && return 0
              done
              return 1 ;;
          *) s=; { read -r s < "/proc/$t/stat"; } 2>/dev/null || return 1
             s=${s##*) }; set -- $s; [ "$1" != Z ] ;;
        esac
      }
      pause() { sleep 0.1 2>/dev/null || sleep 1; }
      if kill -s TERM -- "-$p" 2>/dev/null; then g=-$p
      elif kill -s TERM -- "$p" 2>/dev/null; then g=$p
      else exit 0; fi
      i=0
      while live "$g"; do
        if [ "$i" -ge "$n" ]; then
          kill -s KILL -- "$g" 2>/dev/null
          j=0
          while live "$g"; do [ "$j" -ge 20 ] && exit 3; pause; j=$((j+1)); done
          exit 1
        fi
        pause; i=$((i+1))
      done
      exit 0
      """;

  /** How long the script may take past the grace period: its shell's start, KILL's 2 s check. */
  private static final Duration SCRIPT_SLACK = Duration.ofSeconds(5);

  private final ChannelExec command;
  private final SshSessions sessions;
  private final String where;
  private final CompletableFuture<Void> finished = new CompletableFuture<>();

  // Guarded by this.
  private boolean opened;
  private boolean requested;
  private boolean signalled;
  private boolean acting;
  private boolean commandClosed;
  private String pid;

  /**
   * @param command the command's channel, before it is opened
   * @param where the target and its address, for warnings
   */
  RemoteStop(ChannelExec command, SshSessions sessions, String where) {
    this.command = command;
    this.sessions = sessions;
    this.where = where;
  }

  /**
   * The longest a stop takes from its start: the wait for the pid, opening the second channel, the
   * grace period and the script's slack.
   */
  static Duration bound(SshSettings settings) {
    return settings
        .channelOpenTimeout()
        .multipliedBy(2)
        .plus(settings.killGrace())
        .plus(SCRIPT_SLACK);
  }

  /** Completes once the stop has ended, or at once when none was asked for. */
  synchronized CompletableFuture<Void> finished() {
    return requested ? finished : CompletableFuture.completedFuture(null);
  }

  /** The command's channel is open: a stop asked for before can now reach it. */
  void opened() {
    synchronized (this) {
      opened = true;
    }
    advance();
  }

  /** The command reported its shell's pid. */
  void pidReported(String reported) {
    synchronized (this) {
      if (pid != null) {
        return;
      }
      pid = reported;
    }
    advance();
  }

  /**
   * The command's channel closed. Before any pid arrived there is nothing left to stop; once the
   * kill runs, it goes on: the group may outlive its shell.
   */
  void commandClosed() {
    boolean nothingToStop;
    synchronized (this) {
      commandClosed = true;
      nothingToStop = requested && !acting && pid == null;
      if (nothingToStop) {
        acting = true;
      }
    }
    if (nothingToStop) {
      finished.complete(null);
    }
  }

  /** Starts the stop; idempotent, and nothing once the command's channel has closed. */
  void begin() {
    synchronized (this) {
      if (requested || commandClosed) {
        return;
      }
      requested = true;
    }
    sessions.track(finished);
    Duration wait = sessions.settings().channelOpenTimeout();
    schedule(wait, () -> noPid(wait));
    advance();
  }

  /** Does what the state now allows: the signal request once open, the kill once the pid is in. */
  private void advance() {
    boolean signal;
    String kill;
    synchronized (this) {
      if (!requested || !opened || acting) {
        return;
      }
      signal = !signalled && !commandClosed;
      signalled = true;
      kill = pid;
      if (kill != null) {
        acting = true;
      }
    }
    if (signal) {
      sendSignalRequest("TERM");
    }
    if (kill != null) {
      kill(kill);
    }
  }

  private void noPid(Duration waited) {
    synchronized (this) {
      if (acting) {
        return;
      }
      acting = true;
    }
    sessions.warn(
        "could not confirm the stop of the remote command on "
            + where
            + ": it reported no process id within "
            + waited
            + ", so only its channel is closed");
    closeCommand();
  }

  /** Runs {@link #SCRIPT} against {@code target} over a second channel of the same session. */
  private void kill(String target) {
    SshSettings settings = sessions.settings();
    long tenths = Math.max(0, settings.killGrace().toMillis() / 100);
    String line =
        "sh -c "
            + ShellQuoting.quote(SCRIPT)
            + " flotilla-stop "
            + ShellQuoting.quote(target)
            + " "
            + tenths;
    ChannelExec script;
    try {
      script = command.getClientSession().createExecChannel(line);
    } catch (IOException | RuntimeException e) {
      unconfirmed(target, "cannot open a channel to kill it: " + SshSessions.describe(e));
      closeCommand();
      return;
    }
    script.setOut(OutputStream.nullOutputStream());
    script.setErr(OutputStream.nullOutputStream());
    // The first of: the script's channel closed (its exit status says how the kill went), it could
    // not be opened, or it outran its bound.
    AtomicReference<String> failure = new AtomicReference<>();
    AtomicBoolean settled = new AtomicBoolean();
    Runnable settle =
        () -> {
          if (!settled.compareAndSet(false, true)) {
            return;
          }
          String reason = failure.get();
          Integer status = script.getExitStatus();
          if (reason == null) {
            if (status == null) {
              reason = "the kill ended without an exit status";
            } else if (status == 3) {
              reason = "its process group is still there after KILL";
            } else if (status != 0 && status != 1) {
              reason = "the kill exited with " + status;
            }
          }
          if (reason != null) {
            unconfirmed(target, reason);
          }
          script.close(true);
          closeCommand();
        };
    Duration bound = settings.channelOpenTimeout().plus(settings.killGrace()).plus(SCRIPT_SLACK);
    schedule(
        bound,
        () -> {
          failure.compareAndSet(null, "the kill did not end within " + bound);
          settle.run();
        });
    script.addCloseFutureListener(closed -> settle.run());
    try {
      script
          .open()
          .addListener(
              future -> {
                if (!future.isOpened()) {
                  Throwable e = future.getException();
                  failure.compareAndSet(
                      null,
                      "cannot open a channel to kill it: "
                          + (e == null ? "refused" : SshSessions.describe(e)));
                  settle.run();
                }
              });
    } catch (IOException | RuntimeException e) {
      failure.compareAndSet(null, "cannot open a channel to kill it: " + SshSessions.describe(e));
      settle.run();
    }
  }

  private void unconfirmed(String target, String reason) {
    sessions.warn(
        "could not confirm the stop of the remote command on "
            + where
            + " (pid "
            + target
            + "): "
            + reason);
  }

  /**
   * Closes the command's channel, which ends the execution, and then the stop. A channel that does
   * not close gracefully within the grace period is closed at once.
   */
  private void closeCommand() {
    if (finished.isDone()) {
      return;
    }
    var unused = command.close(false).addListener(closed -> finished.complete(null));
    schedule(
        sessions.settings().killGrace(),
        () -> {
          if (!finished.isDone()) {
            command.close(true);
            finished.complete(null);
          }
        });
  }

  /** Sends a "signal" request without asking for a reply: a server that lacks it ignores it. */
  private void sendSignalRequest(String name) {
    try {
      Buffer buffer =
          command.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, Long.SIZE);
      buffer.putUInt(command.getRecipient());
      buffer.putString("signal");
      buffer.putBoolean(false);
      buffer.putString(name);
      command.writePacket(buffer);
    } catch (IOException | RuntimeException e) {
      // The channel is closing already: the kill over the second channel still runs.
    }
  }

  private void schedule(Duration delay, Runnable task) {
    try {
      var unused = sessions.timer().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The pool is closed: its sessions, and so this command's channel, are closing.
    }
  }
}
