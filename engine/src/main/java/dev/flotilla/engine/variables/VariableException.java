package dev.flotilla.engine.variables;

/** A variable that cannot be read where it is read: the reading execution fails with this. */
public final class VariableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public VariableException(String message) {
    super(message);
  }
}
