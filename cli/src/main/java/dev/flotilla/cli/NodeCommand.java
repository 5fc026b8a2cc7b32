package dev.flotilla.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.persistence.DurableJournal;
import dev.flotilla.persistence.JournalUnavailableException;
import dev.flotilla.server.DeploymentService;
import dev.flotilla.server.DeploymentService.Stopped;
import dev.flotilla.server.Node;
import dev.flotilla.server.NodeMode;
import dev.flotilla.server.NodeOptions;
import dev.flotilla.server.ServiceAuth;
import dev.flotilla.server.TokenFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla node}: the one way to run Flotilla as a server. Alone (no seed, cluster port or
 * journal URL) it is the single {@link DeploymentService} on its own journal; otherwise the {@link
 * NodeMode} a module on the class path provides. It runs until Ctrl-C or SIGTERM, then stops the
 * node and says what became of the deployments still running. {@code flotilla serve} is the same
 * command under its older name ({@link ServeCommand}).
 *
 * <p>Every request needs the node's token: {@code FLOTILLA_TOKEN}, or one generated at each start
 * and written to a file only its user can read (where, it says; the token itself is never printed,
 * since a server's output ends up in logs). {@code --no-auth} is accepted on a loopback address
 * only, with a warning.
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = {
      "Runs Flotilla as a server: an engine and its HTTP service (submit plans, follow their events, read their "
          + "timelines, cancel them, open their waterfall pages), listening on 127.0.0.1 unless --http-host says otherwise.",
      "Every request needs the node's token: FLOTILLA_TOKEN if set, else a new one generated at each start and "
          + "written to the token file, readable by you only (the clients of this user read it there).",
      "Without --seed, --cluster-port or --journal-url it is a single node on its own journal (--journal DIR, "
          + "or in memory); with them, a node of a cluster.",
      "Runs until Ctrl-C or SIGTERM, then stops: open event streams end, the HTTP server stops, then the engine, "
          + "and it says what became of the deployments still running."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the node ran until it was stopped (Ctrl-C or SIGTERM)",
      "1:the node could not start (port in use, journal unavailable, token file not writable)",
      "2:invalid options (such as --no-auth on an address other machines reach, or cluster options without "
          + "the cluster module)"
    })
class NodeCommand implements Callable<Integer> {

  private static final int CANNOT_START = 1;

  @ParentCommand private FlotillaCli parent;

  @Spec private CommandSpec spec;

  @Option(
      names = {"--http-port", "--port"},
      paramLabel = "N",
      defaultValue = "" + DeploymentService.DEFAULT_PORT,
      description =
          "The port of the HTTP service; 0 takes any free port. Default: ${DEFAULT-VALUE}."
              + " (--port is its older name.)")
  private int httpPort;

  @Option(
      names = "--http-host",
      paramLabel = "ADDRESS",
      defaultValue = DeploymentService.DEFAULT_HOST,
      description =
          "The address the HTTP service listens on. Default: ${DEFAULT-VALUE}, this machine only;"
              + " 0.0.0.0 listens on every address (then other machines reach it: keep the token).")
  private String httpHost;

  @Option(
      names = "--journal",
      paramLabel = "DIR",
      description =
          "Keeps deployments in a durable journal in DIR: they are listed and replayed after a restart,"
              + " and unfinished ones resume. Default: in memory, forgotten when the node stops.")
  private Path journal;

