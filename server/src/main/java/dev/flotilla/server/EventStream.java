package dev.flotilla.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Serves one client a deployment's {@link EventFeed} as server-sent events, on the request's own
 * thread: first what happened so far, then each item as it comes, until the deployment finishes.
 * Each message carries its position in the feed as {@code id} (1 for the first), so a client that
 * reconnects with {@code Last-Event-ID} carries on where it stopped.
 */
final class EventStream {

  private EventStream() {}

  /**
   * Streams the feed from position {@code after} (0: from the start). A feed with nothing after
   * that position and nothing to come gets 204, which tells an SSE client not to reconnect.
   *
   * @throws IOException when the client goes away; the stream simply ends
   */
  static void serve(HttpExchange exchange, EventFeed feed, int after, Duration keepAliveInterval)
      throws IOException, InterruptedException {
    EventFeed.Batch batch = feed.await(after, Duration.ZERO);
    if (batch.items().isEmpty() && batch.complete()) {
      Http.sendEmpty(exchange, Http.NO_CONTENT);
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", Http.EVENT_STREAM);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(Http.OK, Http.STREAMED);
    try (Writer out =
        new BufferedWriter(
            new OutputStreamWriter(exchange.getResponseBody(), StandardCharsets.UTF_8))) {
      int sent = after;
      while (true) {
        for (Object item : batch.items()) {
          sent++;
          EventJson.Message message = EventJson.encode(item, feed.layout());
          out.write(
              "id: " + sent + "\nevent: " + message.event() + "\ndata: " + message.data() + "\n\n");
        }
        if (batch.items().isEmpty() && !batch.complete()) {
          // A comment: clients ignore it, and writing it finds out whether the client is still
          // there.
          out.write(": keep-alive\n\n");
        }
        out.flush();
        if (batch.complete()) {
          return;
        }
        batch = feed.await(sent, keepAliveInterval);
      }
    }
  }
}
