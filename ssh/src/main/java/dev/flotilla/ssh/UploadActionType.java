package dev.flotilla.ssh;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.model.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The {@code upload} action: copies a local file or directory to the target's machine over SFTP,
 * through the target's pooled session.
 *
 * <p>Parameters:
 *
 * <ul>
 *   <li>{@code from} (required): a local file or directory.
 *   <li>{@code to} (required): for a file, the remote file (or a directory when it ends with {@code
 *       /}); for a directory, the remote directory that receives its content.
 *   <li>{@code estimate}: how long the copy usually takes, for {@code flotilla simulate}.
 * </ul>
 *
 * <p>Missing remote directories are created. Each file keeps its mode, is written under a temporary
 * name in its final directory, its size and SHA-256 checked (with {@code sha256sum} on the target
 * where that command exists), then renamed over the final name (atomically with OpenSSH's {@code
 * posix-rename}), so a reader never sees half a file or a corrupt one. The log reports the files,
 * bytes and time.
 */
public final class UploadActionType implements ActionType {

  public static final String NAME = "upload";

  static final String FROM = "from";
  static final String TO = "to";
  static final String ESTIMATE = "estimate";
  private static final Set<String> KEYS = Set.of(FROM, TO, ESTIMATE);

  private final SshSessions sessions;
  private final TargetEndpoints targets;

  /**
   * Copies to the endpoint each target's {@code ssh:} block in the plan gives it (see {@link
   * SshTargets}), checked when a plan is loaded or submitted as for {@link SshActionType}.
   *
   * @param sessions the engine's pool of sessions
   */
  public UploadActionType(SshSessions sessions) {
    this(sessions, TargetEndpoints.fromPlan(sessions.env()));
  }

  /**
   * For a host that maps target names to endpoints itself. A target's {@code ssh:} block in the
   * plan still wins over {@code targets}.
   *
   * @param sessions the engine's pool of sessions
   * @param targets the endpoint of each target name; returns null for a target without one
   */
  public UploadActionType(SshSessions sessions, Function<String, SshEndpoint> targets) {
    this(sessions, new TargetEndpoints(targets, sessions.env()));
  }

  private UploadActionType(SshSessions sessions, TargetEndpoints targets) {
    this.sessions = sessions;
    this.targets = targets;
  }

  /** The type for a rehearsal, as {@link SshActionType#rehearsal()}. */
  public static UploadActionType rehearsal() {
    return new UploadActionType(null, new TargetEndpoints(null, null));
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
            key, "unknown upload parameter \"" + key + "\" (known: estimate, from, to)");
      }
    }
    SshActionType.checkEstimate(given);
    Path from = Path.of(text(given, FROM, "the local file or directory to copy"));
    if (!Files.exists(from)) {
      throw new InvalidActionException(FROM, "no such file or directory: " + from);
    }
    if (!Files.isReadable(from)) {
      throw new InvalidActionException(FROM, "cannot read " + from);
    }
    String to = text(given, TO, "the path on the target");
    return context ->
        UploadExecution.start(new UploadExecution.Request(from, to, targets, sessions), context);
  }

  private static String text(Map<String, Object> given, String key, String what)
      throws InvalidActionException {
    Object value = given.get(key);
    if (value == null) {
      throw new InvalidActionException(key, "an upload needs \"" + key + "\": " + what);
    }
    if (!(value instanceof String text) || text.isBlank()) {
      throw new InvalidActionException(key, "must be a non-empty path, not " + value);
    }
    return text;
  }
}
