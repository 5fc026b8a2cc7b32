package dev.flotilla.ssh;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * Checks every server's host key against one known-hosts file (plain or hashed entries, as
 * OpenSSH writes them). An unknown host is refused unless the policy is
 * {@link HostKeyPolicy#ACCEPT_NEW}; a changed or revoked key is always refused. Why a key was
 * refused, or that one was accepted, is left on the session for the pool to report: the SSH
 * library itself only says that the key "did not validate".
 */
final class HostKeyVerifier extends KnownHostsServerKeyVerifier {

  /** Why the server's key was refused; set before the key exchange fails. */
  static final AttributeKey<String> REFUSAL = new AttributeKey<>();
  /** The warning to report when an unknown host was trusted on first contact. */
  static final AttributeKey<String> ACCEPTED = new AttributeKey<>();

  private final HostKeyPolicy policy;

  HostKeyVerifier(Path knownHosts, HostKeyPolicy policy) {
    // The delegate decides for unknown hosts; the file is appended only when it accepts.
    super((session, remote, key) -> policy == HostKeyPolicy.ACCEPT_NEW, knownHosts);
    this.policy = policy;
  }

  @Override
  protected boolean acceptUnknownHostKey(ClientSession session, SocketAddress remote, PublicKey key) {
    String host = knownHostsName(session);
    if (policy == HostKeyPolicy.STRICT) {
      session.setAttribute(REFUSAL, "host key of " + host + " is unknown: " + describe(key) + " is not in "
          + getPath() + ". To trust it, confirm the fingerprint with the machine's owner, then run: "
          + keyscan(session) + " >> " + getPath() + " (or opt in with hostKeys: acceptNew)");
      return false;
    }
    boolean accepted = super.acceptUnknownHostKey(session, remote, key);
    if (accepted) {
      session.setAttribute(ACCEPTED, "WARNING: trusted the unknown host " + host + " on first contact (hostKeys: "
          + "acceptNew) and added its key " + describe(key) + " to " + getPath());
    }
    return accepted;
  }

  @Override
  public boolean acceptModifiedServerKey(
      ClientSession session, SocketAddress remote, KnownHostEntry entry, PublicKey expected, PublicKey actual) {
    String host = knownHostsName(session);
    session.setAttribute(REFUSAL, "HOST KEY CHANGED for " + host + ": it presents " + describe(actual) + " but "
        + getPath() + " holds " + describe(expected) + ". Someone may be intercepting the connection, or the machine "
        + "was reinstalled. If the change is expected, remove the old key with: ssh-keygen -R '" + host + "' -f "
        + getPath() + ", then trust the new one with: " + keyscan(session) + " >> " + getPath());
    return false;
  }

  @Override
  protected void handleRevokedKey(ClientSession session, SocketAddress remote, PublicKey key) {
    session.setAttribute(REFUSAL, "host key " + describe(key) + " of " + knownHostsName(session)
        + " is marked @revoked in " + getPath());
  }

  @Override
  protected boolean acceptIncompleteHostKeys(ClientSession session, SocketAddress remote, PublicKey key, Throwable e) {
    // A file that cannot be read must not turn into "every host is unknown", least of all with acceptNew.
    session.setAttribute(REFUSAL, "cannot read the known-hosts file " + getPath() + ": " + e.getMessage());
    return false;
  }

  /** {@code ssh-rsa SHA256:...}: the key type and fingerprint as OpenSSH prints them. */
  static String describe(PublicKey key) {
    return KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key);
  }

  /** The host as known_hosts names it: {@code host}, or {@code [host]:port} off port 22. */
  static String knownHostsName(ClientSession session) {
    SshdSocketAddress address = SshdSocketAddress.toSshdSocketAddress(session.getConnectAddress());
    return address.getPort() == SshEndpoint.DEFAULT_PORT
        ? address.getHostName()
        : "[" + address.getHostName() + "]:" + address.getPort();
  }

  private static String keyscan(ClientSession session) {
    SshdSocketAddress address = SshdSocketAddress.toSshdSocketAddress(session.getConnectAddress());
    return "ssh-keyscan -p " + address.getPort() + " " + address.getHostName();
  }
}
