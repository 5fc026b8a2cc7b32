package dev.flotilla.server;

import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.plan.InvalidPlanException;
import dev.flotilla.engine.timeline.Timeline;
import dev.flotilla.persistence.DeploymentHistory;
import dev.flotilla.persistence.DeploymentHistory.JournalReadException;
import dev.flotilla.persistence.Resumption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployments the service knows: those it runs (submitted here, or resumed from the journal at
 * start), each with its handle and {@link EventFeed}, and, with a journal, those recorded by
 * earlier runs, read back on demand. Thread-safe.
 *
 * <p>Deployments run here are kept for the life of the service (a sample: nothing is evicted).
 */
final class Deployments {

  /**
   * One deployment as listed.
   *
   * @param status RUNNING or QUEUED while it has not finished
   * @param startedAt when it started running (or was accepted, while queued), ISO-8601
   * @param makespanMs from start to finish; null while it runs
   * @param problem why its recorded events could not be read, or null
   * @param node on a cluster, the node that runs it while it has not finished; null otherwise
   */
  record Listed(
      String id,
      String name,
      DeploymentStatus status,
      String startedAt,
      Double makespanMs,
      String problem,
      String node) {

    Listed withNode(String runningOn) {
      return new Listed(id, name, status, startedAt, makespanMs, problem, runningOn);
    }
  }

  /**
   * What a cancel request found.
   *
   * @param status the deployment's status when asked; null if the deployment is unknown
   * @param requested whether the cancel was passed to the running deployment
   */
  record CancelOutcome(DeploymentStatus status, boolean requested) {}

  /**
   * A deployment this service runs, or, on a cluster, follows from the journal.
   *
   * @param followed submitted to another node of the cluster: this node only follows it
   */
  record Tracked(DeploymentHandle handle, EventFeed feed, boolean followed) {

    /** The timeline as it stands: the handle answers from submit on, a queued plan as QUEUED. */
    Timeline timeline() {
      return handle.snapshot();
    }
  }

  private static final Logger log = LoggerFactory.getLogger(Deployments.class);

  /** How long a submit waits for the engine to report the acceptance recorded. */
  private static final Duration ACCEPTANCE_WAIT = Duration.ofSeconds(30);

  /** How long a listing waits for the nodes running its unfinished deployments to say so. */
  private static final Duration NODE_WAIT = Duration.ofSeconds(5);

  /** Names the plan in the problems of a submitted plan, as a file name would. */
  static final String PLAN_SOURCE = "plan.yaml";

  private final Flotilla engine;
  private final DeploymentHistory history;
  private final int maxLogLines;
  private final ClusterView cluster;
  private final Map<String, Tracked> running = new ConcurrentHashMap<>();

  /**
   * @param history the journal's read side; null for an engine in memory
   */
  Deployments(Flotilla engine, DeploymentHistory history, int maxLogLines) {
    this(engine, history, maxLogLines, null);
  }

  /**
   * @param history the journal's read side; null for an engine in memory
   * @param cluster on a node of a cluster, how it follows the deployments other nodes run; null for
   *     the single service
   */
  Deployments(Flotilla engine, DeploymentHistory history, int maxLogLines, ClusterView cluster) {
    this.engine = engine;
    this.history = history;
    this.maxLogLines = maxLogLines;
    this.cluster = cluster;
  }

