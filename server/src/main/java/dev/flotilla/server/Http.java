package dev.flotilla.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Status codes and the small amount of HTTP plumbing the routes share. */
final class Http {

  static final int OK = 200;
  static final int CREATED = 201;
  static final int ACCEPTED = 202;
  static final int NO_CONTENT = 204;
  static final int BAD_REQUEST = 400;
  static final int UNAUTHORIZED = 401;
  static final int NOT_FOUND = 404;
  static final int METHOD_NOT_ALLOWED = 405;
  static final int CONFLICT = 409;
  static final int PAYLOAD_TOO_LARGE = 413;
  static final int INTERNAL_ERROR = 500;
  static final int UNAVAILABLE = 503;

  static final String JSON = "application/json; charset=utf-8";
  static final String HTML = "text/html; charset=utf-8";
  static final String EVENT_STREAM = "text/event-stream; charset=utf-8";

  /** Indented for people reading answers with curl. */
  static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** {@code sendResponseHeaders} length meaning "no body". */
  private static final long NO_BODY = -1;

  /** {@code sendResponseHeaders} length meaning "streamed, length unknown". */
  static final long STREAMED = 0;

  private Http() {}

  static void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
    send(exchange, status, JSON, MAPPER.writeValueAsBytes(body));
  }

  static void send(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, body.length == 0 ? NO_BODY : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  static void sendEmpty(HttpExchange exchange, int status) throws IOException {
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, NO_BODY);
  }

  /**
   * The request body, refused with 413 past {@code limit} bytes: at once when the declared length
   * says so, otherwise as soon as the bytes read pass it.
   */
  static byte[] readBody(HttpExchange exchange, long limit, String what) throws IOException {
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > limit) {
          throw tooLarge(limit, what);
        }
      } catch (NumberFormatException e) {
        throw RequestError.badRequest("Content-Length is not a number");
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try (InputStream in = exchange.getRequestBody()) {
      for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
        if (body.size() + read > limit) {
          throw tooLarge(limit, what);
        }
        body.write(buffer, 0, read);
      }
    }
    return body.toByteArray();
  }

  /** The bytes as UTF-8 text; 400 if they are not. */
  static String utf8(byte[] bytes, String what) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw RequestError.badRequest(what + " is not UTF-8 text");
    }
  }

  private static RequestError tooLarge(long limit, String what) {
    return RequestError.of(
        PAYLOAD_TOO_LARGE, what + " is larger than the " + limit + " bytes this service accepts");
  }
}
