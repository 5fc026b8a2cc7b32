package dev.flotilla.ssh;

import java.io.IOException;

/** An SSH connection failed; the message names the endpoint and the reason. */
public final class SshException extends IOException {

  public SshException(String message) {
    super(message);
  }

  public SshException(String message, Throwable cause) {
    super(message, cause);
  }
}
