package dev.flotilla.ssh;

/**
 * A target's SSH endpoint cannot be used: a missing or unprotected key file, an environment
 * variable that is not set. The message names the target and the endpoint key at fault.
 */
public final class InvalidEndpointException extends Exception {

  private final String target;
  private final String key;
  private final String problem;

  public InvalidEndpointException(String target, String key, String problem) {
    super("target " + target + ": ssh." + key + ": " + problem);
    this.target = target;
    this.key = key;
    this.problem = problem;
  }

  /** What is wrong with the key, and the fix, without the target and key. */
  public String problem() {
    return problem;
  }

  /** The target whose endpoint is wrong. */
  public String target() {
    return target;
  }

  /** The endpoint key at fault, such as {@code identityFile}. */
  public String key() {
    return key;
  }
}
