package dev.flotilla.ssh;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.action.script.ScriptActionType;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.variables.ServiceMessages;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The {@code ssh} action: runs a shell command on the target's machine over SSH, through the
 * target's pooled session.
 *
 * <p>Parameters:
 *
 * <ul>
 *   <li>{@code run} (required): the command, run by the remote user's shell.
 *   <li>{@code pty}: {@code true} to run it on a pseudo-terminal, so that closing the channel hangs
 *       up the remote process group as a terminal would; stdout and stderr are then merged.
 *   <li>{@code estimate}: how long the command usually takes, as a plan duration; what-if
 *       simulations ({@code flotilla simulate}) rehearse the step for that long.
 * </ul>
 *
 * <p>The deployment's variables and {@code FLOTILLA_DEPLOYMENT}, {@code FLOTILLA_STEP}, {@code
 * FLOTILLA_TARGET}, {@code FLOTILLA_ATTEMPT} are exported to the command as quoted shell
 * assignments (see {@link ShellQuoting}), so no value can inject shell code. Standard output and
 * error go to the execution's log line by line as they arrive, with sensitive values masked. Exit
 * status 0 is success; another status, a signal or a lost connection is a failure naming the
 * target. A cancel or timeout stops the remote command (see {@link RemoteStop}): TERM by a "signal"
 * request and by killing its process group over a second channel (OpenSSH refuses the request on a
 * root login), KILL after {@code flotilla.ssh.kill-grace}, then its channel closes; a stop that
 * cannot be confirmed is reported as a warning naming the target.
 */
public final class SshActionType implements ActionType {

  public static final String NAME = "ssh";

  static final String RUN = "run";
  static final String PTY = "pty";
  static final String ESTIMATE = "estimate";
  private static final Set<String> KEYS = Set.of(RUN, PTY, ESTIMATE);

  private final SshSessions sessions;
  private final TargetEndpoints targets;
  private final Masking masking;

  /**
   * Runs commands on the endpoint each target's {@code ssh:} block in the plan gives it (see {@link
   * SshTargets}); a plan whose step of this type runs on a target without one, or whose block names
   * a missing key file or an unset variable, is refused when it is loaded or submitted.
   *
   * @param sessions the engine's pool of sessions
   * @param sensitive values never to show in a log line (passwords, tokens)
   */
  public SshActionType(SshSessions sessions, Set<String> sensitive) {
    this(sessions, TargetEndpoints.fromPlan(sessions.env()), sensitive);
  }

  /**
   * For a host that maps target names to endpoints itself. A target's {@code ssh:} block in the
   * plan still wins over {@code targets}.
   *
   * @param sessions the engine's pool of sessions
   * @param targets the endpoint of each target name; returns null for a target without one
   * @param sensitive values never to show in a log line (passwords, tokens)
   */
  public SshActionType(
      SshSessions sessions, Function<String, SshEndpoint> targets, Set<String> sensitive) {
    this(sessions, new TargetEndpoints(targets, sessions.env()), sensitive);
  }

  private SshActionType(SshSessions sessions, TargetEndpoints targets, Set<String> sensitive) {
    this.sessions = sessions;
    this.targets = targets;
    this.masking = new Masking(sensitive);
  }

  /**
   * The type for a rehearsal ({@code flotilla simulate}): it checks a step's parameters and that
   * its targets have an {@code ssh:} block that reads, but no key file or variable, and its action
   * never connects (a rehearsal replaces it).
   */
  public static SshActionType rehearsal() {
    return new SshActionType(null, new TargetEndpoints(null, null), Set.of());
  }

  @Override
  public void checkTarget(Target target) throws InvalidActionException {
    targets.check(NAME, target);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Action configure(Map<String, Object> parameters) throws InvalidActionException {
    Map<String, Object> given = parameters == null ? Map.of() : parameters;
    for (String key : new TreeSet<>(given.keySet())) {
      if (!KEYS.contains(key)) {
        throw new InvalidActionException(
            key, "unknown ssh parameter \"" + key + "\" (known: estimate, pty, run)");
      }
    }
    checkEstimate(given);
    Object run = given.get(RUN);
    if (run == null) {
      throw new InvalidActionException(
          RUN, "an ssh action needs \"run\": the command to run on the target");
    }
    if (!(run instanceof String command) || command.isBlank()) {
      throw new InvalidActionException(RUN, "must be a non-empty shell command, not " + run);
    }
    Object pty = given.getOrDefault(PTY, false);
    if (!(pty instanceof Boolean usePty)) {
      throw new InvalidActionException(PTY, "must be true or false, not " + pty);
    }
    return context ->
        SshExecution.start(
            new SshExecution.Request(
                ServiceMessages.withFunctions(command), usePty, targets, sessions, masking),
            context);
  }

  /** An estimate must read as a duration, as the script action's does. */
  static void checkEstimate(Map<String, Object> given) throws InvalidActionException {
    try {
      ScriptActionType.estimate(given);
    } catch (IllegalArgumentException e) {
      throw new InvalidActionException("estimate", e.getMessage());
    }
  }
}
