package dev.flotilla.ssh;

import dev.flotilla.engine.action.ActionContext;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.model.Target;
import java.util.Map;
import java.util.function.Function;

/**
 * Where the {@code ssh} and {@code upload} actions find a target's endpoint: the target's own
 * {@code ssh:} block in the plan (carried to each execution in {@link ActionContext#connection()}),
 * else the embedding host's resolver. Checks a plan's targets when it is loaded or submitted.
 *
 * @param resolver the host's endpoint of a target name (null for none); used for a target whose
 *     plan gives no {@code ssh:} block
 * @param env reads the environment variables an endpoint names; null checks only what the plan
 *     writes (a rehearsal), not its files and variables
 */
record TargetEndpoints(Function<String, SshEndpoint> resolver, Function<String, String> env) {

  /**
   * The endpoints of the plan's {@code ssh:} blocks, with credentials checked against {@code env}.
   */
  static TargetEndpoints fromPlan(Function<String, String> env) {
    return new TargetEndpoints(null, env);
  }

  /**
   * The endpoint an execution connects to.
   *
   * @throws InvalidEndpointException when the plan's block cannot be read, naming target and key
   * @return null when the target has none
   */
  SshEndpoint endpointOf(ActionContext context) throws InvalidEndpointException {
    return endpointOf(context.target(), context.connection());
  }

  private SshEndpoint endpointOf(String target, Map<String, String> ssh)
      throws InvalidEndpointException {
    if (!ssh.isEmpty()) {
      return SshTargets.endpoint(target, ssh);
    }
    return resolver == null ? null : resolver.apply(target);
  }

  /**
   * Checks that a step of {@code action} can reach {@code target}: it has an endpoint, and (with an
   * environment) the endpoint's files and variables are there. An endpoint from the host's resolver
   * is the host's to check.
   */
  void check(String action, Target target) throws InvalidActionException {
    if (target == null) {
      throw new InvalidActionException(
          null,
          "an "
              + action
              + " step runs on its targets' machines over SSH; it cannot be runOnServer: give it"
              + " roles");
    }
    SshEndpoint endpoint;
    try {
      endpoint = endpointOf(target.name(), target.ssh());
      if (endpoint != null && env != null && !target.ssh().isEmpty()) {
        endpoint.validate(target.name(), env);
      }
    } catch (InvalidEndpointException e) {
      throw new InvalidActionException(
          "ssh." + e.key(), "target " + e.target() + ": " + e.problem());
    } catch (RuntimeException e) {
      throw new InvalidActionException(
          null, "target " + target.name() + ": no SSH endpoint: " + SshSessions.describe(e));
    }
    if (endpoint == null) {
      throw new InvalidActionException(
          null,
          "target "
              + target.name()
              + " has no SSH endpoint for this "
              + action
              + " step: give it ssh: { host: ..., identityFile: ... } (or a plan-wide ssh: block)");
    }
  }
}
