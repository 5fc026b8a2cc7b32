package dev.flotilla.engine.testing;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Keeps every event of a deployment, and lets a test wait for one. */
public final class RecordingListener implements DeploymentListener {

  private final List<DeploymentEvent> events = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<DeploymentEvent> unread = new LinkedBlockingQueue<>();

  @Override
  public void onEvent(DeploymentEvent event) {
    events.add(event);
    unread.add(event);
  }

  public List<DeploymentEvent> events() {
    return List.copyOf(events);
  }

  /** Waits up to 10 s for the next event that matches, skipping the others. */
  @SuppressWarnings("unchecked")
  public <E extends DeploymentEvent> E await(Class<E> type, Predicate<E> matches)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      long left = deadline - System.nanoTime();
      DeploymentEvent event = unread.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (event == null) {
        throw new AssertionError(
            "no " + type.getSimpleName() + " event within 10 s; got " + events);
      }
      if (type.isInstance(event) && matches.test((E) event)) {
        return (E) event;
      }
    }
  }
}