  /**
   * Checks the plan and submits it; an invalid plan starts nothing.
   *
   * @param overrides settings and variables that replace the plan's own ({@code ?set=key=value})
   */
  Tracked submit(String yaml, Map<String, String> overrides)
      throws InvalidPlanException, InterruptedException {
    DeploymentPlan plan = engine.planLoader().parse(yaml, PLAN_SOURCE, overrides);
    EventFeed feed = EventFeed.live(PlanLayout.of(plan), maxLogLines);
    DeploymentHandle handle = engine.submit(plan, feed);
    Tracked tracked = new Tracked(handle, feed, false);
    running.put(handle.deploymentId(), tracked);
    // Submit returns once the acceptance is recorded (docs/semantics.md): the engine reports it
    // once journaled, and on a cluster once read back from the shared journal, so every node
    // answers for the deployment from then on.
    long deadline = System.nanoTime() + ACCEPTANCE_WAIT.toNanos();
    while (!feed.hasEvents()
        && !handle.result().toCompletableFuture().isDone()
        && System.nanoTime() < deadline) {
      if (feed.await(0, Duration.ofMillis(200)).complete()) {
        break; // the service stops
      }
    }
    return tracked;
  }

  /**
   * Resumes what the journal records as unfinished, so a restarted service carries on with it; each
   * one's event stream starts with its recorded events. Nothing to do in memory.
   */
  void resumeUnfinished() throws JournalReadException {
    if (history == null) {
      return;
    }
    Map<String, EventFeed> feeds = new HashMap<>();
    List<DeploymentHandle> handles =
        Resumption.resumeUnfinished(
            engine,
            history,
            id -> {
              // Called before the deployment resumes, so its recorded events are all there is yet.
              EventFeed feed = EventFeed.recorded(recordedEvents(id), maxLogLines);
              feeds.put(id, feed);
              return feed;
            });
    for (DeploymentHandle handle : handles) {
      running.put(
          handle.deploymentId(), new Tracked(handle, feeds.get(handle.deploymentId()), false));
      log.info("Resumed deployment {}", handle.deploymentId());
    }
  }

  private List<DeploymentEvent> recordedEvents(String id) {
    try {
      return history.events(id);
    } catch (JournalReadException e) {
      // Resumption has just read them; failing now means the journal itself is failing.
      throw new IllegalStateException("cannot read deployment " + id + " again to resume it", e);
    }
  }

  /**
   * A deployment this service runs, if it is one; on a cluster also one another node runs and has
   * not finished, which this node starts following from the journal the first time it is asked.
   */
  Optional<Tracked> tracked(String id) throws JournalReadException {
    Tracked tracked = running.get(id);
    if (tracked != null || cluster == null) {
      return Optional.ofNullable(tracked);
    }
    return Optional.ofNullable(follow(id));
  }

  /** Starts following an unfinished deployment run by another node; null if there is none. */
  private synchronized Tracked follow(String id) throws JournalReadException {
    Tracked known = running.get(id);
    if (known != null) {
      return known;
    }
    List<DeploymentEvent> recorded = history.events(id);
    if (recorded.isEmpty()
        || recorded.get(recorded.size() - 1) instanceof DeploymentEvent.DeploymentFinished) {
      return null;
    }
    EventFeed feed = EventFeed.recorded(recorded, maxLogLines);
    DeploymentHandle handle = cluster.follow(id, recorded, feed);
    Tracked tracked = new Tracked(handle, feed, true);
    running.put(id, tracked);
    log.info("Following deployment {}, which another node runs, from the journal", id);
    return tracked;
  }

  /**
   * On a cluster, the node that runs an unfinished deployment now; null when it has finished, on
   * the single service, or if no node answered in time.
   */
  String node(String id, DeploymentStatus status) {
    if (cluster == null || status == null || status.isFinal()) {
      return null;
    }
    return nodeOf(cluster.nodeOf(id));
  }

