package dev.flotilla.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code flotilla intervene --server URL ID N DECISION [--note TEXT]}: answers one intervention of
 * a deployment running on a service.
 */
@Command(
    name = "intervene",
    mixinStandardHelpOptions = true,
    description = {
      "Answers intervention N of deployment ID on a running service (flotilla serve).",
      "Guided failure: retry (run the failed execution again), ignore (count it as succeeded),"
          + " exclude (drop its target from the rest of the deployment), fail. A manual step:"
          + " proceed or abort. 'flotilla interventions --server URL' lists what waits.",
      "The token, if the service needs one: FLOTILLA_TOKEN, else the token file (--token-file)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the answer was recorded",
      "1:refused: the intervention was already answered, or the deployment is over",
      "2:invalid input: a decision the intervention does not allow, an unknown deployment or"
          + " intervention, or a service that cannot be reached"
    })
final class InterveneCommand implements Callable<Integer> {

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

  @Parameters(index = "0", paramLabel = "ID", description = "The deployment's id.")
  private String deploymentId;

  @Parameters(index = "1", paramLabel = "N", description = "The intervention's number.")
  private int number;

  @Parameters(
      index = "2",
      paramLabel = "DECISION",
      description = "retry, ignore, exclude, fail, proceed or abort.")
  private String decision;

  @Option(names = "--note", paramLabel = "TEXT", description = "Why, for the record.")
  private String note;

  @Option(
      names = "--by",
      paramLabel = "NAME",
      description = "Who answers, for the record. Default: the user running the command.")
  private String by = System.getProperty("user.name");

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      ServiceApi.Answer answer = api().answer(deploymentId, number, decision, note, by);
      if (answer.status() == 200) {
        out.println(answer.body().path("message").asText("recorded"));
        return FlotillaCli.SUCCEEDED;
      }
      err.println("flotilla: " + answer.error());
      return answer.status() == 409 ? FlotillaCli.NOT_SUCCEEDED : FlotillaCli.INVALID_INPUT;
    } catch (IllegalArgumentException | ServiceApi.Failure e) {
      err.println("flotilla: " + e.getMessage());
      return FlotillaCli.INVALID_INPUT;
    }
  }

  private ServiceApi api() throws ServiceApi.Failure {
    return ServiceApi.of(
        server, ServiceApi.token(parent.environment(), tokenFile, CliEngine.config()));
  }
}
