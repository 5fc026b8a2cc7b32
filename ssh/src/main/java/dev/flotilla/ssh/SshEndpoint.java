package dev.flotilla.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.io.resource.PathResource;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * How to reach one target over SSH. Credentials are named, never held: a private-key file (its
 * passphrase in an environment variable), the SSH agent, or a password in an environment variable.
 * They are tried in that order.
 *
 * @param host the host name or address
 * @param port the SSH port, usually 22
 * @param user the remote user
 * @param identityFile a private key in OpenSSH or PEM format; null for none
 * @param passphraseEnv the environment variable holding the key's passphrase; null if unencrypted
 * @param passwordEnv the environment variable holding the user's password; null for none
 * @param useAgent authenticate with the keys of the SSH agent at {@code SSH_AUTH_SOCK} (the plan's
 *     {@code agent: true})
 * @param knownHosts the known-hosts file checked on every connection; null for {@code
 *     ~/.ssh/known_hosts}
 * @param hostKeyPolicy what to do with a host that is not in the known-hosts file; null for {@link
 *     HostKeyPolicy#STRICT}
 */
public record SshEndpoint(
    String host,
    int port,
    String user,
    Path identityFile,
    String passphraseEnv,
    String passwordEnv,
    boolean useAgent,
    Path knownHosts,
    HostKeyPolicy hostKeyPolicy) {

  public static final int DEFAULT_PORT = 22;
  static final String AGENT_SOCKET = "SSH_AUTH_SOCK";
  private static final Set<PosixFilePermission> NOT_OWNER =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  public SshEndpoint {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("an SSH endpoint needs a host");
    }
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("an SSH endpoint needs a user");
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port must be between 1 and 65535, not " + port);
    }
    knownHosts = knownHosts == null ? defaultKnownHosts() : knownHosts;
    hostKeyPolicy = hostKeyPolicy == null ? HostKeyPolicy.STRICT : hostKeyPolicy;
  }

  /** An endpoint authenticating with a private key and checking {@code knownHosts} strictly. */
  public static SshEndpoint withKey(
      String host, int port, String user, Path identityFile, Path knownHosts) {
    return new SshEndpoint(
        host, port, user, identityFile, null, null, false, knownHosts, HostKeyPolicy.STRICT);
  }

  /** An endpoint authenticating with the password in {@code passwordEnv}, checked strictly. */
  public static SshEndpoint withPassword(
      String host, int port, String user, String passwordEnv, Path knownHosts) {
    return new SshEndpoint(
        host, port, user, null, null, passwordEnv, false, knownHosts, HostKeyPolicy.STRICT);
  }

  /** {@code ~/.ssh/known_hosts}, as OpenSSH. */
  public static Path defaultKnownHosts() {
    return Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
  }

  /** This endpoint with another host key policy. */
  public SshEndpoint withHostKeyPolicy(HostKeyPolicy policy) {
    return new SshEndpoint(
        host, port, user, identityFile, passphraseEnv, passwordEnv, useAgent, knownHosts, policy);
  }

  /** {@code user@host:port}, for messages; holds no credential. */
  public String address() {
    return user + "@" + host + ":" + port;
  }

  /**
   * Checks that this endpoint can be used for {@code target} before anything runs: the key file
   * exists, is readable by its owner only (as OpenSSH demands) and parses with its passphrase, and
   * every named environment variable is set.
   *
   * @param env reads an environment variable ({@code System::getenv} in production)
   * @throws InvalidEndpointException naming the target and the key at fault
   */
  public void validate(String target, Function<String, String> env)
      throws InvalidEndpointException {
    if (identityFile == null && passwordEnv == null && !useAgent) {
      throw new InvalidEndpointException(
          target,
          "identityFile",
          "no credentials: give identityFile (a private key), passwordEnv or agent: true");
    }
    if (passphraseEnv != null && identityFile == null) {
      throw new InvalidEndpointException(
          target, "passphraseEnv", "a passphrase needs an identityFile");
    }
    requireVariable(target, "passphraseEnv", passphraseEnv, env);
    requireVariable(target, "passwordEnv", passwordEnv, env);
    if (useAgent) {
      String socket = env.apply(AGENT_SOCKET);
      if (socket == null || socket.isBlank()) {
        throw new InvalidEndpointException(
            target,
            "agent",
            "environment variable "
                + AGENT_SOCKET
                + " is not set: start an agent (eval $(ssh-agent); ssh-add KEY) or give identityFile");
      }
      if (!Files.exists(Path.of(socket))) {
        throw new InvalidEndpointException(
            target,
            "agent",
            "no SSH agent at "
                + AGENT_SOCKET
                + "="
                + socket
                + ": the agent has stopped; start one (eval $(ssh-agent); ssh-add KEY)");
      }
    }
    if (identityFile != null) {
      checkIdentityFile(target);
      try {
        loadIdentity(env);
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        throw new InvalidEndpointException(
            target,
            "identityFile",
            "cannot read the private key " + identityFile + ": " + describe(e));
      }
    }
    if (hostKeyPolicy == HostKeyPolicy.STRICT && !Files.isReadable(knownHosts)) {
      throw new InvalidEndpointException(
          target,
          "knownHosts",
          "cannot read "
              + knownHosts
              + ": every host must be trusted before a strict connection (see ssh-keyscan), or use hostKeys: acceptNew");
    }
  }

  /** The key pairs in {@link #identityFile()}, decrypted with the passphrase in the environment. */
  List<KeyPair> loadIdentity(Function<String, String> env)
      throws IOException, GeneralSecurityException {
    String passphrase = passphraseEnv == null ? null : env.apply(passphraseEnv);
    FilePasswordProvider passwords =
        passphrase == null ? FilePasswordProvider.EMPTY : FilePasswordProvider.of(passphrase);
    PathResource resource = new PathResource(identityFile);
    try (InputStream in = resource.openInputStream()) {
      Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, resource, in, passwords);
      if (pairs == null) {
        throw new IOException("no private key in the file");
      }
      List<KeyPair> loaded = new ArrayList<>();
      pairs.forEach(loaded::add);
      return List.copyOf(loaded);
    }
  }

  private void checkIdentityFile(String target) throws InvalidEndpointException {
    if (!Files.isRegularFile(identityFile)) {
      throw new InvalidEndpointException(target, "identityFile", "no such file: " + identityFile);
    }
    if (!Files.isReadable(identityFile)) {
      throw new InvalidEndpointException(target, "identityFile", "cannot read " + identityFile);
    }
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(identityFile);
    } catch (UnsupportedOperationException e) {
      return; // Not a POSIX file system: nothing to compare with OpenSSH's rule.
    } catch (IOException e) {
      throw new InvalidEndpointException(
          target, "identityFile", "cannot read " + identityFile + ": " + e.getMessage());
    }
    EnumSet<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
    permissions.stream().filter(NOT_OWNER::contains).forEach(open::add);
    if (!open.isEmpty()) {
      throw new InvalidEndpointException(
          target,
          "identityFile",
          "permissions "
              + PosixFilePermissions.toString(permissions)
              + " on "
              + identityFile
              + " are too open: a private key must be accessible by its owner only (chmod 600 "
              + identityFile
              + ")");
    }
  }

  private static void requireVariable(
      String target, String key, String variable, Function<String, String> env)
      throws InvalidEndpointException {
    if (variable != null && env.apply(variable) == null) {
      throw new InvalidEndpointException(
          target, key, "environment variable " + variable + " is not set");
    }
  }

  private static String describe(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
