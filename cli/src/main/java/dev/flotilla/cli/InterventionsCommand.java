package dev.flotilla.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla interventions --server URL [ID]}: what waits for a person on a running service,
 * each with the exact command that answers it.
 */
@Command(
    name = "interventions",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the interventions waiting for a person on a running service (flotilla serve): failed"
          + " executions under guided failure and manual steps, each with its number, step, target,"
          + " attempt, reason, allowed decisions and the command that answers it.",
      "Without ID: every running deployment's. The token, if the service needs one:"
          + " FLOTILLA_TOKEN, else the token file (--token-file)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:listed (possibly none)",
      "2:invalid input, an unknown deployment, or a service that cannot be reached"
    })
final class InterventionsCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @ParentCommand private FlotillaCli parent;

  @Option(
      names = "--server",
      required = true,
      paramLabel = "URL",
      description = "The service, such as http://127.0.0.1:8080.")
  private String server;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "The file holding the node's token when FLOTILLA_TOKEN is not set. Default:"
              + " flotilla.cli.token-file, ~/.flotilla/token (or FLOTILLA_TOKEN_FILE).")
  private Path tokenFile;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "ID",
      description = "A deployment's id; default: every running deployment.")
  private String deploymentId;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      ServiceApi client = api();
      List<String> ids = new ArrayList<>();
      if (deploymentId != null) {
        ids.add(deploymentId);
      } else {
        for (JsonNode deployment : client.list()) {
          String status = deployment.path("status").asText();
          if (status.equals("RUNNING") || status.equals("QUEUED")) {
            ids.add(deployment.path("id").asText());
          }
        }
      }
      int shown = 0;
      for (String id : ids) {
        ServiceApi.Answer answer = client.interventions(id);
        if (answer.status() != 200) {
          err.println("flotilla: " + answer.error());
          return FlotillaCli.INVALID_INPUT;
        }
        for (JsonNode item : answer.body().path("interventions")) {
          if (item.path("pending").asBoolean()) {
            print(id, item, out);
            shown++;
          }
        }
      }
      if (shown == 0) {
        out.println(
            "No intervention waits"
                + (deploymentId == null ? " on " + server : " in deployment " + deploymentId));
      }
      return FlotillaCli.SUCCEEDED;
    } catch (IllegalArgumentException | ServiceApi.Failure e) {
      err.println("flotilla: " + e.getMessage());
      return FlotillaCli.INVALID_INPUT;
    }
  }

  private void print(String id, JsonNode item, PrintWriter out) {
    int number = item.path("number").asInt();
    String target = item.path("target").isNull() ? "the engine" : item.path("target").asText();
    boolean manual = item.path("kind").asText().equals("manual");
    List<String> allowed = new ArrayList<>();
    item.path("allowed").forEach(node -> allowed.add(node.asText()));
    out.printf(
        "deployment %s intervention %d: %s \"%s\" on %s, attempt %d%s: %s%n",
        id,
        number,
        manual ? "manual step" : "step",
        item.path("step").asText(),
        target,
        item.path("attempt").asInt(),
        item.hasNonNull("responsible") ? " (for " + item.path("responsible").asText() + ")" : "",
        item.path("reason").asText());
    out.printf("  allowed: %s%n", String.join(", ", allowed));
    out.printf(
        "  answer:  flotilla intervene --server %s %s %d %s [--note TEXT]%n",
        server, id, number, String.join("|", allowed));
  }

  private ServiceApi api() throws ServiceApi.Failure {
    return ServiceApi.of(
        server, ServiceApi.token(parent.environment(), tokenFile, CliEngine.config()));
  }
}
