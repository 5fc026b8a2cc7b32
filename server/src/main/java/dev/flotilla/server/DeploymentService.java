package dev.flotilla.server;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.persistence.DeploymentHistory;
import dev.flotilla.persistence.DeploymentHistory.JournalReadException;
import dev.flotilla.persistence.DurableEngine;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP service around an embedded engine: submit YAML plans, watch their events live as
 * server-sent events, read their timelines, cancel them and open their waterfall page. It listens
 * on 127.0.0.1 unless told otherwise, with the JDK's own HTTP server on a bounded pool of threads.
 * Every route needs the bearer token of its {@link ServiceAuth} (see there).
 *
 * <pre>{@code
 * ServiceAuth auth = ServiceAuth.token(System.getenv(ServiceAuth.TOKEN_VARIABLE));
 * try (DeploymentService service =
 *     DeploymentService.start(DeploymentService.Options.inMemory(0, 1.0, auth))) {
 *   URI deployments = service.uri().resolve("deployments");
 *   ...
 * }
 * }</pre>
 *
 * <p>From a shell: {@code ./flotilla node --http-port 8080} (the CLI's {@code node} command, also
 * known as {@code serve}).
 */
public final class DeploymentService implements Node {

  /** The port {@code --http-port} defaults to. */
  public static final int DEFAULT_PORT = 8080;

  /**
   * How the problems of a submitted plan name it ({@code plan.yaml:7: ...}): a client that sent a
   * file may put the file's own name in its place.
   */
  public static final String PLAN_SOURCE = Deployments.PLAN_SOURCE;

  /** The address the service listens on unless told otherwise: loopback only. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /**
   * How to start the service.
   *
   * @param host the address to listen on, {@value #DEFAULT_HOST} by default; another than loopback
   *     exposes the service to other machines, and then {@code auth} must require a token
   * @param port the port to listen on; 0 takes any free port
   * @param store the durable engine's journal (a LevelDB directory or a PostgreSQL database); null
   *     keeps deployments in memory only
   * @param timeScale multiplies every simulated duration (0.1: ten times faster)
   * @param auth who may use the service
   */
  public record Options(
      String host, int port, DurableJournal store, double timeScale, ServiceAuth auth) {

    /** The highest TCP port. */
    private static final int MAX_PORT = 65_535;

    public Options {
      host = host == null ? DEFAULT_HOST : host;
      if (port < 0 || port > MAX_PORT) {
        throw new IllegalArgumentException(
            "the port must be between 0 and " + MAX_PORT + ", not " + port);
      }
      if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
        throw new IllegalArgumentException(
            "the time scale must be a number greater than 0, not " + timeScale);
      }
      Objects.requireNonNull(
          auth, "auth: ServiceAuth.token(...) or, on loopback, ServiceAuth.none()");
      if (!auth.required() && !isLoopback(host)) {
        throw new IllegalArgumentException(
            "a service without a token may listen on a loopback address only (127.0.0.1, ::1), not"
                + " on "
                + host
                + ", which other machines can reach: give it a token");
      }
    }

    /** On {@value #DEFAULT_HOST}, with a durable journal in {@code journal} (or none if null). */
    public Options(int port, Path journal, double timeScale, ServiceAuth auth) {
      this(
          DEFAULT_HOST,
          port,
          journal == null ? null : DurableJournal.levelDb(journal),
          timeScale,
          auth);
    }

    /** The LevelDB journal's directory; null in memory or on PostgreSQL. */
    public Path journal() {
      return store instanceof DurableJournal.LevelDb levelDb ? levelDb.directory() : null;
    }

