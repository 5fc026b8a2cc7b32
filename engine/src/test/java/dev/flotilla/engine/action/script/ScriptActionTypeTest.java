package dev.flotilla.engine.action.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionContext;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.ActionRuntime;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.action.RunningAction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptActionTypeTest {

  private static final long TIMEOUT_SECONDS = 30;
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path dir;

  private ScheduledExecutorService timer;
  private ExecutorService blocking;
  private ActionRuntime runtime;
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final Object logged = new Object();

  @BeforeEach
  void startPools() {
    timer = Executors.newSingleThreadScheduledExecutor();
    blocking = Executors.newCachedThreadPool();
    runtime = new ActionRuntime(timer, blocking);
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void stopPools() {
    timer.shutdownNow();
    blocking.shutdownNow();
  }

  @Test
  void exitZeroSucceedsAndOutputIsLoggedInOrder() throws Exception {
    ActionResult result =
        await(script("echo one; echo two >&2; echo three").start(context("web-01", Map.of())));

    assertThat(result.succeeded()).isTrue();
    assertThat(log).containsExactly("one", "two", "three");
  }

  @Test
  void outputIsLoggedWhileTheScriptStillRuns() throws Exception {
    RunningAction running = script("echo started; sleep 300").start(context("web-01", Map.of()));
    try {
      awaitLog(lines -> lines.contains("started"));
      assertThat(running.result().toCompletableFuture().isDone()).isFalse();
    } finally {
      running.cancel();
    }
  }

  @Test
  void nonZeroExitFailsWithTheExitCode() throws Exception {
    ActionResult result = await(script("echo doomed; exit 3").start(context("web-01", Map.of())));

    assertThat(result).isEqualTo(ActionResult.failure("exit code 3"));
    assertThat(log).containsExactly("doomed");
  }

  @Test
  void scriptSeesFlotillaEnvironmentAndDeploymentVariables() throws Exception {
    Action action =
        script(
            "echo \"$FLOTILLA_DEPLOYMENT|$FLOTILLA_STEP|$FLOTILLA_TARGET|$FLOTILLA_ATTEMPT|$GREETING\"");

    await(action.start(context("web-01", Map.of("GREETING", "hello"))));
    await(action.start(context(null, Map.of("FLOTILLA_STEP", "spoofed"))));

    assertThat(log).containsExactly("d-1|install|web-01|2|hello", "d-1|install||2|");
  }

  @Test
  void scriptReadingItsInputGetsEndOfFile() throws Exception {
    ActionResult result = await(script("cat; echo done").start(context("web-01", Map.of())));

    assertThat(result.succeeded()).isTrue();
    assertThat(log).containsExactly("done");
  }

  @Test
  void startReturnsBeforeTheShellRuns() throws Exception {
    List<Runnable> queued = new ArrayList<>();
    ActionRuntime deferred = new ActionRuntime(timer, queued::add);
    Path marker = dir.resolve("ran");

    RunningAction running =
        script("touch '" + marker + "'").start(context("web-01", Map.of(), deferred));

    assertThat(queued).hasSize(1);
    assertThat(running.result().toCompletableFuture().isDone()).isFalse();
    queued.get(0).run();
    assertThat(await(running).succeeded()).isTrue();
    assertThat(marker).exists();
  }

  @Test
  void cancelBeforeTheShellStartsMeansItNeverRuns() throws Exception {
    List<Runnable> queued = new ArrayList<>();
    ActionRuntime deferred = new ActionRuntime(timer, queued::add);
    Path marker = dir.resolve("ran");

    RunningAction running =
        script("touch '" + marker + "'").start(context("web-01", Map.of(), deferred));
    running.cancel();
    queued.forEach(Runnable::run);

    assertThat(await(running).succeeded()).isFalse();
    assertThat(marker).doesNotExist();
  }

  @Test
  void cancelKillsTheWholeProcessTree() throws Exception {
    // The shell, a background sleep, and a foreground sleep that is a grandchild of the shell,
    // each announcing its process id on the script's output.
    String command = "echo $$; sleep 300 & echo $!; sh -c 'echo $$; exec sleep 300'";
    RunningAction running = script(command).start(context("web-01", Map.of()));

    awaitLog(lines -> lines.size() == 3);
    List<Long> started = log.stream().map(Long::parseLong).toList();
    assertThat(started).allMatch(ScriptActionTypeTest::alive);

    running.cancel();
    running.cancel();

    assertThat(await(running).succeeded()).isFalse();
    waitUntil(() -> started.stream().noneMatch(ScriptActionTypeTest::alive));
  }

  @Test
  void shutDownBlockingExecutorFailsTheExecution() throws Exception {
    blocking.shutdown();

    ActionResult result = await(script("true").start(context("web-01", Map.of())));

    assertThat(result.succeeded()).isFalse();
  }

  @Test
  void missingOrBlankRunIsRejected() {
    assertRejected(Map.of(), "run");
    assertRejected(Map.of("run", "  "), "run");
    assertRejected(Map.of("run", List.of("echo", "hi")), "run");
  }

  @Test
  void unknownParameterIsRejectedByName() {
    assertRejected(Map.of("run", "true", "shell", "bash"), "shell");
  }

  @Test
  void estimateMustBeADuration() throws Exception {
    assertRejected(Map.of("run", "true", "estimate", "a while"), "estimate");
    assertRejected(Map.of("run", "true", "estimate", 30), "estimate");

    assertThat(ScriptActionType.estimate(Map.of("run", "true", "estimate", "90s")))
        .isEqualTo(Duration.ofSeconds(90));
    assertThat(ScriptActionType.estimate(Map.of("run", "true"))).isNull();
  }

  private static Action script(String command) {
    try {
      return new ScriptActionType().configure(Map.of("run", command));
    } catch (InvalidActionException e) {
      throw new AssertionError(e);
    }
  }

  private static void assertRejected(Map<String, Object> parameters, String key) {
    assertThatThrownBy(() -> new ScriptActionType().configure(parameters))
        .as("%s", parameters)
        .isInstanceOfSatisfying(
            InvalidActionException.class, e -> assertThat(e.key()).isEqualTo(key));
  }

  private ActionContext context(String target, Map<String, String> variables) {
    return context(target, variables, runtime);
  }

  private ActionContext context(
      String target, Map<String, String> variables, ActionRuntime runtime) {
    return new ActionContext(
        "d-1", "plan", "install", target, 2, variables, 7, this::onLogLine, runtime);
  }

  private void onLogLine(String line) {
    synchronized (logged) {
      log.add(line);
      logged.notifyAll();
    }
  }

  /** Waits, woken by each output line, until the output so far satisfies {@code condition}. */
  private void awaitLog(java.util.function.Predicate<List<String>> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    synchronized (logged) {
      while (!condition.test(log)) {
        long left = deadline - System.nanoTime();
        assertThat(left).as("output %s still not as expected after %s", log, DEADLINE).isPositive();
        TimeUnit.NANOSECONDS.timedWait(logged, left);
      }
    }
  }

  private static ActionResult await(RunningAction running) throws Exception {
    return running.result().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Whether a process still runs. A killed process whose new parent has not reaped it yet is a
   * zombie: on Linux, read its state so that it counts as gone.
   */
  private static boolean alive(long pid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty() || !handle.get().isAlive()) {
      return false;
    }
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (!Files.isDirectory(Path.of("/proc/self"))) {
      return true;
    }
    try {
      String text = Files.readString(stat);
      return text.charAt(text.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Waits for a condition that has no event to wait on, such as the death of a process that is not
   * this JVM's child (a killed one may linger as a zombie, so {@code onExit} could never complete).
   */
  private static void waitUntil(BooleanSupplier condition) {
    testKit
        .createTestProbe()
        .awaitAssert(
            DEADLINE,
            () -> {
              assertThat(condition.getAsBoolean())
                  .as("condition still false after %s", DEADLINE)
                  .isTrue();
              return null;
            });
  }
}
