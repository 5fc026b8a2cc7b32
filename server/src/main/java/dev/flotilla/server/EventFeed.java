package dev.flotilla.server;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentFinished;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.model.PlanLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One deployment's events and output lines, kept for its event streams: the engine appends, and
 * each stream reads from its own position on its own thread. Appending takes a short lock and never
 * waits for a reader, so a slow client never slows the deployment.
 *
 * <p>Every event is kept for the life of the service, so a stream opened late still replays the
 * deployment from its start; that is of the same order as the timeline the engine keeps anyway.
 * Output lines are kept up to a cap; beyond it they are dropped, marked once by a {@link
 * LogTruncated} item where the first line was dropped. Nothing is appended after {@link
 * DeploymentFinished}: a stream ends there.
 */
final class EventFeed implements DeploymentListener {

  /** Output lines beyond the cap were dropped from this point on. */
  record LogTruncated(int keptLines) {}

  /**
   * The items from a position on.
   *
   * @param complete no item will follow these: the deployment finished, or the service stops
   */
  record Batch(List<Object> items, boolean complete) {}

  private final PlanLayout layout;
  private final int maxLogLines;
  private final List<Object> items = new ArrayList<>();
  private int logLines;
  private boolean truncated;
  private boolean finished;
  private boolean closed;

  private EventFeed(PlanLayout layout, int maxLogLines) {
    this.layout = layout;
    this.maxLogLines = maxLogLines;
  }

  /** A feed for a deployment about to be submitted: empty until the engine reports. */
  static EventFeed live(PlanLayout layout, int maxLogLines) {
    return new EventFeed(layout, maxLogLines);
  }

  /**
   * A feed that starts with a deployment's recorded events, for a deployment read from the journal
   * (complete if they end with {@link DeploymentFinished}, live if it is being resumed). Output
   * lines are not journaled, so a recorded past has none.
   *
   * @param history the recorded events, starting with {@link DeploymentAccepted}
   */
  static EventFeed recorded(List<DeploymentEvent> history, int maxLogLines) {
    if (history.isEmpty() || !(history.get(0) instanceof DeploymentAccepted accepted)) {
      throw new IllegalArgumentException("a recorded deployment starts with DeploymentAccepted");
    }
    EventFeed feed = new EventFeed(PlanLayout.of(accepted.plan()), maxLogLines);
    history.forEach(feed::onEvent);
    return feed;
  }

  /** The deployment's layout: names the steps that events give by index. */
  PlanLayout layout() {
    return layout;
  }

  @Override
  public synchronized void onEvent(DeploymentEvent event) {
    if (finished) {
      return;
    }
    items.add(event);
    finished = event instanceof DeploymentFinished;
    notifyAll();
  }

  @Override
  public synchronized void onLogLine(ExecutionLogLine line) {
    if (finished || truncated) {
      return;
    }
    if (logLines == maxLogLines) {
      truncated = true;
      items.add(new LogTruncated(maxLogLines));
    } else {
      logLines++;
      items.add(line);
    }
    notifyAll();
  }

  /** Whether the engine has reported anything yet (then the handle's timeline exists). */
  synchronized boolean hasEvents() {
    return !items.isEmpty();
  }

  /** Whether the deployment has finished. */
  synchronized boolean finished() {
    return finished;
  }

  /**
   * The items from {@code from} (0-based) on, waiting up to {@code timeout} for one if there is
   * none yet; an empty batch that is not complete means the wait timed out.
   */
  synchronized Batch await(int from, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (items.size() <= from && !finished && !closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
    List<Object> batch =
        from < items.size() ? List.copyOf(items.subList(from, items.size())) : List.of();
    return new Batch(batch, finished || closed);
  }

  /** The service stops: wakes every waiting stream, which ends after what it already has. */
  synchronized void close() {
    closed = true;
    notifyAll();
  }
}
