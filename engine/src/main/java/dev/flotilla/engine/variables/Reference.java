package dev.flotilla.engine.variables;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a variable name in {@code #{...}} refers to: a plan variable or a system variable, a step's
 * output, or a step's status, in Octopus's names.
 */
public sealed interface Reference {

  /** The name as written. */
  String name();

  /** A plan variable ({@code variables:}, {@code --set}) or a system variable. */
  record Plain(String name) implements Reference {}

  /**
   * {@code Octopus.Action[Step].Output.NAME}, or {@code Octopus.Action[Step].Output[TARGET].NAME}.
   *
   * @param target null when the name names none
   */
  record Output(String name, String step, String target, String output) implements Reference {}

  /** {@code Octopus.Step[Step].Status.Code}. */
  record StepStatus(String name, String step) implements Reference {}

  String DEPLOYMENT_ID = "Octopus.Deployment.Id";
  String DEPLOYMENT_NAME = "Octopus.Deployment.Name";
  String PROJECT_NAME = "Octopus.Project.Name";
  String ENVIRONMENT_NAME = "Octopus.Environment.Name";
  String STEP_NAME = "Octopus.Step.Name";
  String ACTION_NAME = "Octopus.Action.Name";
  String MACHINE_NAME = "Octopus.Machine.Name";
  String ACTION_MAX_PARALLELISM = "Octopus.Action.MaxParallelism";
  String DEPLOYMENT_ERROR = "Octopus.Deployment.Error";

  /** The system variables every execution can read (besides outputs and step statuses). */
  Set<String> SYSTEM =
      Set.of(
          DEPLOYMENT_ID,
          DEPLOYMENT_NAME,
          PROJECT_NAME,
          ENVIRONMENT_NAME,
          STEP_NAME,
          ACTION_NAME,
          MACHINE_NAME,
          ACTION_MAX_PARALLELISM,
          DEPLOYMENT_ERROR);

  /** The output names a manual step sets, as Octopus names them. */
  Set<String> MANUAL_OUTPUTS = Set.of("Manual.Approved", "Manual.Notes", "Manual.ResponsibleUser");

  Pattern OUTPUT =
      Pattern.compile(
          "Octopus\\.Action\\[([^\\]]+)\\]\\.Output(?:\\[([^\\]]+)\\])?\\.(.+)",
          Pattern.CASE_INSENSITIVE);
  Pattern STATUS =
      Pattern.compile("Octopus\\.Step\\[([^\\]]+)\\]\\.Status\\.Code", Pattern.CASE_INSENSITIVE);

  /** What {@code name} refers to. */
  static Reference parse(String name) {
    Matcher output = OUTPUT.matcher(name);
    if (output.matches()) {
      return new Output(name, output.group(1).trim(), trimmed(output.group(2)), output.group(3));
    }
    Matcher status = STATUS.matcher(name);
    if (status.matches()) {
      return new StepStatus(name, status.group(1).trim());
    }
    return new Plain(name);
  }

  /** The system variable {@code name} stands for, in its own spelling; null if none. */
  static String system(String name) {
    for (String known : SYSTEM) {
      if (known.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        return known;
      }
    }
    return null;
  }

  private static String trimmed(String text) {
    return text == null ? null : text.trim();
  }
}
