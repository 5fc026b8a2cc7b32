package dev.flotilla.ssh;

import dev.flotilla.engine.action.ActionLog;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A remote stream cut into log lines as its bytes arrive, decoded as UTF-8 (a multi-byte character
 * split across two packets is kept whole), each line masked before it is logged.
 */
final class LineOutput extends OutputStream {

  private final ActionLog log;
  private final UnaryOperator<String> mask;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private final String marker;
  private final Consumer<String> marked;
  private boolean markerSeen;

  LineOutput(ActionLog log, UnaryOperator<String> mask) {
    this(log, mask, null, null);
  }

  /**
   * Hands the rest of the first line starting with {@code marker} to {@code marked} instead of the
   * log: the command's own report of its process id.
   */
  LineOutput(ActionLog log, UnaryOperator<String> mask, String marker, Consumer<String> marked) {
    this.log = log;
    this.mask = mask;
    this.marker = marker;
    this.marked = marked;
  }

  @Override
  public synchronized void write(int b) {
    if (b == '\n') {
      emit();
    } else {
      pending.write(b);
    }
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    int start = offset;
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      if (bytes[i] == '\n') {
        pending.write(bytes, start, i - start);
        emit();
        start = i + 1;
      }
    }
    pending.write(bytes, start, end - start);
  }

  /** Logs a last line that had no newline. */
  @Override
  public synchronized void close() {
    if (pending.size() > 0) {
      emit();
    }
  }

  private void emit() {
    String line = pending.toString(StandardCharsets.UTF_8);
    pending.reset();
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    if (marker != null && !markerSeen && line.startsWith(marker)) {
      markerSeen = true;
      marked.accept(line.substring(marker.length()));
      return;
    }
    log.line(mask.apply(line));
  }
}
