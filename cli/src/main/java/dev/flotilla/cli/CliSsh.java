package dev.flotilla.cli;

import com.typesafe.config.Config;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.ssh.SshActionType;
import dev.flotilla.ssh.SshSessions;
import dev.flotilla.ssh.SshSettings;
import dev.flotilla.ssh.SshTargets;
import dev.flotilla.ssh.UploadActionType;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;

/**
 * The {@code ssh} and {@code upload} actions in a command's engine: one pool of SSH sessions per
 * engine ({@code flotilla.ssh} settings), closed after the engine. Endpoints come from the plans'
 * {@code ssh:} blocks; credentials from this process's environment.
 */
final class CliSsh implements AutoCloseable {

  private final SshSessions sessions;

  private CliSsh(SshSessions sessions) {
    this.sessions = sessions;
  }

  /** A pool whose warnings (a host trusted on first contact) are printed on {@code err}. */
  static CliSsh start(Config config, PrintWriter err) {
    return new CliSsh(
        new SshSessions(
            SshSettings.from(config),
            System::getenv,
            warning -> {
              err.println("flotilla: warning: " + warning);
              err.flush();
            }));
  }

  /** {@code types} plus the ssh and upload actions on this pool. */
  ActionTypes addTo(ActionTypes types) {
    return types.with(new SshActionType(sessions, Set.of())).with(new UploadActionType(sessions));
  }

  /**
   * {@code types} plus ssh and upload actions for a rehearsal: a plan's steps and {@code ssh:}
   * blocks are checked, no key file or variable is needed, and nothing connects.
   */
  static ActionTypes rehearsal(ActionTypes types) {
    return types.with(SshActionType.rehearsal()).with(UploadActionType.rehearsal());
  }

  /**
   * Says, before anything runs, which targets trust an unknown host key on first contact: an
   * operator must know that those connections are not verified the first time.
   */
  static void warnAcceptNew(DeploymentPlan plan, PrintWriter err) {
    List<String> targets = SshTargets.acceptingNewHostKeys(plan);
    if (targets.isEmpty()) {
      return;
    }
    err.println(
        "flotilla: warning: hostKeys: acceptNew on "
            + (targets.size() == 1 ? "target " : targets.size() + " targets: ")
            + String.join(", ", targets)
            + ": a host key not yet in known_hosts is trusted on first contact and added to it"
            + " (a changed key is still refused)");
    err.flush();
  }

  @Override
  public void close() {
    sessions.close();
  }
}
