package dev.flotilla.ssh;

import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Target;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the {@code ssh:} block a plan gives a target ({@link Target#ssh()}, the plan's defaults
 * already merged under the target's own keys) into an {@link SshEndpoint}.
 *
 * <p>Keys: {@code host} (required; a brace range such as {@code web-{01..40}.internal} expands with
 * the target's number, see {@link HostTemplate}), {@code port} (22), {@code user} (the user running
 * the engine, as OpenSSH), {@code identityFile}, {@code passphraseEnv}, {@code passwordEnv}, {@code
 * agent} ({@code true} to sign with the SSH agent at {@code SSH_AUTH_SOCK}), {@code knownHosts}
 * ({@code ~/.ssh/known_hosts}) and {@code hostKeys} ({@code strict}, the default, or {@code
 * acceptNew}). A path may start with {@code ~/}; a relative path is relative to the engine's
 * working directory. Nothing here reads a file or an environment variable: {@link
 * SshEndpoint#validate} does.
 */
public final class SshTargets {

  /** Every key an {@code ssh:} block may hold. */
  public static final List<String> KEYS =
      List.of(
          "host",
          "port",
          "user",
          "identityFile",
          "passphraseEnv",
          "passwordEnv",
          "agent",
          "knownHosts",
          "hostKeys");

  private static final Set<String> TRUE = Set.of("true", "yes", "on");
  private static final Set<String> FALSE = Set.of("false", "no", "off");

  private SshTargets() {}

  /**
   * The endpoint of target {@code name} from its {@code ssh:} keys.
   *
   * @throws InvalidEndpointException naming the target and the key at fault: an unknown key, no
   *     host, a host range the name does not fit, a bad port, agent or hostKeys value
   */
  public static SshEndpoint endpoint(String name, Map<String, String> ssh)
      throws InvalidEndpointException {
    for (String key : new TreeSet<>(ssh.keySet())) {
      if (!KEYS.contains(key)) {
        throw new InvalidEndpointException(
            name, key, "unknown key; expected one of: " + String.join(", ", KEYS));
      }
    }
    String template = ssh.get("host");
    if (template == null) {
      throw new InvalidEndpointException(
          name,
          "host",
          "no host: give ssh.host on the target or in the plan's ssh: block (a range such as"
              + " web-{01..40}.internal expands with the target's number)");
    }
    String host;
    try {
      host = HostTemplate.expand(template, name);
    } catch (IllegalArgumentException e) {
      throw new InvalidEndpointException(name, "host", e.getMessage());
    }
    int port = port(name, ssh.get("port"));
    String user = ssh.getOrDefault("user", System.getProperty("user.name"));
    boolean agent = flag(name, "agent", ssh.get("agent"));
    HostKeyPolicy policy = hostKeys(name, ssh.get("hostKeys"));
    return new SshEndpoint(
        host,
        port,
        user,
        path(ssh.get("identityFile")),
        ssh.get("passphraseEnv"),
        ssh.get("passwordEnv"),
        agent,
        path(ssh.get("knownHosts")),
        policy);
  }

  /**
   * The targets of {@code plan} that trust an unknown host on first contact ({@code hostKeys:
   * acceptNew}), in plan order: an operator is told of them before anything runs.
   */
  public static List<String> acceptingNewHostKeys(DeploymentPlan plan) {
    List<String> names = new ArrayList<>();
    for (Target target : plan.targets()) {
      String policy = target.ssh().get("hostKeys");
      if (policy != null && "acceptnew".equals(policy.trim().toLowerCase(Locale.ROOT))) {
        names.add(target.name());
      }
    }
    return names;
  }

  private static int port(String name, String text) throws InvalidEndpointException {
    if (text == null) {
      return SshEndpoint.DEFAULT_PORT;
    }
    try {
      int port = Integer.parseInt(text.trim());
      if (port >= 1 && port <= 65_535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // Reported below, as for a number out of range.
    }
    throw new InvalidEndpointException(
        name, "port", "\"" + text + "\" is not a TCP port (a whole number from 1 to 65535)");
  }

  private static boolean flag(String name, String key, String text)
      throws InvalidEndpointException {
    if (text == null) {
      return false;
    }
    String value = text.trim().toLowerCase(Locale.ROOT);
    if (TRUE.contains(value)) {
      return true;
    }
    if (FALSE.contains(value)) {
      return false;
    }
    throw new InvalidEndpointException(name, key, "must be true or false, not \"" + text + "\"");
  }

  private static HostKeyPolicy hostKeys(String name, String text) throws InvalidEndpointException {
    if (text == null) {
      return HostKeyPolicy.STRICT;
    }
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "strict":
        return HostKeyPolicy.STRICT;
      case "acceptnew":
        return HostKeyPolicy.ACCEPT_NEW;
      default:
        throw new InvalidEndpointException(
            name,
            "hostKeys",
            "\""
                + text
                + "\" is not a host key policy (expected strict or acceptNew; there is no policy"
                + " that accepts any key)");
    }
  }

  /** {@code ~/x} is under the user's home, as in a shell; anything else is a path as written. */
  private static Path path(String text) {
    if (text == null) {
      return null;
    }
    if (text.equals("~") || text.startsWith("~/")) {
      return Path.of(System.getProperty("user.home") + text.substring(1));
    }
    return Path.of(text);
  }
}
