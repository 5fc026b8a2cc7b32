package dev.flotilla.server;

import java.util.List;

/**
 * A request the service answers with a 4xx or 5xx status and a JSON body {@code {"error": ...}}.
 * Thrown by a route and answered by {@link ServiceHandler}; it carries no stack trace, since it is
 * an answer, not a fault.
 *
 * @param problems listed in the body as {@code problems} when not empty (an invalid plan's)
 * @param allow the methods a 405 names in its {@code Allow} header
 */
final class RequestError extends RuntimeException {

  private final int status;
  private final List<String> problems;
  private final String allow;

  private RequestError(int status, String message, List<String> problems, String allow) {
    super(message, null, false, false);
    this.status = status;
    this.problems = List.copyOf(problems);
    this.allow = allow;
  }

  static RequestError of(int status, String message) {
    return new RequestError(status, message, List.of(), null);
  }

  static RequestError badRequest(String message) {
    return of(Http.BAD_REQUEST, message);
  }

  static RequestError notFound(String message) {
    return of(Http.NOT_FOUND, message);
  }

  static RequestError invalidPlan(String message, List<String> problems) {
    return new RequestError(Http.BAD_REQUEST, message, problems, null);
  }

  static RequestError methodNotAllowed(String method, String path, String allow) {
    return new RequestError(
        Http.METHOD_NOT_ALLOWED,
        method + " is not allowed on " + path + " (allowed: " + allow + ")",
        List.of(),
        allow);
  }

  int status() {
    return status;
  }

  List<String> problems() {
    return problems;
  }

  /** The methods allowed, for a 405; null otherwise. */
  String allow() {
    return allow;
  }
}
