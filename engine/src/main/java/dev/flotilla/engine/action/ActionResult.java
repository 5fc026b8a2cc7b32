package dev.flotilla.engine.action;

/**
 * How an execution ended.
 *
 * @param succeeded whether the action did its work
 * @param message why it failed, or a short note; may be null
 */
public record ActionResult(boolean succeeded, String message) {

  private static final ActionResult SUCCESS = new ActionResult(true, null);

  public static ActionResult success() {
    return SUCCESS;
  }

  public static ActionResult failure(String message) {
    return new ActionResult(false, message);
  }
}