    /** An engine in memory on loopback: deployments are forgotten when the service stops. */
    public static Options inMemory(int port, double timeScale, ServiceAuth auth) {
      return new Options(port, null, timeScale, auth);
    }
  }

  /**
   * Whether {@code host} is a loopback address (127.0.0.0/8, ::1, or a name for one).
   *
   * @throws IllegalArgumentException when the host is blank or cannot be resolved
   */
  public static boolean isLoopback(String host) {
    return address(host).isLoopbackAddress();
  }

  private static InetAddress address(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("the host to listen on is blank");
    }
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve the host to listen on: " + host, e);
    }
  }

  /**
   * What a stop left behind.
   *
   * @param unfinished the deployments run here that were queued or running when the engine stopped,
   *     oldest first: their running actions were cancelled with the engine
   * @param journal the journal that keeps them, so that the next start on it resumes them; null for
   *     a service in memory, which forgets them
   */
  public record Stopped(List<Unfinished> unfinished, DurableJournal journal) {
    public Stopped {
      unfinished = List.copyOf(unfinished);
    }
  }

  /** A deployment that had not finished when the service stopped, and the status it was left in. */
  public record Unfinished(String id, String name, DeploymentStatus status) {}

  private static final Logger log = LoggerFactory.getLogger(DeploymentService.class);

  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private final Flotilla engine;
  private final Deployments deployments;
  private final ServiceSettings settings;
  private final DurableJournal journal;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CompletableFuture<Stopped> stopped = new CompletableFuture<>();

  private DeploymentService(
      HttpServer server,
      ThreadPoolExecutor executor,
      Flotilla engine,
      Deployments deployments,
      ServiceSettings settings,
      DurableJournal journal) {
    this.server = server;
    this.executor = executor;
    this.engine = engine;
    this.deployments = deployments;
    this.settings = settings;
    this.journal = journal;
  }

  /** Starts the service, configured from {@code application.conf} and the defaults. */
  public static DeploymentService start(Options options)
      throws IOException, JournalUnavailableException {
    return start(options, ConfigFactory.load());
  }

  /**
   * Starts the service: listens on the port, starts the engine and, with a journal, resumes the
   * deployments it records as unfinished.
   *
   * @param config the host's configuration, with the {@code flotilla.service} section optional
   * @throws IOException when the port cannot be bound
   * @throws JournalUnavailableException when the journal directory cannot be used
   */
  public static DeploymentService start(Options options, Config config)
      throws IOException, JournalUnavailableException {
    return start(options, config, UnaryOperator.identity());
  }

  /**
   * Starts the service with more action types than the built-in ones, such as the {@code ssh} and
   * {@code upload} actions of the CLI's {@code serve}.
   *
   * @param actionTypes adds the host's action types to the built-in ones
   * @see #start(Options, Config)
   */
  public static DeploymentService start(
      Options options, Config config, UnaryOperator<ActionTypes> actionTypes)
      throws IOException, JournalUnavailableException {
    // The service stops its own engine, after its HTTP server (see close): Pekko must not stop it
    // first from the JVM's shutdown hook while requests are still being answered.
    Config full =
        ServiceSettings.withDefaults(
            ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off")
                .withFallback(config));
    ServiceSettings settings = ServiceSettings.fromConfig(full);
    // Logging starts here, on one thread, before the actor system's threads race to start it.
    LoggerFactory.getILoggerFactory();
    // Bind first: a port in use fails before an engine starts (or resumes anything).
    HttpServer server =
        HttpServer.create(new InetSocketAddress(address(options.host()), options.port()), 0);
    Flotilla engine = null;
    try {
      EngineSettings engineSettings =
          EngineSettings.fromConfig(full)
              .withActionTypes(actionTypes.apply(ActionTypes.builtIn(options.timeScale())));
      engine =
          options.store() == null
              ? Flotilla.start(engineSettings, full)
              : DurableEngine.start(options.store(), engineSettings, full);
      DeploymentHistory history =
          options.store() == null ? null : new DeploymentHistory(engine.system());
      Deployments deployments = new Deployments(engine, history, settings.maxLogLines());
      deployments.resumeUnfinished();
      return serve(server, engine, deployments, settings, options);
    } catch (JournalReadException e) {
      server.stop(0);
      engine.close();
      throw new IOException(
          "cannot read the journal to resume its deployments: " + e.getMessage(), e);
    } catch (JournalUnavailableException | RuntimeException e) {
      server.stop(0);
      if (engine != null) {
        engine.close();
      }
      throw e;
    }
  }

  /**
   * Starts the service on an engine the caller started, such as a node of a cluster, whose journal
   * is shared and whose unfinished deployments the cluster itself resumes: it answers for every
   * deployment of that journal, and resumes nothing. The service owns the engine from here: its
   * {@link #stop} closes it, and so does a failed start. {@code options.journal()} and {@code
   * options.timeScale()} are not used (the engine has its own).
   *
   * @param engine a durable engine on a journal {@link DeploymentHistory} reads
   * @throws IOException when the port cannot be bound
   */
  public static DeploymentService startOn(Flotilla engine, Options options, Config config)
      throws IOException {
    return startOn(engine, options, config, null);
  }

  /**
   * Starts the service on a node of a cluster, as {@link #startOn(Flotilla, Options, Config)}:
   * through {@code cluster} it also follows, live, the deployments other nodes run (their events,
   * cancel, interventions) and names the node that runs each unfinished deployment (the {@code
   * node} field of the list and of a deployment's JSON).
   *
   * @param cluster the node's view of the cluster; null for none
   */
  public static DeploymentService startOn(
      Flotilla engine, Options options, Config config, ClusterView cluster) throws IOException {
    try {
      Config full = ServiceSettings.withDefaults(config);
      ServiceSettings settings = ServiceSettings.fromConfig(full);
      HttpServer server =
          HttpServer.create(new InetSocketAddress(address(options.host()), options.port()), 0);
      try {
        Deployments deployments =
            new Deployments(
                engine, new DeploymentHistory(engine.system()), settings.maxLogLines(), cluster);
        return serve(server, engine, deployments, settings, options);
      } catch (RuntimeException e) {
        server.stop(0);
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      engine.close();
      throw e;
    }
  }

  private static DeploymentService serve(
      HttpServer server,
      Flotilla engine,
      Deployments deployments,
      ServiceSettings settings,
      Options options) {
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            settings.httpThreads(),
            settings.httpThreads(),
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(settings.httpQueue()),
            threads());
    server.createContext("/", new ServiceHandler(deployments, settings, options.auth()));
    server.setExecutor(executor);
    server.start();
    log.info(
        "Deployment service listening on {}:{}, {}",
        options.host(),
        server.getAddress().getPort(),
        options.auth().required()
            ? "every request needs its bearer token"
            : "WITHOUT a token: anyone who can reach the address may run plans");
    return new DeploymentService(server, executor, engine, deployments, settings, options.store());
  }

  /** The port the service listens on (the one chosen, for port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * The service's root as this machine reaches it, such as {@code http://127.0.0.1:8080/}: the
   * address listened on, or loopback for the wildcard address.
   */
  @Override
  public URI uri() {
    InetAddress address = server.getAddress().getAddress();
    if (address.isAnyLocalAddress()) {
      address = InetAddress.getLoopbackAddress();
    }
    String host = address.getHostAddress();
    if (address instanceof Inet6Address) {
      int scope = host.indexOf('%');
      host = "[" + (scope < 0 ? host : host.substring(0, scope)) + "]";
    }
    return URI.create("http://" + host + ":" + port() + "/");
  }

  /**
   * Stops the service: open event streams end, the HTTP server stops (open requests get {@code
   * flotilla.service.stop-grace} to finish), then the engine, which cancels the actions of the
   * deployments still running. In memory those deployments are forgotten; with a journal they
   * resume at the next start on it. Idempotent: a second call waits for the first stop and returns
   * its report.
   *
   * @return the deployments the stop left unfinished, and where (if anywhere) they are kept
   */
  @Override
  public Stopped stop() {
    if (!stopping.compareAndSet(false, true)) {
      return stopped.join();
    }
    try {
      log.info("Deployment service on {} stopping", uri());
      deployments.close();
      server.stop(wholeSecondsUp(settings.stopGrace()));
      executor.shutdownNow();
      // Nothing is submitted any more: what has not finished now is cut short by the engine's stop.
      List<Unfinished> unfinished = deployments.unfinished();
      engine.close();
      Stopped report = new Stopped(unfinished, journal);
      log.info(
          "Deployment service stopped; {} deployments left unfinished{}",
          unfinished.size(),
          journal == null ? "" : " in journal " + journal.describe());
      stopped.complete(report);
      return report;
    } catch (RuntimeException | Error e) {
      stopped.completeExceptionally(e);
      throw e;
    }
  }

  /** Stops the service, as {@link #stop()}, without the report. */
  @Override
  public void close() {
    stop();
  }

  /** The JDK's server counts its stop delay in whole seconds. */
  private static int wholeSecondsUp(Duration duration) {
    long seconds = duration.toSeconds();
    return Math.toIntExact(duration.equals(Duration.ofSeconds(seconds)) ? seconds : seconds + 1);
  }

  /** Daemon threads: an HTTP thread never keeps the JVM alive on its own. */
  private static ThreadFactory threads() {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "flotilla-http-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
