package dev.flotilla.ssh;

import dev.flotilla.engine.action.ActionContext;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.RunningAction;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * One run of an {@code ssh} action: lease the target's session, open an exec channel, stream its
 * output, and end with its exit status. Nothing here blocks the caller: the lease completes on the
 * engine's blocking executor, which also opens the channel; the output and the end arrive on the
 * SSH library's threads.
 */
final class SshExecution implements RunningAction {

  /** What every execution of one configured action shares. */
  record Request(
      String command,
      boolean pty,
      TargetEndpoints targets,
      SshSessions sessions,
      Masking masking) {}

  private static final String TERM = "TERM";
  private static final String KILL = "KILL";

  /**
   * The first line the command prints on stderr: its shell's process id, which a stop kills over a
   * second channel. An OpenSSH server ignores "signal" requests on a session it runs without
   * privilege separation (a root login), so the request alone may leave the command running.
   */
  static final String PID_MARKER = "flotilla-remote-pid:";

  private static final Pattern PID = Pattern.compile("[1-9]\\d*");

  private final Request request;
  private final ActionContext context;
  private final CompletableFuture<ActionResult> result = new CompletableFuture<>();

  // Guarded by this: a cancel either comes before the channel exists, which then is never opened,
  // or finds it and stops the remote command.
  private boolean cancelled;
  private ChannelExec channel;

  /** The remote shell's process id, once the command reported it; null before. */
  private volatile String remotePid;

  private SshExecution(Request request, ActionContext context) {
    this.request = request;
    this.context = context;
  }

  static RunningAction start(Request request, ActionContext context) {
    SshExecution execution = new SshExecution(request, context);
    execution.begin();
    return execution;
  }

  @Override
  public CompletionStage<ActionResult> result() {
    return result;
  }