  private static String nodeOf(CompletionStage<String> asked) {
    try {
      return asked.toCompletableFuture().get(NODE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Whether the service runs on a node of a cluster (then its answers name nodes). */
  boolean clustered() {
    return cluster != null;
  }

  /** The timeline as it stands: live for a deployment run here, else replayed from the journal. */
  Optional<Timeline> timeline(String id) throws JournalReadException {
    Tracked tracked = tracked(id).orElse(null);
    if (tracked != null) {
      return Optional.of(tracked.timeline());
    }
    return history == null ? Optional.empty() : history.replay(id);
  }

  /** The deployment's event feed: live for one run here, else its recorded events, complete. */
  Optional<EventFeed> feed(String id) throws JournalReadException {
    Tracked tracked = tracked(id).orElse(null);
    if (tracked != null) {
      return Optional.of(tracked.feed());
    }
    if (history == null) {
      return Optional.empty();
    }
    List<DeploymentEvent> events = history.events(id);
    return events.isEmpty()
        ? Optional.empty()
        : Optional.of(EventFeed.recorded(events, maxLogLines));
  }

  /**
   * Asks a deployment run here to cancel, unless it has finished.
   *
   * @return what the request found; a deployment known only from the journal is not running here
   */
  CancelOutcome cancel(String id, String reason) throws JournalReadException {
    Tracked tracked = tracked(id).orElse(null);
    if (tracked == null) {
      return new CancelOutcome(timeline(id).map(Timeline::status).orElse(null), false);
    }
    DeploymentStatus status = tracked.timeline().status();
    if (status.isFinal()) {
      return new CancelOutcome(status, false);
    }
    tracked.handle().cancel(reason);
    return new CancelOutcome(status, true);
  }

  /**
   * Every deployment known, newest first: those run here, then, with a journal, the recorded
   * others.
   */
  List<Listed> list() throws JournalReadException {
    List<Listed> listed = new ArrayList<>();
    for (Map.Entry<String, Tracked> entry : running.entrySet()) {
      Timeline timeline = entry.getValue().timeline();
      listed.add(
          new Listed(
              entry.getKey(),
              timeline.name(),
              timeline.status(),
              timeline.startedAt(),
              timeline.makespanMs(),
              null,
              null));
    }
    if (history != null) {
      for (DeploymentHistory.Summary summary : history.list()) {
        if (!running.containsKey(summary.id())) {
          listed.add(
              new Listed(
                  summary.id(),
                  summary.name(),
                  summary.status(),
                  summary.startedAt() == null ? null : summary.startedAt().toString(),
                  summary.duration() == null ? null : summary.duration().toNanos() / 1e6,
                  summary.problem(),
                  null));
        }
      }
    }
    listed.sort(
        Comparator.comparing(
                (Listed entry) ->
                    entry.startedAt() == null ? null : Instant.parse(entry.startedAt()),
                Comparator.nullsLast(Comparator.reverseOrder()))
            .thenComparing(Listed::id, Comparator.reverseOrder()));
    if (cluster == null) {
      return listed;
    }
    // Where the unfinished ones run: asked of them all at once.
    List<CompletionStage<String>> nodes = new ArrayList<>();
    for (Listed entry : listed) {
      nodes.add(
          entry.status() == null || entry.status().isFinal()
              ? CompletableFuture.completedFuture(null)
              : cluster.nodeOf(entry.id()));
    }
    List<Listed> located = new ArrayList<>();
    for (int i = 0; i < listed.size(); i++) {
      located.add(listed.get(i).withNode(nodeOf(nodes.get(i))));
    }
    return located;
  }

  /** The deployments run here that have not finished, oldest first (ids sort by start time). */
  List<DeploymentService.Unfinished> unfinished() {
    List<DeploymentService.Unfinished> unfinished = new ArrayList<>();
    for (Map.Entry<String, Tracked> entry : running.entrySet()) {
      if (entry.getValue().followed()) {
        continue;
      }
      Timeline timeline = entry.getValue().timeline();
      if (!timeline.status().isFinal()) {
        unfinished.add(
            new DeploymentService.Unfinished(entry.getKey(), timeline.name(), timeline.status()));
      }
    }
    unfinished.sort(Comparator.comparing(DeploymentService.Unfinished::id));
    return unfinished;
  }

  /** The service stops: every open event stream ends after what it has. */
  void close() {
    running.values().forEach(tracked -> tracked.feed().close());
  }
}
