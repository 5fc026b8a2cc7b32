package dev.flotilla.ssh;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * Checks every server's host key against one known-hosts file (plain or hashed entries, as OpenSSH
 * writes them). An unknown host is refused unless the policy is {@link HostKeyPolicy#ACCEPT_NEW}; a
 * changed or revoked key is always refused. Why a key was refused, or that one was accepted, is
 * left on the session for the pool to report: the SSH library itself only says that the key "did
 * not validate".
 */
final class HostKeyVerifier extends KnownHostsServerKeyVerifier {

  /**
   * Where a connection's verdict is left: in its connection context, which the pool made and keeps,
   * since the session's own attributes are cleared as the refused session closes.
   */
  static final AttributeKey<Verdict> VERDICT = new AttributeKey<>();

  /**
   * Why one connection's host key was refused, or the warning that it was trusted on first contact.
   */
  static final class Verdict {
    volatile String refusal;
    volatile String accepted;
  }

  private final HostKeyPolicy policy;

  HostKeyVerifier(Path knownHosts, HostKeyPolicy policy) {
    // The delegate decides for unknown hosts; the file is appended only when it accepts.
    super((session, remote, key) -> policy == HostKeyPolicy.ACCEPT_NEW, knownHosts);
    this.policy = policy;
  }

  @Override
  protected boolean acceptUnknownHostKey(
      ClientSession session, SocketAddress remote, PublicKey key) {
    String host = knownHostsName(session);
    if (policy == HostKeyPolicy.STRICT) {
      verdict(session).refusal =
          ("host key of "
              + host
              + " is unknown: "
              + describe(key)
              + " is not in "
              + getPath()
              + ". To trust it, confirm the fingerprint with the machine's owner, then run: "
              + keyscan(session)
              + " >> "
              + getPath()
              + " (or opt in with hostKeys: acceptNew)");
      return false;
    }
    boolean accepted = super.acceptUnknownHostKey(session, remote, key);
    if (accepted) {
      verdict(session).accepted =
          ("WARNING: trusted the unknown host "
              + host
              + " on first contact (hostKeys: "
              + "acceptNew) and added its key "
              + describe(key)
              + " to "
              + getPath());
    }
    return accepted;
  }

  @Override
  public boolean acceptModifiedServerKey(
      ClientSession session,
      SocketAddress remote,
      KnownHostEntry entry,
      PublicKey expected,
      PublicKey actual) {
    String host = knownHostsName(session);
    verdict(session).refusal =
        ("HOST KEY CHANGED for "
            + host
            + ": it presents "
            + describe(actual)
            + " but "
            + getPath()
            + " holds "
            + describe(expected)
            + ". Someone may be intercepting the connection, or the machine "
            + "was reinstalled. If the change is expected, remove the old key with: ssh-keygen -R '"
            + host
            + "' -f "
            + getPath()
            + ", then trust the new one with: "
            + keyscan(session)
            + " >> "
            + getPath());
    return false;
  }

  @Override
  protected void handleRevokedKey(ClientSession session, SocketAddress remote, PublicKey key) {
    verdict(session).refusal =
        ("host key "
            + describe(key)
            + " of "
            + knownHostsName(session)
            + " is marked @revoked in "
            + getPath());
  }

  @Override
  protected boolean acceptIncompleteHostKeys(
      ClientSession session, SocketAddress remote, PublicKey key, Throwable e) {
    // A file that cannot be read must not turn into "every host is unknown", least of all with
    // acceptNew.
    verdict(session).refusal =
        ("cannot read the known-hosts file " + getPath() + ": " + e.getMessage());
    return false;
  }

  private static Verdict verdict(ClientSession session) {
    AttributeRepository context = session.getConnectionContext();
    Verdict verdict = context == null ? null : context.getAttribute(VERDICT);
    // A connection not opened by the pool still gets a verdict, which then only the log sees.
    return verdict == null ? new Verdict() : verdict;
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
