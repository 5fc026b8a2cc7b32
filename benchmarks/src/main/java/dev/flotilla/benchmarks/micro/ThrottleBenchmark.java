package dev.flotilla.benchmarks.micro;

import dev.flotilla.engine.internal.throttle.Throttle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A throttle's cost per child: spawn it, watch it, hear {@code ChildDone}, stop it and start the
 * next, for a throttle over {@value #ITEMS} items whose children finish at once. Reported per
 * child, at caps 10 and 100.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ThrottleBenchmark {

  static final int ITEMS = 10_000;

  @Param({"10", "100"})
  public int cap;

  sealed interface Command {}

  /** Runs one throttle over every item, then completes {@code done}. */
  record RunThrottle(int cap, CompletableFuture<Void> done) implements Command {}

  private record ThrottleFinished(CompletableFuture<Void> done) implements Command {}

  private ActorSystem<Command> system;

  @Setup
  public void start() {
    system = MicroSystems.start(driver(), "throttle-benchmark");
  }

  @TearDown
  public void stop() throws Exception {
    MicroSystems.stop(system);
  }

  @Benchmark
  @OperationsPerInvocation(ITEMS)
  public void startAndFinishChildren() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    system.tell(new RunThrottle(cap, done));
    done.join();
  }

  private static Behavior<Command> driver() {
    List<Integer> items = new ArrayList<>(ITEMS);
    for (int i = 0; i < ITEMS; i++) {
      items.add(i);
    }
    return Behaviors.setup(
        context ->
            Behaviors.receive(Command.class)
                .onMessage(
                    RunThrottle.class,
                    run -> {
                      ActorRef<Command> self = context.getSelf();
                      context.spawnAnonymous(
                          Throttle.<Integer, Command>create(
                              items,
                              run.cap(),
                              (item, throttle) -> finishAtOnce(throttle),
                              self,
                              finished -> new ThrottleFinished(run.done())));
                      return Behaviors.same();
                    })
                .onMessage(
                    ThrottleFinished.class,
                    finished -> {
                      finished.done().complete(null);
                      return Behaviors.same();
                    })
                .build());
  }

  /** A child whose work is over as soon as it starts. */
  private static Behavior<Void> finishAtOnce(ActorRef<Throttle.Command> throttle) {
    return Behaviors.setup(
        context -> {
          throttle.tell(new Throttle.ChildDone(context.getSelf(), false));
          return Behaviors.empty();
        });
  }
}
