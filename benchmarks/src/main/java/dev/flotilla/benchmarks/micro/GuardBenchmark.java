package dev.flotilla.benchmarks.micro;

import dev.flotilla.engine.internal.guard.TargetGuard;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One target guard's acquire / release round trip, as an execution pays it once per action: a
 * driver actor asks for an exclusive lease, gets it, gives it back and asks again, in a plain actor
 * system (no test kit). Reported per round trip.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GuardBenchmark {

  private static final int ROUND_TRIPS = 10_000;

  /** Runs {@code count} round trips, then completes {@code done}. */
  record RoundTrips(int count, CompletableFuture<Void> done) implements Command {}

  private record Replied(TargetGuard.Reply reply) implements Command {}

  sealed interface Command {}

  private ActorSystem<Command> system;

  @Setup
  public void start() {
    system = MicroSystems.start(driver(), "guard-benchmark");
  }

  @TearDown
  public void stop() throws Exception {
    MicroSystems.stop(system);
  }

  @Benchmark
  @OperationsPerInvocation(ROUND_TRIPS)
  public void acquireRelease() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    system.tell(new RoundTrips(ROUND_TRIPS, done));
    done.join();
  }

  private static Behavior<Command> driver() {
    return Behaviors.setup(
        context -> {
          ActorRef<TargetGuard.Command> guard =
              context.spawn(TargetGuard.create("t000000"), "guard");
          ActorRef<TargetGuard.Reply> replies =
              context.messageAdapter(TargetGuard.Reply.class, Replied::new);
          TargetGuard.Holder holder = new TargetGuard.Holder("benchmark", "step-0");
          return idle(context, guard, replies, holder);
        });
  }

  private static Behavior<Command> idle(
      ActorContext<Command> context,
      ActorRef<TargetGuard.Command> guard,
      ActorRef<TargetGuard.Reply> replies,
      TargetGuard.Holder holder) {
    return Behaviors.receive(Command.class)
        .onMessage(
            RoundTrips.class,
            run -> {
              guard.tell(new TargetGuard.Acquire(TargetGuard.Mode.EXCLUSIVE, holder, replies));
              return leasing(context, guard, replies, holder, run.count(), run.done());
            })
        .build();
  }

  private static Behavior<Command> leasing(
      ActorContext<Command> context,
      ActorRef<TargetGuard.Command> guard,
      ActorRef<TargetGuard.Reply> replies,
      TargetGuard.Holder holder,
      int remaining,
      CompletableFuture<Void> done) {
    return Behaviors.receive(Command.class)
        .onMessage(
            Replied.class,
            replied -> {
              if (!(replied.reply() instanceof TargetGuard.Granted)) {
                return Behaviors.same();
              }
              guard.tell(new TargetGuard.Release(replies));
              if (remaining == 1) {
                done.complete(null);
                return idle(context, guard, replies, holder);
              }
              guard.tell(new TargetGuard.Acquire(TargetGuard.Mode.EXCLUSIVE, holder, replies));
              return leasing(context, guard, replies, holder, remaining - 1, done);
            })
        .build();
  }
}
