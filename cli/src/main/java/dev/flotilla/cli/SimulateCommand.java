package dev.flotilla.cli;

import com.typesafe.config.Config;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Durations;
import dev.flotilla.engine.plan.InvalidPlanException;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.engine.timeline.LowerBound;
import dev.flotilla.engine.timeline.Timeline;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla simulate PLAN.yaml --sweep maxParallelism=1,2,5,10}: a what-if sweep. The plan is
 * rehearsed in memory with every action simulated ({@link SimulatedPlan}), once (or {@code --runs}
 * times) per value of one cap, one deployment after another on one engine; the report puts each
 * value's makespan next to its lower bound ({@link LowerBound}), so it shows both what a bigger cap
 * buys and how close the engine's schedule comes to the best possible.
 *
 * <p>Times are shown in plan time (measured time divided by {@code --time-scale}), so a sweep run
 * faster reads like the plan it rehearses.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Rehearses a plan in memory with every action simulated, once per value of a cap, and reports "
          + "each value's makespan against its lower bound.",
      "Script actions run as their estimate: (or --script-default); nothing touches any machine."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every run finished, whatever its simulated outcome",
      "1:the sweep was interrupted (Ctrl-C) or the engine failed",
      "2:invalid input (options, sweep, plan file, plan problems): nothing was started"
    })
final class SimulateCommand implements Callable<Integer> {

  private static final String CTRL_C_REASON = "interrupted (Ctrl-C)";

  /** Steps named one by one in the header; the rest are counted. */
  private static final int STEPS_NAMED = 5;

  /** After Ctrl-C, the most the signal waits for the sweep to cancel its run and report. */
  private static final long INTERRUPT_WAIT_SECONDS = 30;

  @ParentCommand private FlotillaCli parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PLAN.yaml", description = "The plan to rehearse.")
  private Path planFile;

  @Option(
      names = "--sweep",
      required = true,
      paramLabel = "KEY=V1,V2,...",
      description =
          "The cap to vary and its values, each at least 1: maxParallelism (the deployment's cap), "
              + "step:NAME.maxParallelism (a step's target cap) or step:NAME.windowSize (a rolling step's window).")
  private String sweepText;

  @Option(
      names = "--runs",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Runs per value; the report shows their medians. Run k uses seed (plan seed + k - 1), "
              + "the same for every value. Default: ${DEFAULT-VALUE}.")
  private int runs;

  @Option(
      names = "--time-scale",
      paramLabel = "F",
      defaultValue = "1.0",
      description =
          "Multiplies every simulated duration: 0.1 runs the sweep ten times faster. "
              + "Times are reported in plan time either way. Default: ${DEFAULT-VALUE}.")
  private double timeScale;

  @Option(
      names = "--script-default",
      paramLabel = "DURATION",
      defaultValue = "1s",
      description =
          "How long a script (or any action that is not simulate) without an estimate: "
              + "is simulated for. Default: ${DEFAULT-VALUE}.")
  private String scriptDefault;

  @Option(
      names = "--set",
      paramLabel = "key=value",
      description =
          "Sets a plan setting or variable, as deploy --set does; the swept cap wins over it.")
  private List<String> variables = new ArrayList<>();

  private final Object lock = new Object();

  /** Guarded by {@link #lock}: the run going on, and whether Ctrl-C stopped the sweep. */
  private DeploymentHandle current;

  private boolean interrupted;

  /** Released once the sweep has reported and closed its engine. */
  private final CountDownLatch over = new CountDownLatch(1);

  private volatile int exitCode = FlotillaCli.NOT_SUCCEEDED;

  @Override
  public Integer call() {
    Map<String, String> overrides = PlanInput.overrides(variables, spec);
    if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
      throw usage("--time-scale must be a number greater than 0, not " + timeScale);
    }
    if (runs < 1) {
      throw usage("--runs must be at least 1, not " + runs);
    }
    Duration withoutEstimate;
    try {
      withoutEstimate = Durations.parse(scriptDefault);
    } catch (IllegalArgumentException e) {
      throw usage("--script-default: " + e.getMessage());
    }
    Sweep sweep;
    try {
      sweep = Sweep.parse(sweepText);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(planFile)) {
      err.println("flotilla: no plan file at " + planFile.toAbsolutePath().normalize());
      return FlotillaCli.INVALID_INPUT;
    }

    // ssh and upload steps are checked, then rehearsed as simulate like any other action.
    ActionTypes actionTypes = CliSsh.rehearsal(ActionTypes.builtIn(timeScale));
    DeploymentPlan plan;
    SimulatedPlan simulated;
    Map<Integer, DeploymentPlan> plans = new LinkedHashMap<>();
    try {
      plan = new PlanLoader(actionTypes).load(planFile, overrides);
      sweep.check(plan);
      simulated = SimulatedPlan.of(plan, withoutEstimate);
      for (int value : sweep.values()) {
        DeploymentPlan swept = sweep.apply(simulated.plan(), value);
        PlanLoader.validate(swept, actionTypes);
        plans.put(value, swept);
      }
    } catch (InvalidPlanException e) {
      return PlanInput.reportProblems(e.problems(), err);
    } catch (UncheckedIOException e) {
      err.println("flotilla: cannot read " + planFile + ": " + e.getCause().getMessage());
      return FlotillaCli.INVALID_INPUT;
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }

