package dev.flotilla.engine.action;

/** A step's action parameters are wrong; {@link #key()} names the parameter at fault. */
public final class InvalidActionException extends Exception {

  private final String key;

  public InvalidActionException(String key, String message) {
    super(message);
    this.key = key;
  }

  /** The parameter at fault, or null when the parameters as a whole are wrong. */
  public String key() {
    return key;
  }
}
