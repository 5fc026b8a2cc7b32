package dev.flotilla.ssh;

import dev.flotilla.engine.action.ActionContext;
import dev.flotilla.engine.action.ActionLog;
import dev.flotilla.engine.action.ActionResult;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.agent.SshAgentFactory;
import org.apache.sshd.agent.SshAgentServer;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.core.CoreModuleProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSH sessions of an engine: one per endpoint, opened when an execution first needs it, reused
 * by every later execution on the same endpoint, kept alive while open and closed once idle. The
 * pool holds at most {@code max-sessions}: past it, the least recently used idle session is closed
 * to make room, and when every session is in use the request waits for one to be released. A
 * session found broken when an execution starts is replaced by a new connection.
 *
 * <p>Connecting and authenticating block, so they run on the executor the caller passes (the
 * engine's blocking executor), never on the caller's thread.
 */
public final class SshSessions implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SshSessions.class);
  private static final AttributeKey<SshEndpoint> ENDPOINT = new AttributeKey<>();

  private final SshSettings settings;
  private final Function<String, String> env;
  private final Consumer<String> warnings;
  private final SshClient client;
  private final ScheduledExecutorService timer;
  private final Map<VerifierKey, HostKeyVerifier> verifiers = new ConcurrentHashMap<>();

  // Guarded by this.
  private final Map<SshEndpoint, Entry> entries = new HashMap<>();
  private final Deque<Waiter> waiting = new ArrayDeque<>();
  private final Set<CompletableFuture<Void>> stopping = new HashSet<>();
  private boolean closed;

  /**
   * A pool with {@code settings}, credentials from the process environment, warnings to the log.
   */
  public SshSessions(SshSettings settings) {
    this(settings, System::getenv, LOG::warn);
  }

  /**
   * @param env reads the environment variables that endpoints name for passwords and passphrases
   * @param warnings receives what an operator must hear of, such as a host trusted on first contact
   */
  public SshSessions(
      SshSettings settings, Function<String, String> env, Consumer<String> warnings) {
    this.settings = settings;
    this.env = env;
    this.warnings = warnings;
    this.client = SshClient.setUpDefaultClient();
    // Only what an endpoint names is used: no ~/.ssh/config, no default keys, no accept-all
    // verifier.
    client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
    client.setServerKeyVerifier(this::verifyServerKey);
    client.setAgentFactory(new AgentFactory());
    CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, settings.keepAliveInterval());
    CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, settings.keepAliveMaxMissed());
    // Idle sessions are closed by this pool, which knows whether a command is still running.
    CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
    CoreModuleProperties.AUTH_TIMEOUT.set(client, settings.authTimeout());
    client.start();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "flotilla-ssh-timer");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** One execution's use of a session; closing it hands the session back to the pool. */
  public final class Lease implements AutoCloseable {
    private final Entry entry;
    private final ClientSession session;
    private boolean released;

    private Lease(Entry entry, ClientSession session) {
      this.entry = entry;
      this.session = session;
    }

    public ClientSession session() {
      return session;
    }

    public SshEndpoint endpoint() {
      return entry.endpoint;
    }

    @Override
    public void close() {
      synchronized (SshSessions.this) {
        if (released) {
          return;
        }
        released = true;
      }
      release(entry);
    }
  }

  /**
   * A session to {@code endpoint}, connected on {@code blocking} if there is none yet. Fails with
   * an {@link SshException} naming the endpoint and the reason (host key refused, authentication
   * failed or timed out, unreachable).
   *
   * @param log receives warnings about this connection (a host trusted on first contact)
   */
  public CompletableFuture<Lease> acquire(SshEndpoint endpoint, Executor blocking, ActionLog log) {
    CompletableFuture<Lease> lease = new CompletableFuture<>();
    Waiter waiter = new Waiter(endpoint, blocking, log, lease);
    synchronized (this) {
      if (closed) {
        lease.completeExceptionally(new SshException("the SSH session pool is closed"));
        return lease;
      }
      if (!tryServe(waiter)) {
        waiting.add(waiter);
      }
    }
    return lease;
  }

  public SshSettings settings() {
    return settings;
  }

  /** How many sessions are open or opening. */
  public synchronized int size() {
    return entries.size();
  }

  /** Whether a session to {@code endpoint} is open now. */
  public synchronized boolean isOpen(SshEndpoint endpoint) {
    Entry entry = entries.get(endpoint);
    return entry != null && entry.session != null && usable(entry.session);
  }

  /**
   * Closes every session. Remote commands being stopped (after a cancel or timeout) are given up to
   * {@link RemoteStop#bound} to end first: closing their session would leave them running.
   */
  @Override
  public void close() {
    List<CompletableFuture<Void>> stops;
    synchronized (this) {
      closed = true;
      waiting.forEach(
          w -> w.lease.completeExceptionally(new SshException("the SSH session pool is closed")));
      waiting.clear();
      stops = List.copyOf(stopping);
    }
    awaitStops(stops);
    Map<SshEndpoint, Entry> open;
    synchronized (this) {
      open = new HashMap<>(entries);
      entries.clear();
    }
    open.values().forEach(Entry::closeSession);
    timer.shutdownNow();
    try {
      client.stop();
    } catch (RuntimeException e) {
      LOG.debug("stopping the SSH client failed", e);
    }
  }

  private void awaitStops(List<CompletableFuture<Void>> stops) {
    if (stops.isEmpty()) {
      return;
    }
    Duration bound = RemoteStop.bound(settings);
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
          .get(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      warnings.accept(
          "closing the SSH sessions while remote commands are still being stopped after " + bound);
    } catch (ExecutionException e) {
      LOG.debug("a remote stop failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Keeps {@code stop} in the stops {@link #close()} waits for, until it completes. */
  void track(CompletableFuture<Void> stop) {
    synchronized (this) {
      stopping.add(stop);
    }
    var unused =
        stop.whenComplete(
            (done, failure) -> {
              synchronized (this) {
                stopping.remove(stop);
              }
            });
  }

  /** Reports what an operator must hear of, such as a remote stop that could not be confirmed. */
  void warn(String warning) {
    warnings.accept(warning);
  }

  /** The pool's own timer, which outlives the engine's until the pool is closed. */
  ScheduledExecutorService timer() {
    return timer;
  }

  /**
   * Serves {@code waiter} now if it can: its endpoint's entry, a free slot, or an idle one evicted.
   */
  private boolean tryServe(Waiter waiter) {
    Entry entry = entries.get(waiter.endpoint);
    if (entry != null && entry.session != null && !usable(entry.session)) {
      // Broken since its last use (the server dropped it, keep-alives failed): reconnect.
      entries.remove(waiter.endpoint);
      entry.closeSession();
      entry = null;
    }
    if (entry == null) {
      if (entries.size() >= settings.maxSessions() && !evictIdle()) {
        return false;
      }
      entry = new Entry(waiter.endpoint);
      entries.put(waiter.endpoint, entry);
      connect(entry, waiter.blocking, waiter.log);
    }
    entry.leases++;
    Entry leased = entry;
    // Completed on the caller's executor, never inside this pool's lock.
    var unused =
        entry.ready.whenCompleteAsync(
            (session, failure) -> {
              if (failure != null) {
                waiter.lease.completeExceptionally(failure);
              } else if (!waiter.lease.complete(new Lease(leased, session))) {
                release(leased);
              }
            },
            runnable -> {
              try {
                waiter.blocking.execute(runnable);
              } catch (RejectedExecutionException e) {
                runnable.run(); // The engine is shutting down: still tell the execution, here.
              }
            });
    return true;
  }

  private boolean evictIdle() {
    Optional<Entry> idle =
        entries.values().stream()
            .filter(e -> e.leases == 0 && e.session != null)
            .min(Comparator.comparingLong(e -> e.lastUsedNanos));
    idle.ifPresent(
        e -> {
          entries.remove(e.endpoint);
          e.closeSession();
        });
    return idle.isPresent();
  }

  private void release(Entry entry) {
    synchronized (this) {
      entry.leases--;
      entry.lastUsedNanos = System.nanoTime();
      if (entry.leases == 0 && entries.get(entry.endpoint) == entry) {
        scheduleIdleCheck(entry);
      }
      serveWaiting();
    }
  }

  /**
   * Serves every waiter that can be served now, in order. A waiter whose target already has a
   * session is served even when one before it still waits for a free slot.
   */
  private void serveWaiting() {
    waiting.removeIf(this::tryServe);
  }

  private void scheduleIdleCheck(Entry entry) {
    long usedAt = entry.lastUsedNanos;
    try {
      var unused =
          timer.schedule(
              () -> closeIfIdle(entry, usedAt),
              settings.idleTimeout().toNanos(),
              TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The pool is closing, and closes every session itself.
    }
  }

  private void closeIfIdle(Entry entry, long usedAt) {
    synchronized (this) {
      if (entry.leases > 0
          || entry.lastUsedNanos != usedAt
          || entries.get(entry.endpoint) != entry) {
        return; // Used again since: a later check covers it.
      }
      entries.remove(entry.endpoint);
      serveWaiting();
    }
    entry.closeSession();
  }

  /** The session was closed (by the server, a failed keep-alive, or this pool): forget it. */
  private void closed(Entry entry) {
    synchronized (this) {
      if (entries.get(entry.endpoint) == entry && entry.leases == 0) {
        entries.remove(entry.endpoint);
        serveWaiting();
      }
    }
  }

  private void connect(Entry entry, Executor blocking, ActionLog log) {
    try {
      blocking.execute(() -> open(entry, log));
    } catch (RejectedExecutionException e) {
      // Called under the lock while waiters are being served: forget the entry, serve no one here.
      entries.remove(entry.endpoint);
      entry.ready.completeExceptionally(
          new SshException(
              "cannot connect to "
                  + entry.endpoint.address()
                  + ": the blocking executor is shut down"));
    }
  }

  /**
   * Leases the session of an execution's target and hands it to {@code use}, on the blocking
   * executor; a target without an endpoint, or whose session cannot be had, completes {@code
   * result} with a failure naming the target instead.
   */
  static void leaseForTarget(
      SshSessions sessions,
      TargetEndpoints targets,
      ActionContext context,
      CompletableFuture<ActionResult> result,
      Consumer<Lease> use) {
    if (sessions == null) {
      result.complete(
          ActionResult.failure(
              "target " + context.target() + ": a rehearsal checks plans and never connects"));
      return;
    }
    SshEndpoint endpoint;
    try {
      endpoint = targets.endpointOf(context);
    } catch (InvalidEndpointException e) {
      result.complete(ActionResult.failure(e.getMessage()));
      return;
    } catch (RuntimeException e) {
      result.complete(ActionResult.failure("target " + context.target() + ": " + describe(e)));
      return;
    }
    if (endpoint == null) {
      result.complete(ActionResult.failure("target " + context.target() + " has no SSH endpoint"));
      return;
    }
    var unused =
        sessions
            .acquire(endpoint, context.runtime().blockingExecutor(), context.log())
            .whenComplete(
                (lease, failure) -> {
                  if (failure != null) {
                    result.complete(
                        ActionResult.failure(
                            "target " + context.target() + ": " + describe(failure)));
                  } else {
                    use.accept(lease);
                  }
                });
  }

  /** Reads the environment variables endpoints name. */
  Function<String, String> env() {
    return env;
  }

  /** Connects, verifies the host key and authenticates; runs on the blocking executor. */
  private void open(Entry entry, ActionLog log) {
    SshEndpoint endpoint = entry.endpoint;
    ClientSession session = null;
    HostKeyVerifier.Verdict verdict = new HostKeyVerifier.Verdict();
    try {
      session =
          client
              .connect(
                  endpoint.user(),
                  endpoint.host(),
                  endpoint.port(),
                  AttributeRepository.ofAttributesMap(
                      Map.of(ENDPOINT, endpoint, HostKeyVerifier.VERDICT, verdict)))
              .verify(settings.connectTimeout())
              .getSession();
      if (endpoint.passwordEnv() != null) {
        String password = env.apply(endpoint.passwordEnv());
        if (password == null) {
          throw new SshException("environment variable " + endpoint.passwordEnv() + " is not set");
        }
        session.addPasswordIdentity(password);
      }
      if (endpoint.identityFile() != null) {
        for (KeyPair pair : endpoint.loadIdentity(env)) {
          session.addPublicKeyIdentity(pair);
        }
      }
      session.auth().verify(settings.authTimeout());
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      String refusal = verdict.refusal;
      if (session != null) {
        session.close(true);
      }
      String reason = refusal != null ? refusal : describe(e);
      failed(entry, new SshException("cannot connect to " + endpoint.address() + ": " + reason, e));
      return;
    }
    String accepted = verdict.accepted;
    if (accepted != null) {
      warnings.accept(accepted);
      log.line(accepted);
    }
    ClientSession opened = session;
    boolean kept;
    synchronized (this) {
      kept = entries.get(endpoint) == entry && !closed;
      if (kept) {
        entry.session = opened;
      }
    }
    if (!kept) {
      opened.close(true);
      entry.ready.completeExceptionally(new SshException("the SSH session pool is closed"));
      return;
    }
    opened.addCloseFutureListener(future -> closed(entry));
    entry.ready.complete(opened);
  }

  private void failed(Entry entry, SshException failure) {
    synchronized (this) {
      if (entries.get(entry.endpoint) == entry) {
        entries.remove(entry.endpoint);
      }
      serveWaiting();
    }
    entry.ready.completeExceptionally(failure);
  }

  private boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey key) {
    AttributeRepository context = session.getConnectionContext();
    SshEndpoint endpoint = context == null ? null : context.getAttribute(ENDPOINT);
    if (endpoint == null) {
      return false; // Not a connection of this pool: no known-hosts file to check it against.
    }
    HostKeyVerifier verifier =
        verifiers.computeIfAbsent(
            new VerifierKey(endpoint.knownHosts(), endpoint.hostKeyPolicy()),
            k -> new HostKeyVerifier(k.knownHosts(), k.policy()));
    return verifier.verifyServerKey(session, remote, key);
  }

  private static boolean usable(ClientSession session) {
    return session.isOpen() && !session.isClosing() && session.isAuthenticated();
  }

  static String describe(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null
        && (cause.getMessage() == null || cause instanceof CompletionException)) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  private record VerifierKey(Path knownHosts, HostKeyPolicy policy) {}

  /**
   * The SSH agent for a connection whose endpoint says {@code agent: true}; none for the others, so
   * a key in the operator's agent is never offered to a host the plan did not say to use it with.
   */
  private final class AgentFactory implements SshAgentFactory {
    @Override
    public List<ChannelFactory> getChannelForwardingFactories(FactoryManager manager) {
      return List.of(); // No agent forwarding: a remote machine never gets to use the agent.
    }

    @Override
    public SshAgent createClient(Session session, FactoryManager manager) throws IOException {
      AttributeRepository context =
          session instanceof ClientSession client ? client.getConnectionContext() : null;
      SshEndpoint endpoint = context == null ? null : context.getAttribute(ENDPOINT);
      if (endpoint == null || !endpoint.useAgent()) {
        return null;
      }
      String socket = env.apply(SshEndpoint.AGENT_SOCKET);
      if (socket == null || socket.isBlank()) {
        throw new IOException(
            "environment variable " + SshEndpoint.AGENT_SOCKET + " is not set: no SSH agent");
      }
      return UnixSocketAgent.connect(Path.of(socket));
    }

    @Override
    public SshAgentServer createServer(ConnectionService service) throws IOException {
      throw new IOException("agent forwarding is not offered");
    }
  }

  private record Waiter(
      SshEndpoint endpoint, Executor blocking, ActionLog log, CompletableFuture<Lease> lease) {}

  /** One endpoint's session, while it is being opened and while it is open. */
  private static final class Entry {
    final SshEndpoint endpoint;
    final CompletableFuture<ClientSession> ready = new CompletableFuture<>();
    ClientSession session;
    int leases;
    long lastUsedNanos = System.nanoTime();

    Entry(SshEndpoint endpoint) {
      this.endpoint = endpoint;
    }

    void closeSession() {
      var unused = ready.thenAccept(s -> s.close(false));
    }
  }
}
