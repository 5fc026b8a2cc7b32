package dev.flotilla.engine.plan;

import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.model.DeploymentPlan;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads deployment plans from YAML and checks them before anything runs. Every problem of a plan is
 * reported at once, each with its line, so a user fixes a plan in one pass. A YAML syntax error
 * stops the reading: it is then the only problem, with its line, its column and the slip that
 * probably caused it (indentation, a tab, an unclosed quote or bracket, a missing colon).
 *
 * <p>Overrides (the CLI's {@code --set key=value}) are applied to the plan as written, before its
 * aliases are resolved: {@code maxParallelism} and {@code targetIsolation} replace those settings,
 * any other key sets a variable. Then the variable {@value #MAX_PARALLELISM_VARIABLE} sets the
 * deployment's cap (winning over {@code maxParallelism}), and a truthy {@value
 * #BYPASS_MUTEX_VARIABLE} makes target isolation shared, and {@value #GUIDED_FAILURE_VARIABLE}
 * turns guided failure on or off (winning over {@code guidedFailure}). The plan returned holds the
 * effective values. Thread-safe.
 */
public final class PlanLoader {

  /** A variable that sets the deployment's cap, winning over the plan's {@code maxParallelism}. */
  public static final String MAX_PARALLELISM_VARIABLE = "Octopus.Action.MaxParallelism";

  /** A variable that, when truthy ({@code True}, yes, on, 1), makes target isolation shared. */
  public static final String BYPASS_MUTEX_VARIABLE = "OctopusBypassDeploymentMutex";

  /**
   * A variable that, when set, turns guided failure on (truthy) or off (anything else), winning
   * over the plan's {@code guidedFailure}.
   */
  public static final String GUIDED_FAILURE_VARIABLE = "Octopus.UseGuidedFailure";

  private final ActionTypes actionTypes;

  /** A loader that accepts the actions of {@code actionTypes} and checks their parameters. */
  public PlanLoader(ActionTypes actionTypes) {
    this.actionTypes = Objects.requireNonNull(actionTypes, "actionTypes");
  }

  /**
   * Reads and checks the plan in {@code file} (UTF-8); problems name the file as given.
   *
   * @param overrides settings and variables that replace the plan's own; may be empty
   * @throws InvalidPlanException listing every problem, including a file that cannot be read
   */
  public DeploymentPlan load(Path file, Map<String, String> overrides) throws InvalidPlanException {
    String yaml;
    try {
      yaml = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw single(file.toString(), null, "no such file");
    } catch (CharacterCodingException e) {
      throw single(file.toString(), null, "is not UTF-8 text");
    } catch (IOException e) {
      throw single(file.toString(), null, "cannot be read: " + e.getMessage());
    }
    return parse(yaml, file.toString(), overrides);
  }

  /**
   * Reads and checks a plan from YAML text.
   *
   * @param sourceName names the plan in problems, as a file name would; may be null
   * @param overrides settings and variables that replace the plan's own; may be empty
   * @throws InvalidPlanException listing every problem
   */
  public DeploymentPlan parse(String yaml, String sourceName, Map<String, String> overrides)
      throws InvalidPlanException {
    Node root;
    try {
      root = new Yaml(new LoaderOptions()).compose(new StringReader(yaml));
    } catch (MarkedYAMLException e) {
      throw new InvalidPlanException(List.of(YamlSyntax.problem(sourceName, yaml, e)));
    } catch (YAMLException e) {
      throw single(sourceName, null, YamlSyntax.PREFIX + e.getMessage());
    }
    Problems problems = new Problems(sourceName);
    PlanSource source = new PlanSource();
    DeploymentPlan plan =
        new PlanReader(problems, source).read(root, overrides == null ? Map.of() : overrides);
    if (plan != null) {
      PlanChecks.check(plan, actionTypes, source, problems);
    }
    problems.throwIfAny();
    return plan;
  }

  /**
   * Checks a plan built in Java by the same rules as a loaded one (without lines): names, roles
   * every step can reach, a first step that does not start withPrevious, rolling steps and their
   * children, caps, timeouts and each action's parameters. Aliases are not applied here; only a
   * malformed {@value #MAX_PARALLELISM_VARIABLE} is reported.
   *
   * @throws InvalidPlanException listing every problem
   */
  public static void validate(DeploymentPlan plan, ActionTypes types) throws InvalidPlanException {
    Problems problems = new Problems(null);
    PlanChecks.check(plan, types, new PlanSource(), problems);
    problems.throwIfAny();
  }

  private static InvalidPlanException single(String source, Integer line, String message) {
    return new InvalidPlanException(List.of(new PlanProblem(source, line, null, null, message)));
  }
}
