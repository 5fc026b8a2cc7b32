package dev.flotilla.ssh;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.agent.SshAgentKeyConstraint;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * A client of the SSH agent at {@code SSH_AUTH_SOCK}, over Java's own Unix domain sockets (MINA's
 * Unix agent needs Tomcat's native library). It lists the agent's keys and asks it to sign; it
 * never adds or removes keys, and a private key never leaves the agent. One request at a time, as
 * the protocol has no request ids (draft-miller-ssh-agent).
 */
final class UnixSocketAgent implements SshAgent {

  static final byte FAILURE = 5;
  static final byte REQUEST_IDENTITIES = 11;
  static final byte IDENTITIES_ANSWER = 12;
  static final byte SIGN_REQUEST = 13;
  static final byte SIGN_RESPONSE = 14;
  static final int RSA_SHA2_256 = 2;
  static final int RSA_SHA2_512 = 4;

  /** The most an answer may claim to hold: an agent's messages are small. */
  private static final int MAX_MESSAGE = 256 * 1024;

  private final Path socket;
  private final SocketChannel channel;

  private UnixSocketAgent(Path socket, SocketChannel channel) {
    this.socket = socket;
    this.channel = channel;
  }

  /** Connects to the agent listening on {@code socket}. */
  static UnixSocketAgent connect(Path socket) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      channel.close();
      throw new IOException("cannot reach the SSH agent at " + socket + ": " + e.getMessage(), e);
    }
    return new UnixSocketAgent(socket, channel);
  }

  @Override
  public List<Map.Entry<PublicKey, String>> getIdentities() throws IOException {
    Buffer answer = request(REQUEST_IDENTITIES, new ByteArrayBuffer());
    byte type = answer.getByte();
    if (type != IDENTITIES_ANSWER) {
      throw new SshException("the SSH agent at " + socket + " refused to list its keys");
    }
    long count = answer.getUInt();
    List<Map.Entry<PublicKey, String>> keys = new ArrayList<>();
    for (long i = 0; i < count; i++) {
      byte[] blob = answer.getBytes();
      String comment = answer.getString();
      try {
        keys.add(new SimpleImmutableEntry<>(new ByteArrayBuffer(blob).getRawPublicKey(), comment));
      } catch (SshException | RuntimeException e) {
        // A key type this client cannot use (a security key, a certificate): offer the others.
      }
    }
    return keys;
  }

  @Override
  public Map.Entry<String, byte[]> sign(
      SessionContext session, PublicKey key, String algorithm, byte[] data) throws IOException {
    Buffer request = new ByteArrayBuffer();
    request.putPublicKey(key);
    request.putBytes(data);
    request.putUInt(flags(algorithm));
    Buffer answer = request(SIGN_REQUEST, request);
    byte type = answer.getByte();
    if (type != SIGN_RESPONSE) {
      throw new SshException(
          "the SSH agent at "
              + socket
              + " refused to sign with the "
              + key.getAlgorithm()
              + " key"
              + (type == FAILURE ? " (is it still loaded? ssh-add -l)" : ""));
    }
    Buffer signature = new ByteArrayBuffer(answer.getBytes());
    String signedWith = signature.getString();
    return new SimpleImmutableEntry<>(signedWith, signature.getBytes());
  }

  /** RSA keys sign with SHA-2 when the session asks for it; other keys ignore the flags. */
  private static int flags(String algorithm) {
    if ("rsa-sha2-512".equals(algorithm)) {
      return RSA_SHA2_512;
    }
    if ("rsa-sha2-256".equals(algorithm)) {
      return RSA_SHA2_256;
    }
    return 0;
  }

  /** Sends one message ({@code uint32 length, byte type, payload}) and reads the answer's body. */
  private synchronized Buffer request(byte type, Buffer payload) throws IOException {
    int length = 1 + payload.available();
    ByteBuffer out = ByteBuffer.allocate(4 + length);
    out.putInt(length).put(type).put(payload.array(), payload.rpos(), payload.available()).flip();
    while (out.hasRemaining()) {
      channel.write(out);
    }
    ByteBuffer header = ByteBuffer.allocate(4);
    readFully(header);
    int answerLength = header.flip().getInt();
    if (answerLength < 1 || answerLength > MAX_MESSAGE) {
      throw new SshException(
          "the SSH agent at " + socket + " sent a message of " + answerLength + " bytes");
    }
    ByteBuffer body = ByteBuffer.allocate(answerLength);
    readFully(body);
    return new ByteArrayBuffer(body.array());
  }

  private void readFully(ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new EOFException("the SSH agent at " + socket + " closed the connection");
      }
    }
  }

  @Override
  public void addIdentity(KeyPair key, String comment, SshAgentKeyConstraint... constraints)
      throws IOException {
    throw new IOException("Flotilla only uses the agent's keys; add them with ssh-add");
  }

  @Override
  public void removeIdentity(PublicKey key) throws IOException {
    throw new IOException("Flotilla only uses the agent's keys; remove them with ssh-add -d");
  }

  @Override
  public void removeAllIdentities() throws IOException {
    throw new IOException("Flotilla only uses the agent's keys; remove them with ssh-add -D");
  }

  @Override
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
