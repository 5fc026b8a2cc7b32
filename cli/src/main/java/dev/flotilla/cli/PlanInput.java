package dev.flotilla.cli;

import dev.flotilla.engine.plan.PlanProblem;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * What the commands that read a plan share: their {@code --set} overrides and how plan problems are
 * reported.
 */
final class PlanInput {

  private PlanInput() {}

  /**
   * Each {@code --set} is {@code key=value}; a later one wins. A malformed one is a usage error
   * (exit 2).
   */
  static Map<String, String> overrides(List<String> settings, CommandSpec spec) {
    Map<String, String> overrides = new LinkedHashMap<>();
    for (String setting : settings) {
      int equals = setting.indexOf('=');
      if (equals <= 0 || setting.substring(0, equals).isBlank()) {
        throw new ParameterException(
            spec.commandLine(), "--set needs key=value, not \"" + setting + "\"");
      }
      overrides.put(setting.substring(0, equals).trim(), setting.substring(equals + 1));
    }
    return overrides;
  }

  /**
   * Prints every problem of a plan, one per line, and says nothing was started; returns exit code
   * 2.
   */
  static int reportProblems(List<PlanProblem> problems, PrintWriter err) {
    for (PlanProblem problem : problems) {
      err.println(problem);
    }
    err.println(
        "flotilla: the plan has "
            + problems.size()
            + (problems.size() == 1 ? " problem" : " problems")
            + "; nothing was started");
    return FlotillaCli.INVALID_INPUT;
  }
}
