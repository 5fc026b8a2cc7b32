package dev.flotilla.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The file a node writes its generated token to, for its user's clients (the CLI's {@code
 * --server}, a browser opening a waterfall) to read, as Jupyter does: only that user can read it
 * (POSIX mode 600, in a directory of mode 700 when it creates one). The file is created with those
 * permissions and then renamed over the old one, so there is never a moment when it is readable by
 * others, nor one when a client reads half a token.
 */
public final class TokenFile {

  /** Bytes of a generated token: 256 bits. */
  private static final int TOKEN_BYTES = 32;

  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY =
      PosixFilePermissions.fromString("rwx------");

  private static final SecureRandom RANDOM = new SecureRandom();

  private TokenFile() {}

  /** A new token: 256 random bits from {@link SecureRandom}, URL-safe Base64 without padding. */
  public static String generate() {
    byte[] bytes = new byte[TOKEN_BYTES];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Writes the token to {@code file}, replacing what was there, readable by its owner only.
   *
   * @throws IOException when the file cannot be written, or the file system has no POSIX
   *     permissions (then set {@value ServiceAuth#TOKEN_VARIABLE} instead)
   */
  public static void write(Path file, String token) throws IOException {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      throw new IOException(
          "cannot make "
              + file
              + " readable by you only: this file system has no POSIX permissions; set "
              + ServiceAuth.TOKEN_VARIABLE
              + " instead");
    }
    Path target = file.toAbsolutePath().normalize();
    Path directory = target.getParent();
    if (!Files.isDirectory(directory)) {
      Files.createDirectories(directory, attribute(OWNER_ONLY_DIRECTORY));
    }
    Path temporary = Files.createTempFile(directory, ".token-", ".tmp", attribute(OWNER_ONLY_FILE));
    try {
      Files.writeString(temporary, token + "\n", StandardCharsets.US_ASCII);
      try {
        Files.move(
            temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /**
   * The token a node wrote to {@code file}.
   *
   * @throws IOException when the file cannot be read, or holds no token
   */
  public static String read(Path file) throws IOException {
    String token = Files.readString(file, StandardCharsets.US_ASCII).strip();
    if (token.isEmpty()) {
      throw new IOException(file + " is empty");
    }
    return token;
  }

  private static FileAttribute<Set<PosixFilePermission>> attribute(
      Set<PosixFilePermission> permissions) {
    return PosixFilePermissions.asFileAttribute(permissions);
  }
}