  @Override
  public void cancel() {
    ChannelExec running;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      running = channel;
    }
    result.complete(ActionResult.failure("cancelled"));
    if (running != null) {
      stop(running);
    }
  }

  private void begin() {
    SshSessions.leaseForTarget(request.sessions(), request.targets(), context, result, this::run);
  }

  /** Opens the channel and starts the command; runs on the blocking executor. */
  private void run(SshSessions.Lease lease) {
    synchronized (this) {
      if (cancelled) {
        lease.close();
        return;
      }
    }
    ChannelExec opened;
    try {
      opened = lease.session().createExecChannel(commandLine());
    } catch (IOException | RuntimeException e) {
      lease.close();
      fail(lease, "cannot start the command: " + SshSessions.describe(e));
      return;
    }
    // With a pty, stderr arrives merged into stdout: either stream may carry the pid.
    LineOutput out = new LineOutput(context.log(), request.masking(), PID_MARKER, this::reported);
    LineOutput err = new LineOutput(context.log(), request.masking(), PID_MARKER, this::reported);
    opened.setUsePty(request.pty());
    opened.setOut(out);
    opened.setErr(err);
    opened.addCloseFutureListener(future -> ended(lease, opened, out, err));
    boolean stopNow;
    synchronized (this) {
      channel = opened;
      stopNow = cancelled;
    }
    try {
      opened.open().verify(request.sessions().settings().channelOpenTimeout());
    } catch (IOException | RuntimeException e) {
      opened.close(true);
      fail(lease, "cannot start the command: " + SshSessions.describe(e));
      return;
    }
    if (stopNow) {
      stop(opened);
    }
  }

  /** The channel closed: the command ended, was stopped, or the connection was lost. */
  private void ended(SshSessions.Lease lease, ChannelExec ended, LineOutput out, LineOutput err) {
    out.close();
    err.close();
    lease.close();
    Integer status = ended.getExitStatus();
    String signal = ended.getExitSignal();
    String where = where(lease);
    if (status != null) {
      result.complete(
          status == 0
              ? ActionResult.success()
              : ActionResult.failure("exit code " + status + " on " + where));
    } else if (signal != null) {
      result.complete(ActionResult.failure("killed by signal " + signal + " on " + where));
    } else {
      ClientSession session = lease.session();
      String reason =
          session.isOpen() && !session.isClosing()
              ? "the channel closed before the command's exit status arrived"
              : "the connection was closed";
      result.complete(ActionResult.failure("connection to " + where + " lost: " + reason));
    }
  }

  private void fail(SshSessions.Lease lease, String reason) {
    result.complete(ActionResult.failure(reason + " (" + where(lease) + ")"));
  }

  private String where(SshSessions.Lease lease) {
    return "target " + context.target() + " (" + lease.endpoint().address() + ")";
  }

  /**
   * TERM now; if the channel is still open after the grace period, KILL and close it. Closing a
   * channel alone does not stop a command run without a pty (the server only closes its pipes).
   */
  private void stop(ChannelExec running) {
    signal(running, TERM);
    try {
      var unused =
          context
              .runtime()
              .timer()
              .schedule(
                  () -> {
                    if (running.isOpen()) {
                      signal(running, KILL);
                      running.close(false);
                    }
                  },
                  request.sessions().settings().killGrace().toNanos(),
                  TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      running.close(false);
    }
  }

  private void reported(String pid) {
    if (PID.matcher(pid).matches()) {
      remotePid = pid;
    }
  }

  /**
   * Sends the command {@code signal} twice over: an RFC 4254 "signal" request on its channel, and a
   * {@code kill} of its process group (its shell, when that leads no group) run over a second
   * channel of the same session, for servers that refuse the request.
   */
  private void signal(ChannelExec running, String name) {
    sendSignalRequest(running, name);
    String pid = remotePid;
    if (pid == null || !running.isOpen()) {
      return;
    }
    try {
      ChannelExec kill =
          running
              .getClientSession()
              .createExecChannel(
                  "kill -" + name + " -" + pid + " 2>/dev/null || kill -" + name + " " + pid);
      kill.setOut(OutputStream.nullOutputStream());
      kill.setErr(OutputStream.nullOutputStream());
      // Not waited for: the command's own channel closing is what ends the execution.
      var unused = kill.open();
    } catch (IOException | RuntimeException e) {
      // The session is closing: the command is losing its connection anyway.
    }
  }

  /** Sends an RFC 4254 "signal" request (no reply wanted: servers that lack it ignore it). */
  private static void sendSignalRequest(ChannelExec running, String name) {
    if (!running.isOpen()) {
      return;
    }
    try {
      Buffer buffer =
          running.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, Long.SIZE);
      buffer.putUInt(running.getRecipient());
      buffer.putString("signal");
      buffer.putBoolean(false);
      buffer.putString(name);
      running.writePacket(buffer);
    } catch (IOException | RuntimeException e) {
      // The channel or session is already closing: the command is losing its connection anyway.
      running.close(true);
    }
  }

  /** The command preceded by the deployment's variables, quoted, then the FLOTILLA_* values. */
  private String commandLine() {
    Map<String, String> exported = new LinkedHashMap<>();
    context
        .variables()
        .forEach(
            (name, value) -> {
              if (value == null) {
                return;
              }
              if (ShellQuoting.isName(name)) {
                exported.put(name, value);
              } else {
                context
                    .log()
                    .line(
                        "variable \""
                            + name
                            + "\" is not passed to the command: not a shell variable name");
              }
            });
    // Set last, so that a variable of the same name cannot hide who is running.
    exported.put("FLOTILLA_DEPLOYMENT", context.deploymentId());
    exported.put("FLOTILLA_STEP", context.step());
    exported.put("FLOTILLA_TARGET", context.target() == null ? "" : context.target());
    exported.put("FLOTILLA_ATTEMPT", Integer.toString(context.attempt()));
    // $$ is the shell running the command: under OpenSSH also its process group and session.
    return "printf '%s%s\\n' '"
        + PID_MARKER
        + "' \"$$\" >&2; "
        + ShellQuoting.withVariables(exported, request.command());
  }
}
