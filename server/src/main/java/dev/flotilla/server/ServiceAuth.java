package dev.flotilla.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Who may use the service. A plan runs scripts, so the service is a remote shell for whoever can
 * reach it: by default every route needs {@code Authorization: Bearer TOKEN}, even on loopback,
 * which every local user can reach. {@link #none()} turns that off, and the service accepts it on a
 * loopback address only.
 *
 * <p>The service keeps only the token's SHA-256 digest, never the token, and compares digests with
 * {@link MessageDigest#isEqual}: both are always 32 bytes, so the comparison takes the same time
 * whatever the token sent, and nothing of the token can be logged from here.
 */
public final class ServiceAuth {

  /** The environment variable a node and its clients take the token from. */
  public static final String TOKEN_VARIABLE = "FLOTILLA_TOKEN";

  /** The shortest token accepted: a generated one has 43 characters (256 bits). */
  public static final int MIN_TOKEN_LENGTH = 32;

  /** Printable ASCII without spaces: what an {@code Authorization} header carries as it is. */
  private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7E]+");

  private static final String BEARER = "bearer ";

  /** What a request's credentials are worth. */
  enum Verdict {
    /** No token is needed ({@link #none()}), or the right one was sent. */
    ACCEPTED,
    /** No bearer token was sent. */
    MISSING,
    /** A bearer token was sent, and it is not this service's. */
    REFUSED
  }

  private final byte[] digest;

  private ServiceAuth(byte[] digest) {
    this.digest = digest;
  }

  /**
   * Every request must carry this token.
   *
   * @throws IllegalArgumentException when the token is shorter than {@value #MIN_TOKEN_LENGTH}
   *     characters or holds anything but printable ASCII; the message never shows the token
   */
  public static ServiceAuth token(String token) {
    check(token, "the token");
    return new ServiceAuth(sha256(token));
  }

  /** No token: anyone who can reach the service may use it. Loopback binds only. */
  public static ServiceAuth none() {
    return new ServiceAuth(null);
  }

  /**
   * Checks a token before it is used or written; {@code where} names its source in the message.
   *
   * @throws IllegalArgumentException when it is too short or not printable ASCII
   */
  public static void check(String token, String where) {
    if (token == null || token.length() < MIN_TOKEN_LENGTH) {
      throw new IllegalArgumentException(
          where
              + " must have at least "
              + MIN_TOKEN_LENGTH
              + " characters (such as the output of 'openssl rand -hex 32')");
    }
    if (!TOKEN.matcher(token).matches()) {
      throw new IllegalArgumentException(
          where + " must be printable ASCII without spaces, as an HTTP header carries it");
    }
  }

  /** Whether requests need a token. */
  public boolean required() {
    return digest != null;
  }

  /** Judges a request's {@code Authorization} header (null when it has none). */
  Verdict judge(String authorization) {
    if (digest == null) {
      return Verdict.ACCEPTED;
    }
    if (authorization == null
        || authorization.length() < BEARER.length()
        || !authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
      return Verdict.MISSING;
    }
    String sent = authorization.substring(BEARER.length()).strip();
    return MessageDigest.isEqual(digest, sha256(sent)) ? Verdict.ACCEPTED : Verdict.REFUSED;
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Never the token: it is not kept. */
  @Override
  public String toString() {
    return digest == null ? "ServiceAuth[none]" : "ServiceAuth[bearer token]";
  }
}
