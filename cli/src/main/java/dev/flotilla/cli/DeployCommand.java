package dev.flotilla.cli;

import com.typesafe.config.Config;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.plan.InvalidPlanException;
import dev.flotilla.engine.plan.PlanLoader;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import dev.flotilla.server.DeploymentService;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** {@code flotilla deploy PLAN.yaml}: checks a plan, runs it to its end and reports how it went. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the deployment a plan describes, showing its progress, and prints a summary at the end.",
      "Its events are journaled (in .flotilla/journal unless --journal DIR or --in-memory), so it can be "
          + "replayed, and resumed after a crash.",
      "Ctrl-C cancels the deployment (running actions are cancelled, pending ones skipped) and still reports it.",
      "With --server URL the plan runs on that node (flotilla node) instead, shown and summarized the same way; "
          + "there Ctrl-C detaches (the deployment keeps running on the node) unless --cancel-on-interrupt.",
      "A plan with guided failure or a manual step runs only in a terminal, where it prompts for the answers."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the deployment succeeded",
      "1:the deployment failed or was cancelled (with --server: or you detached, or the connection was lost, "
          + "before it ended)",
      "2:invalid input (options, plan file, plan problems), a journal that cannot be used, or a plan that"
          + " needs a person to answer outside a terminal; with --server, a node that cannot be reached or"
          + " refuses the token: nothing was started"
    })
final class DeployCommand implements Callable<Integer> {

  @ParentCommand private FlotillaCli parent;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PLAN.yaml", description = "The plan to deploy.")
  private Path planFile;

  @Option(
      names = "--time-scale",
      paramLabel = "F",
      defaultValue = "1.0",
      description = TimeScale.DESCRIPTION)
  private double timeScale;

  @Option(
      names = "--set",
      paramLabel = "key=value",
      description =
          "Sets a plan variable, replacing the plan's value; repeatable. "
              + "Aliases such as Octopus.Action.MaxParallelism apply as if written in the plan.")
  private List<String> variables = new ArrayList<>();

  @Option(
      names = "--timeline-json",
      paramLabel = "FILE",
      description = "Writes the deployment's timeline as JSON when it ends, however it ends.")
  private Path timelineJson;

