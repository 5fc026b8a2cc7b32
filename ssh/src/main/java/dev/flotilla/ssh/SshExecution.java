package dev.flotilla.ssh;

import dev.flotilla.engine.action.ActionContext;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.RunningAction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;

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

  /**
   * The first line the command prints on stderr: its shell's process id, whose group a stop kills
   * over a second channel ({@link RemoteStop}). An OpenSSH server refuses "signal" requests on a
   * root login, so the request alone may leave the command running.
   */
  static final String PID_MARKER = "flotilla-remote-pid:";

  private static final Pattern PID = Pattern.compile("[1-9]\\d*");

  private final Request request;
  private final ActionContext context;
  private final CompletableFuture<ActionResult> result = new CompletableFuture<>();

  // Guarded by this: a cancel either comes before the channel exists, which then is never opened,
  // or finds its stop and begins it.
  private boolean cancelled;
  private RemoteStop stop;

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
    RemoteStop running;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      running = stop;
    }
    result.complete(ActionResult.failure("cancelled"));
    if (running != null) {
      running.begin();
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
    RemoteStop remote = new RemoteStop(opened, request.sessions(), where(lease));
    // With a pty, stderr arrives merged into stdout: either stream may carry the pid.
    Consumer<String> reported =
        pid -> {
          if (PID.matcher(pid).matches()) {
            remote.pidReported(pid);
          }
        };
    Masking masking = request.masking().with(credentials(lease.endpoint()));
    LineOutput out = new LineOutput(context.log(), masking, PID_MARKER, reported);
    LineOutput err = new LineOutput(context.log(), masking, PID_MARKER, reported);
    opened.setUsePty(request.pty());
    opened.setOut(out);
    opened.setErr(err);
    opened.addCloseFutureListener(future -> ended(lease, opened, remote, out, err));
    boolean stopNow;
    synchronized (this) {
      stop = remote;
      stopNow = cancelled;
    }
    if (stopNow) {
      remote.begin(); // Acts once the channel is open and the pid is known.
    }
    try {
      opened.open().verify(request.sessions().settings().channelOpenTimeout());
    } catch (IOException | RuntimeException e) {
      opened.close(true);
      fail(lease, "cannot start the command: " + SshSessions.describe(e));
      return;
    }
    remote.opened();
  }

  /** The channel closed: the command ended, was stopped, or the connection was lost. */
  private void ended(
      SshSessions.Lease lease,
      ChannelExec ended,
      RemoteStop remote,
      LineOutput out,
      LineOutput err) {
    out.close();
    err.close();
    remote.commandClosed();
    // A stop in progress still needs the session: the pool must neither close nor lend it out.
    var unused = remote.finished().whenComplete((done, failure) -> lease.close());
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
   * The values of the environment variables {@code endpoint} takes its password and passphrase
   * from: a command that prints them (or a variable holding the same value) shows the mask.
   */
  private List<String> credentials(SshEndpoint endpoint) {
    List<String> values = new ArrayList<>();
    for (String variable : new String[] {endpoint.passwordEnv(), endpoint.passphraseEnv()}) {
      String value = variable == null ? null : request.sessions().env().apply(variable);
      if (value != null && !value.isEmpty()) {
        values.add(value);
      }
    }
    return values;
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
