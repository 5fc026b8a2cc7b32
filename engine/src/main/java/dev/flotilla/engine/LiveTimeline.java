package dev.flotilla.engine;

import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.engine.timeline.TimelineRecorder;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A deployment's timeline for readers on any thread, fed by its listener without a lock.
 *
 * <p>The writer (the deployment's actor, one event at a time) appends each event to an append-only
 * array and publishes the new length with a release store. A reader takes the published length and
 * folds that prefix of the events into a timeline: an immutable view of the deployment exactly as
 * it stood after that event, the same document a replay of the journal gives. The last view built
 * is kept, so readers pay for a fold only when something happened. Nobody waits for anybody: the
 * writer never sees a reader, readers never see each other.
 *
 * <p>The writer also folds each event into a recorder of its own, which nobody else touches, so
 * that the final timeline is ready the moment the deployment finishes: folding a whole deployment
 * only then would delay its result by a few milliseconds per 10,000 executions.
 */
final class LiveTimeline {

  private static final int INITIAL_CAPACITY = 64;

  /** A timeline and how many events it folds. */
  private record Built(int events, Timeline timeline) {}

  private final String deploymentId;
  private final DeploymentPlan plan;
  private final long submittedAtMicros;
  private static final VarHandle EVENTS;
  private static final VarHandle SIZE;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      EVENTS = lookup.findVarHandle(LiveTimeline.class, "events", DeploymentEvent[].class);
      SIZE = lookup.findVarHandle(LiveTimeline.class, "size", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /*
   * Written only by the writer, which reads them plainly (an actor sees its own writes). The
   * writer stores an event, then releases the new size; a reader acquires the size, then the
   * array: every array the writer published by then holds at least that many events.
   */
  private DeploymentEvent[] events = new DeploymentEvent[INITIAL_CAPACITY];
  private int size;
  private final AtomicReference<Built> built = new AtomicReference<>();

  /** The writer's fold of every event appended; only the writer touches it. */
  private final TimelineRecorder folded = new TimelineRecorder();

  /**
   * @param plan what was submitted, for the view of the deployment before its first event
   * @param submittedAtMicros when, in microseconds since the epoch
   */
  LiveTimeline(String deploymentId, DeploymentPlan plan, long submittedAtMicros) {
    this.deploymentId = deploymentId;
    this.plan = plan;
    this.submittedAtMicros = submittedAtMicros;
  }

  /** Records the next event; called by one thread at a time, in event order. */
  void append(DeploymentEvent event) {
    if (event instanceof DeploymentEvent.Batch batch) {
      batch.events().forEach(this::append);
      return;
    }
    folded.onEvent(event);
    DeploymentEvent kept = event;
    if (event instanceof ExecutionFinished finished && !finished.log().isEmpty()) {
      // A timeline has no use for output lines; the listener got them.
      kept =
          new ExecutionFinished(
              finished.step(),
              finished.target(),
              finished.attempt(),
              finished.status(),
              finished.message(),
              List.of(),
              finished.last(),
              finished.atMicros());
    }
    DeploymentEvent[] array = events;
    int count = size;
    if (count == array.length) {
      array = Arrays.copyOf(array, count * 2);
      EVENTS.setRelease(this, array);
    }
    array[count] = kept;
    SIZE.setRelease(this, count + 1);
  }

  /**
   * The timeline as of the last event appended; before any, the deployment as submitted, queued.
   */
  Timeline timeline() {
    int count = (int) SIZE.getAcquire(this);
    DeploymentEvent[] array = (DeploymentEvent[]) EVENTS.getAcquire(this);
    Built last = built.get();
    if (last != null && last.events() >= count) {
      return last.timeline();
    }
    TimelineRecorder recorder = new TimelineRecorder();
    if (count == 0 || !(array[0] instanceof DeploymentAccepted)) {
      recorder.onEvent(new DeploymentAccepted(deploymentId, plan, submittedAtMicros));
    } else {
      for (int i = 0; i < count; i++) {
        recorder.onEvent(array[i]);
      }
    }
    Timeline timeline = recorder.timeline();
    Built now = new Built(count, timeline);
    built.accumulateAndGet(
        now, (kept, offered) -> kept == null || offered.events() > kept.events() ? offered : kept);
    return timeline;
  }

  /**
   * The writer's timeline of every event appended, published to readers as well: the final timeline
   * once the deployment has finished. Called by the writer only.
   */
  Timeline folded() {
    if (folded.layout() == null) {
      return timeline();
    }
    Timeline timeline = folded.timeline();
    Built now = new Built(size, timeline);
    built.accumulateAndGet(
        now, (kept, offered) -> kept == null || offered.events() >= kept.events() ? offered : kept);
    return timeline;
  }

  /**
   * The timeline of a deployment the engine refused: as submitted, ended FAILED at once, with
   * nothing run.
   */
  Timeline refused() {
    Timeline queued = timeline();
    return new Timeline(
        queued.deploymentId(),
        queued.name(),
        DeploymentStatus.FAILED,
        queued.maxParallelism(),
        queued.targetIsolation(),
        queued.startMs(),
        queued.startMs(),
        queued.steps(),
        queued.executions(),
        queued.startedAt(),
        queued.interventions());
  }
}