  @Option(
      names = "--server",
      paramLabel = "URL",
      description =
          "Runs the plan on the node at URL (such as http://127.0.0.1:8080) instead of an engine of this"
              + " process, following it live. The token: FLOTILLA_TOKEN, else the token file.")
  private String server;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "With --server: the file holding the node's token when FLOTILLA_TOKEN is not set. Default:"
              + " flotilla.cli.token-file, ~/.flotilla/token (or FLOTILLA_TOKEN_FILE).")
  private Path tokenFile;

  @Option(
      names = "--cancel-on-interrupt",
      description =
          "With --server: Ctrl-C cancels the deployment on the node, as a local deploy does, instead of"
              + " detaching from it.")
  private boolean cancelOnInterrupt;

  @ArgGroup(
      exclusive = true,
      multiplicity = "0..1",
      heading = "%nWhere the deployment's events are kept:%n")
  private Storage storage = new Storage();

  /** Mutually exclusive ways to keep a deployment's events. */
  static final class Storage {
    @Option(
        names = "--journal",
        paramLabel = "DIR",
        description =
            "In the journal in DIR, from which 'flotilla replay' rebuilds the deployment and "
                + "'flotilla resume' finishes it after a crash. Default: .flotilla/journal in the working directory.")
    private Path journal;

    @Option(
        names = "--journal-url",
        paramLabel = "URL",
        description = JournalOption.URL_DESCRIPTION)
    private String journalUrl;

    @Option(names = "--in-memory", description = "In memory only: nothing survives the process.")
    private boolean inMemory;
  }

  @Override
  public Integer call() {
    Map<String, String> overrides = PlanInput.overrides(variables, spec);
    double scale = TimeScale.check(timeScale, spec);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(planFile)) {
      err.println("flotilla: no plan file at " + planFile.toAbsolutePath().normalize());
      return FlotillaCli.INVALID_INPUT;
    }
    if (server != null) {
      return deployOnServer(overrides, out, err);
    }
    if (tokenFile != null || cancelOnInterrupt) {
      throw new ParameterException(
          spec.commandLine(), "--token-file and --cancel-on-interrupt go with --server URL");
    }

    Config config = CliEngine.config();
    // One pool of SSH sessions for the engine, closed after it (the engine closes in deploy).
    try (CliSsh ssh = CliSsh.start(config, err)) {
      return deploy(config, ssh.addTo(ActionTypes.builtIn(scale)), overrides, scale, out, err);
    }
  }

  private int deploy(
      Config config,
      ActionTypes actionTypes,
      Map<String, String> overrides,
      double scale,
      PrintWriter out,
      PrintWriter err) {
    DeploymentPlan plan;
    try {
      plan = new PlanLoader(actionTypes).load(planFile, overrides);
    } catch (InvalidPlanException e) {
      return PlanInput.reportProblems(e.problems(), err);
    } catch (UncheckedIOException e) {
      err.println("flotilla: cannot read " + planFile + ": " + e.getCause().getMessage());
      return FlotillaCli.INVALID_INPUT;
    }
    CliSsh.warnAcceptNew(plan, err);

    boolean interactive = System.console() != null;
    if (plan.needsOperator() && !interactive) {
      err.println(operatorNeeded(plan));
      return FlotillaCli.INVALID_INPUT;
    }

    EngineSettings settings = EngineSettings.fromConfig(config).withActionTypes(actionTypes);
    DurableJournal journal =
        storage.inMemory
            ? null
            : CliEngine.journal(storage.journal, storage.journalUrl, config, spec);
    Flotilla engine;
    try {
      engine =
          journal == null
              ? CliEngine.inMemory(settings, config)
              : CliEngine.durable(journal, settings, config);
    } catch (JournalUnavailableException e) {
      return CliEngine.unavailable(
          e,
          "nothing was started",
          "deploy with another journal (--journal DIR) or none (--in-memory)",
          err);
    }
    // The run closes the engine once it has reported; this covers the ways out before it starts.
    try (engine) {
      CliSettings cli = CliSettings.fromConfig(config);
      PlanLayout layout = PlanLayout.of(plan);
      ProgressPrinter progress = new ProgressPrinter(layout, cli, out);
      if (plan.needsOperator()) {
        progress.answerWith(InterventionPrompt::hint);
      }
      DeploymentHandle handle;
      try {
        handle = engine.submit(plan, progress);
      } catch (InvalidPlanException e) {
        e.problems().forEach(err::println);
        return FlotillaCli.INVALID_INPUT;
      }
      printHeader(plan, layout, handle.deploymentId(), scale, out);
      printJournal(journal, handle.deploymentId(), out);
      if (plan.needsOperator()) {
        out.println(
            "Interventions: answer here, typing [N] DECISION [note] and Enter when one waits");
        new InterventionPrompt(
                handle,
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
                progress::say,
                System.getProperty("user.name"))
            .start();
      }
      return new DeploymentRun(engine, cli, out, err, InterruptSignal.CTRL_C_REASON)
          .watch(
              List.of(new DeploymentRun.Watched(handle, progress, timelineJson)),
              parent.interrupts());
    }
  }

  /**
   * {@code --server}: submits the plan to the node and follows it through its event stream with the
   * same progress, summary and exit codes as a local run.
   */
  private int deployOnServer(Map<String, String> overrides, PrintWriter out, PrintWriter err) {
    ParseResult parsed = spec.commandLine().getParseResult();
    for (String local : List.of("--journal", "--in-memory", "--time-scale")) {
      if (parsed.hasMatchedOption(local)) {
        throw new ParameterException(
            spec.commandLine(),
            local
                + " is for a deployment run here; with --server the node's own settings apply"
                + " (flotilla node --journal DIR, --time-scale F)");
      }
    }
    Config config = CliEngine.config();
    String yaml;
    try {
      yaml = Files.readString(planFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      err.println("flotilla: cannot read " + planFile + ": " + e.getMessage());
      return FlotillaCli.INVALID_INPUT;
    }
    ServiceApi api;
    String id;
    try {
      api = ServiceApi.of(server, ServiceApi.token(parent.environment(), tokenFile, config));
      id = api.submit(yaml, overrides);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    } catch (ServiceApi.PlanRejected e) {
      // As a local deploy prints them: each problem under the file's name, then how many and that
      // nothing started.
      String source = DeploymentService.PLAN_SOURCE + ":";
      e.problems()
          .forEach(
              problem ->
                  err.println(
                      problem.startsWith(source)
                          ? planFile + problem.substring(source.length() - 1)
                          : problem));
      err.println("flotilla: " + e.getMessage());
      return FlotillaCli.INVALID_INPUT;
    } catch (ServiceApi.Failure e) {
      err.println("flotilla: " + e.getMessage());
      err.println("flotilla: nothing was started");
      return FlotillaCli.INVALID_INPUT;
    }

    RemoteDeployment remote;
    try {
      remote = RemoteDeployment.open(api, id);
    } catch (ServiceApi.Failure e) {
      err.println("flotilla: " + e.getMessage());
      err.println("flotilla: deployment " + id + " was submitted and runs on " + api.root());
      return FlotillaCli.NOT_SUCCEEDED;
    }
    CliSettings cli = CliSettings.fromConfig(config);
    PlanLayout layout = PlanLayout.of(remote.plan());
    ProgressPrinter progress = new ProgressPrinter(layout, cli, out);
    printHeader(remote.plan(), layout, id, 1.0, out);
    out.println(
        "Node: "
            + api.root()
            + " (waterfall: "
            + api.waterfall(id)
            + "#token=TOKEN; Ctrl-C "
            + (cancelOnInterrupt
                ? "cancels the deployment)"
                : "detaches, the deployment keeps running there)"));
    remote.follow(progress);
    int exitCode =
        new DeploymentRun(
                remote::close,
                cancelOnInterrupt ? null : handle -> remote.detach(),
                cli,
                out,
                err,
                InterruptSignal.CTRL_C_REASON)
            .watch(
                List.of(new DeploymentRun.Watched(remote, progress, timelineJson)),
                parent.interrupts());
    if (remote.detached()) {
      err.println(
          "flotilla: deployment "
              + id
              + " keeps running on "
              + api.root()
              + "; its waterfall: "
              + api.waterfall(id)
              + "#token=TOKEN; to cancel it: curl -X POST -H \"Authorization: Bearer TOKEN\" "
              + api.root()
              + "deployments/"
              + id
              + "/cancel");
    } else if (remote.lost() != null) {
      err.println("flotilla: " + remote.lost());
      err.println("flotilla: deployment " + id + " may still be running on " + api.root());
    }
    return exitCode;
  }

  /**
   * Why a plan that may wait for a person cannot run here: nobody can answer a deploy that is not
   * interactive, and its journal is locked by this process, so no other one can either.
   */
  static String operatorNeeded(DeploymentPlan plan) {
    List<String> why = new ArrayList<>();
    if (plan.guidedFailure()) {
      why.add("it uses guided failure (a failure waits for a person's decision)");
    }
    List<String> manual =
        plan.steps().stream()
            .filter(Step::isManual)
            .map(step -> "\"" + step.name() + "\"")
            .toList();
    if (!manual.isEmpty()) {
      why.add(
          "it has manual " + (manual.size() == 1 ? "step " : "steps ") + String.join(", ", manual));
    }
    return "flotilla: plan \""
        + plan.name()
        + "\" may wait for a person: "
        + String.join(", and ", why)
        + ". This deploy is not interactive (stdin or stdout is not a terminal), and no other"
        + " process can answer through the journal it locks, so nobody could answer: nothing was"
        + " started. Run it in a terminal (it prompts), or on a service (flotilla serve) and answer"
        + " with 'flotilla intervene --server URL ID N DECISION'"
        + (plan.guidedFailure()
            ? "; or turn guided failure off: --set Octopus.UseGuidedFailure=false"
            : "");
  }

  private static void printHeader(
      DeploymentPlan plan,
      PlanLayout layout,
      String deploymentId,
      double timeScale,
      PrintWriter out) {
    long targets =
        layout.steps().stream().flatMap(step -> step.targets().stream()).distinct().count();
    String scale = timeScale == 1.0 ? "" : ", simulated time x" + timeScale;
    out.printf(
        "Deploying %s (deployment %s): %d %s, %d %s in %d %s, maxParallelism %d, %s target isolation%s%n",
        plan.name(),
        deploymentId,
        targets,
        targets == 1 ? "target" : "targets",
        plan.steps().size(),
        plan.steps().size() == 1 ? "step" : "steps",
        layout.blocks().size(),
        layout.blocks().size() == 1 ? "block" : "blocks",
        plan.maxParallelism(),
        plan.targetIsolation().wireName(),
        scale);
  }

  /** Where the events go, and the command that reads them back. */
  private void printJournal(DurableJournal journal, String deploymentId, PrintWriter out) {
    if (journal == null) {
      out.println("Journal: none (--in-memory): nothing of this deployment survives the process");
      return;
    }
    String option =
        storage.journal == null && storage.journalUrl == null
            ? ""
            : " " + CliEngine.option(journal);
    out.println(
        "Journal: "
            + journal.describe()
            + " (replay it with: flotilla replay "
            + deploymentId
            + option
            + ")");
  }
}