    printHeader(plan, sweep, simulated, withoutEstimate, out);
    Config config = CliEngine.config();
    EngineSettings settings = EngineSettings.fromConfig(config).withActionTypes(actionTypes);
    return sweep(sweep, plans, settings, config, out, err);
  }

  /**
   * Runs every value's runs one after another, then reports; Ctrl-C stops it and reports what ran.
   */
  private int sweep(
      Sweep sweep,
      Map<Integer, DeploymentPlan> plans,
      EngineSettings settings,
      Config config,
      PrintWriter out,
      PrintWriter err) {
    // Logging starts here, on one thread, before the actor system's threads race to start it.
    LoggerFactory.getILoggerFactory();
    Flotilla engine = Flotilla.start(settings, config);
    InterruptSignal.Registration registration = parent.interrupts().register(this::onInterrupt);
    try {
      Map<Integer, List<SweepReport.Run>> results = new LinkedHashMap<>();
      int labelWidth =
          plans.keySet().stream().mapToInt(v -> label(sweep, v).length()).max().orElse(0);
      int finished = 0;
      sweeping:
      for (var entry : plans.entrySet()) {
        for (int run = 1; run <= runs; run++) {
          DeploymentPlan seeded = entry.getValue().withSeed(entry.getValue().seed() + run - 1);
          DeploymentHandle handle;
          synchronized (lock) {
            if (interrupted) {
              break sweeping;
            }
            handle = engine.submit(seeded);
            current = handle;
          }
          DeploymentResult result = handle.result().toCompletableFuture().join();
          synchronized (lock) {
            current = null;
            if (interrupted) {
              // The run Ctrl-C cancelled says nothing about the cap: it is left out.
              break sweeping;
            }
          }
          SweepReport.Run measured = measure(result.timeline());
          results.computeIfAbsent(entry.getKey(), v -> new ArrayList<>()).add(measured);
          finished++;
          out.printf(
              Locale.ROOT,
              "  %-" + labelWidth + "s  run %d/%d  %-9s  makespan %-7s  bound %s%n",
              label(sweep, entry.getKey()),
              run,
              runs,
              measured.status(),
              SweepReport.duration(measured.makespanMs()),
              SweepReport.duration(measured.boundMs()));
          out.flush();
        }
      }
      SweepReport.print(sweep.key(), SweepReport.rows(sweep.values(), results), runs, out);
      synchronized (lock) {
        if (interrupted) {
          err.printf(
              "flotilla: %s: the sweep stopped after %d of %d runs%n",
              CTRL_C_REASON, finished, plans.size() * runs);
          return exitCode = FlotillaCli.NOT_SUCCEEDED;
        }
      }
      return exitCode = FlotillaCli.SUCCEEDED;
    } catch (InvalidPlanException e) {
      throw new IllegalStateException(
          "a plan checked before the sweep was refused by the engine", e);
    } finally {
      out.flush();
      err.flush();
      engine.close();
      over.countDown();
      registration.close();
    }
  }

  /** A run's times in plan time: what the engine measured, over the time scale. */
  private SweepReport.Run measure(Timeline timeline) {
    Double makespan = timeline.makespanMs();
    return new SweepReport.Run(
        timeline.status(),
        (makespan == null ? 0 : makespan) / timeScale,
        LowerBound.of(timeline) / timeScale);
  }

  /** On the signal's thread: cancel the run going on and let the main thread report what ran. */
  private int onInterrupt() {
    synchronized (lock) {
      interrupted = true;
      if (current != null) {
        current.cancel(CTRL_C_REASON);
      }
    }
    try {
      over.await(INTERRUPT_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return exitCode;
  }

  private void printHeader(
      DeploymentPlan plan,
      Sweep sweep,
      SimulatedPlan simulated,
      Duration withoutEstimate,
      PrintWriter out) {
    String values = sweep.values().stream().map(String::valueOf).collect(Collectors.joining(", "));
    String scale =
        timeScale == 1.0
            ? ""
            : ", simulated time x"
                + timeScale
                + " (times below are plan time: measured / "
                + timeScale
                + ")";
    out.printf(
        "Simulating %s with %s = %s: %d %s per value, in memory%s%n",
        plan.name(), sweep.key(), values, runs, runs == 1 ? "run" : "runs", scale);
    Map<String, List<SimulatedPlan.Conversion>> estimated = new LinkedHashMap<>();
    Map<String, List<SimulatedPlan.Conversion>> defaulted = new LinkedHashMap<>();
    for (SimulatedPlan.Conversion conversion : simulated.conversions()) {
      (conversion.estimated() ? estimated : defaulted)
          .computeIfAbsent(conversion.type(), t -> new ArrayList<>())
          .add(conversion);
    }
    estimated.forEach(
        (type, steps) ->
            out.printf(
                "%s steps with an estimate are simulated as their estimate: %s%n",
                type, named(steps, true)));
    defaulted.forEach(
        (type, steps) ->
            out.printf(
                "%s steps without an estimate are simulated as %s " + "(--script-default): %s%n",
                type, Durations.format(withoutEstimate), named(steps, false)));
    if (runs > 1) {
      out.printf("Run k uses seed %d + k - 1, the same seeds for every value.%n", plan.seed());
    }
    out.flush();
  }

  private static String named(List<SimulatedPlan.Conversion> steps, boolean withDuration) {
    String names =
        steps.stream()
            .limit(STEPS_NAMED)
            .map(
                c ->
                    "\""
                        + c.step()
                        + "\""
                        + (withDuration ? " " + Durations.format(c.duration()) : ""))
            .collect(Collectors.joining(", "));
    return steps.size() > STEPS_NAMED
        ? names + " and " + (steps.size() - STEPS_NAMED) + " more"
        : names;
  }

  private static String label(Sweep sweep, int value) {
    return sweep.key() + "=" + value;
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