  @Option(
      names = "--time-scale",
      paramLabel = "F",
      defaultValue = "1.0",
      description = TimeScale.DESCRIPTION)
  private double timeScale;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "A HOCON file of settings (flotilla.*, pekko.*) over the defaults, such as flotilla.max-deployments"
              + " or flotilla.service.http-threads.")
  private Path configFile;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "Where a generated token is written. Default: flotilla.cli.token-file, ~/.flotilla/token"
              + " (or FLOTILLA_TOKEN_FILE). Several nodes of one user on one machine: give them one"
              + " FLOTILLA_TOKEN, or a token file each.")
  private Path tokenFile;

  @Option(
      names = "--no-auth",
      description =
          "Serves without a token: anyone who can reach the address runs plans, and so scripts, as"
              + " you. Only on a loopback address (127.0.0.1, ::1), and every local user can reach that.")
  private boolean noAuth;

  @Option(
      names = "--cluster-port",
      paramLabel = "N",
      description = "The port of the node's cluster transport (cluster mode).")
  private Integer clusterPort;

  @Option(
      names = "--seed",
      paramLabel = "HOST:PORT",
      description = "A seed node of the cluster to join (cluster mode); repeatable.")
  private List<String> seeds = new ArrayList<>();

  @Option(
      names = "--journal-url",
      paramLabel = "URL",
      description =
          "The JDBC URL of the journal the nodes share, such as jdbc:postgresql://HOST/DB (cluster mode).")
  private String journalUrl;

  /** The name the user ran this command by, for its messages: node, or serve. */
  private String name() {
    return "flotilla " + spec.name() + ": ";
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Config config = config();
    ServiceAuth auth;
    // A token this node generates, to be written to the token file; null if it has none to write.
    String generated = null;
    if (noAuth) {
      if (!loopback(httpHost)) {
        throw new ParameterException(
            spec.commandLine(),
            "--no-auth is only for a loopback address (127.0.0.1, ::1), not --http-host "
                + httpHost
                + ", which other machines can reach: drop --no-auth and give clients the token");
      }
      auth = ServiceAuth.none();
    } else {
      String given = parent.environment().get(ServiceAuth.TOKEN_VARIABLE);
      if (given == null || given.isEmpty()) {
        generated = TokenFile.generate();
        auth = ServiceAuth.token(generated);
      } else {
        try {
          auth = ServiceAuth.token(given);
        } catch (IllegalArgumentException e) {
          throw new ParameterException(
              spec.commandLine(),
              e.getMessage().replaceFirst("^the token", ServiceAuth.TOKEN_VARIABLE)
                  + "; or unset it, and the node generates one");
        }
      }
    }
    NodeOptions options;
    try {
      options =
          new NodeOptions(
              new DeploymentService.Options(
                  httpHost,
                  httpPort,
                  journal == null
                      ? null
                      : DurableJournal.levelDb(journal.toAbsolutePath().normalize()),
                  timeScale,
                  auth),
              clusterPort,
              seeds,
              journalUrl);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }

    Optional<NodeMode> mode = Optional.empty();
    if (options.clustered()) {
      mode = NodeMode.find();
      if (mode.isEmpty()) {
        err.println(
            name()
                + "--seed, --cluster-port and --journal-url run a node of a cluster, which needs the"
                + " flotilla cluster module; this build has none. Without them, the node runs alone"
                + " on its own journal (--journal DIR).");
        return FlotillaCli.INVALID_INPUT;
      }
    }

    // One pool of SSH sessions for the node's engine (the ssh and upload actions), closed after it.
    try (CliSsh ssh = CliSsh.start(config, err)) {
      Node node;
      try {
        node =
            mode.isPresent()
                ? mode.get().start(options, config, ssh::addTo)
                : DeploymentService.start(options.service(), config, ssh::addTo);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      } catch (JournalUnavailableException e) {
        err.println(name() + e.getMessage());
        return CANNOT_START;
      } catch (BindException e) {
        err.println(
            name() + "cannot listen on " + httpHost + ":" + httpPort + ": " + e.getMessage());
        return CANNOT_START;
      } catch (IOException e) {
        err.println(name() + e.getMessage());
        return CANNOT_START;
      }

      // The token file is written once the node listens: a node that cannot start leaves the token
      // of one that runs in place.
      Path written = null;
      if (generated != null) {
        written = tokenFile(config);
        try {
          TokenFile.write(written, generated);
        } catch (IOException e) {
          err.println(
              name()
                  + "cannot write the token to "
                  + written
                  + ": "
                  + e.getMessage()
                  + "; give another file with --token-file, or set "
                  + ServiceAuth.TOKEN_VARIABLE);
          node.stop();
          return CANNOT_START;
        }
      }
      printStarted(node, options, mode, written, out, err);
      return runUntilStopped(node, mode.isPresent(), out);
    }
  }

  /** The --config file over the CLI's configuration. */
  private Config config() {
    Config base = CliEngine.config();
    if (configFile == null) {
      return base;
    }
    if (!Files.isRegularFile(configFile)) {
      throw new ParameterException(
          spec.commandLine(), "--config: no file at " + configFile.toAbsolutePath().normalize());
    }
    try {
      return ConfigFactory.parseFile(configFile.toFile()).withFallback(base).resolve();
    } catch (ConfigException e) {
      throw new ParameterException(
          spec.commandLine(), "--config " + configFile + ": " + e.getMessage());
    }
  }

  private Path tokenFile(Config config) {
    Path file =
        tokenFile != null ? tokenFile : Path.of(config.getString("flotilla.cli.token-file"));
    return file.toAbsolutePath().normalize();
  }

  private boolean loopback(String host) {
    try {
      return DeploymentService.isLoopback(host);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--http-host: " + e.getMessage());
    }
  }

  private void printStarted(
      Node node,
      NodeOptions options,
      Optional<NodeMode> mode,
      Path tokenWritten,
      PrintWriter out,
      PrintWriter err) {
    String where =
        mode.map(
                m ->
                    " (" + (node.describe().isEmpty() ? m.name() + " node" : node.describe()) + ")")
            .orElse(
                options.journal() == null
                    ? " (in memory: deployments are forgotten when it stops)"
                    : " (journal: " + options.journal() + ")");
    out.println("Flotilla deployment service listening on " + node.uri() + where);
    String authorization;
    if (!options.service().auth().required()) {
      err.println(
          name()
              + "WARNING: --no-auth: every request is served without a token. Anyone who can reach "
              + node.uri()
              + " (every user of this machine) can run plans, and so scripts, as you.");
      err.flush();
      authorization = "";
    } else if (tokenWritten != null) {
      out.println(
          "Token: a new one, written to "
              + tokenWritten
              + " (readable by you only); clients of this user read it there, others need it as "
              + ServiceAuth.TOKEN_VARIABLE);
      authorization = "-H \"Authorization: Bearer $(cat " + tokenWritten + ")\" ";
    } else {
      out.println("Token: from " + ServiceAuth.TOKEN_VARIABLE);
      authorization = "-H \"Authorization: Bearer $" + ServiceAuth.TOKEN_VARIABLE + "\" ";
    }
    out.println(
        "Submit a plan: flotilla deploy samples/plans/quick-start.yaml --server "
            + node.uri()
            + "   or: curl "
            + authorization
            + "--data-binary @samples/plans/quick-start.yaml "
            + node.uri()
            + "deployments");
    if (options.service().auth().required()) {
      out.println(
          "Waterfall pages: open "
              + node.uri()
              + "deployments/ID/waterfall#token=TOKEN (the part after # stays in your browser)");
    }
    out.println("Stop it with Ctrl-C.");
    out.flush();
  }

  /** Waits on this thread until the signal's handler has stopped the node. */
  private int runUntilStopped(Node node, boolean clustered, PrintWriter out) {
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    Runnable stopOnce =
        () -> {
          if (stopping.compareAndSet(false, true)) {
            stop(node, clustered, out);
            stopped.countDown();
          }
        };
    InterruptSignal.Registration registration =
        parent
            .interrupts()
            .register(
                () -> {
                  stopOnce.run();
                  return FlotillaCli.SUCCEEDED;
                });
    try {
      stopped.await();
    } catch (InterruptedException e) {
      // A host interrupted the thread running the command: stop as for a signal.
      Thread.currentThread().interrupt();
      stopOnce.run();
    } finally {
      registration.close();
    }
    return FlotillaCli.SUCCEEDED;
  }

  /**
   * Stops the node, saying that it stops, what became of the deployments still running, and that it
   * stopped.
   */
  private void stop(Node node, boolean clustered, PrintWriter out) {
    out.println();
    out.println(
        name() + "stopping: open event streams end, the HTTP server stops, then the engine...");
    out.flush();
    Stopped report = node.stop();
    out.println(name() + (clustered ? handedOver(report) : unfinished(report, spec.name())));
    out.println(name() + "stopped");
    out.flush();
  }

  /** What became of the deployments submitted here when a node of a cluster left it. */
  static String handedOver(Stopped report) {
    int count = report.unfinished().size();
    if (count == 0) {
      return "left the cluster; no deployment submitted here was still running";
    }
    return "left the cluster; "
        + (count == 1
            ? "1 deployment submitted here was"
            : count + " deployments submitted here were")
        + " still running: "
        + report.unfinished().stream()
            .map(deployment -> deployment.id() + " (" + deployment.name() + ")")
            .collect(Collectors.joining(", "))
        + "; the cluster runs "
        + (count == 1 ? "it" : "them")
        + " on, on the nodes that remain (ask any of them)";
  }

  static String unfinished(Stopped report, String command) {
    int count = report.unfinished().size();
    if (count == 0) {
      return "no deployment was running";
    }
    String which =
        report.unfinished().stream()
            .map(
                deployment ->
                    deployment.id() + " (" + deployment.name() + ", " + deployment.status() + ")")
            .collect(Collectors.joining(", "));
    boolean one = count == 1;
    String what =
        one ? "1 deployment was still running: " : count + " deployments were still running: ";
    String fate =
        report.journal() == null
            ? "; the engine's stop cancelled "
                + (one ? "its" : "their")
                + " running actions and, in memory, "
                + (one ? "it is" : "they are")
                + " forgotten"
            : "; the engine's stop cancelled "
                + (one ? "its" : "their")
                + " running actions and the journal keeps "
                + (one ? "it: it resumes" : "them: they resume")
                + " when 'flotilla "
                + command
                + " "
                + CliEngine.option(report.journal())
                + "' starts again";
    return what + which + fate;
  }
}
