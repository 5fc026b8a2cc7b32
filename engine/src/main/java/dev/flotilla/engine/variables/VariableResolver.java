package dev.flotilla.engine.variables;

import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.ScopedValue;
import dev.flotilla.engine.model.Target;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The value of every variable one execution can read: plan variables with their scopes, system
 * variables, step statuses and outputs of steps that ran before. Names are matched ignoring case,
 * as Octopus does. Values refer to other variables ({@code #{Other}}): those are substituted too.
 */
public final class VariableResolver {

  /** The key of an execution that ran on the engine (a runOnServer or manual step) in outputs. */
  public static final String ENGINE = "";

  /** What the deployment knows when an execution reads its variables. */
  public interface Facts {

    /**
     * Each execution's outputs of a step, by target ({@link #ENGINE} for the engine), in the order
     * they were set; empty when it set none or has not run.
     */
    Map<String, Map<String, String>> outputs(int step);

    /** Octopus's status code of a step: Pending, Running, Success, Failed, Skipped, Canceled. */
    String statusCode(int step);

    /** Whether a step was skipped (its condition did not allow it). */
    boolean skipped(int step);

    /** What failed first; null while nothing has failed. */
    String error();

    /** Nothing has run yet. */
    Facts NONE =
        new Facts() {
          @Override
          public Map<String, Map<String, String>> outputs(int step) {
            return Map.of();
          }

          @Override
          public String statusCode(int step) {
            return "Pending";
          }

          @Override
          public boolean skipped(int step) {
            return false;
          }

          @Override
          public String error() {
            return null;
          }
        };
  }

  /**
   * Where the reading happens.
   *
   * @param deploymentId the deployment's id
   * @param stepName the top-level step (a rolling step for its children): Octopus.Step.Name
   * @param actionName the step that runs: Octopus.Action.Name
   * @param target the target; null on the engine
   * @param maxParallelism the step's target cap
   */
  public record Where(
      String deploymentId, String stepName, String actionName, String target, int maxParallelism) {}

  private final DeploymentPlan plan;
  private final Function<String, Integer> stepIndex;
  private final Facts facts;
  private final Where where;
  private final Consumer<String> notes;
  private final Map<String, String> planNames = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  private final Function<String, Target> targets;

  /**
   * @param stepIndex a step's layout index by its name; null for no such step
   * @param notes receives a line for the log when a read needs explaining (an output of a skipped
   *     step reads empty)
   */
  public VariableResolver(
      DeploymentPlan plan,
      Function<String, Integer> stepIndex,
      Facts facts,
      Where where,
      Consumer<String> notes) {
    this(plan, stepIndex, facts, where, notes, null);
  }

  /**
   * @param targets a target by its name (a layout's index); null to search the plan's list
   */
  public VariableResolver(
      DeploymentPlan plan,
      Function<String, Integer> stepIndex,
      Facts facts,
      Where where,
      Consumer<String> notes,
      Function<String, Target> targets) {
    this.targets =
        targets != null
            ? targets
            : name ->
                plan.targets().stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    this.plan = plan;
    this.stepIndex = stepIndex;
    this.facts = facts;
    this.where = where;
    this.notes = notes;
    for (String name : plan.variables().keySet()) {
      planNames.put(name, name);
    }
    for (String name : plan.scopedValues().keySet()) {
      planNames.putIfAbsent(name, name);
    }
  }

  /** {@code text} with every reference substituted. */
  public String substitute(String text) {
    return Substitution.substitute(text, name -> value(name, new ArrayDeque<>()));
  }

  /** Every action parameter substituted. */
  public Map<String, Object> parameters(Map<String, Object> parameters) {
    return Substitution.parameters(parameters, name -> value(name, new ArrayDeque<>()));
  }

  /**
   * The value of {@code name}, its own references substituted; empty for a name nothing set.
   *
   * @throws VariableException when it cannot be read: the targets of a step disagree on an output,
   *     or values refer to each other in a cycle
   */
  public String value(String name) {
    return value(name, new ArrayDeque<>());
  }

  private String value(String name, Deque<String> reading) {
    if (reading.stream().anyMatch(name::equalsIgnoreCase)) {
      List<String> chain = new java.util.ArrayList<>();
      reading.descendingIterator().forEachRemaining(chain::add);
      chain.add(name);
      throw new VariableException(
          "variables refer to each other in a cycle: " + String.join(" -> ", chain));
    }
    reading.push(name);
    try {
      String raw = raw(name);
      return raw == null ? "" : Substitution.substitute(raw, inner -> value(inner, reading));
    } finally {
      reading.pop();
    }
  }

  /** The value before its references are substituted; null if nothing sets it. */
  private String raw(String name) {
    Reference reference = Reference.parse(name);
    if (reference instanceof Reference.Output output) {
      return output(output);
    }
    if (reference instanceof Reference.StepStatus status) {
      Integer step = stepIndex.apply(status.step());
      return step == null ? null : facts.statusCode(step);
    }
    String planName = planNames.get(name);
    if (planName != null) {
      return planValue(planName);
    }
    String system = Reference.system(name);
    if (system == null) {
      return null;
    }
    return switch (system) {
      case Reference.DEPLOYMENT_ID -> where.deploymentId();
      case Reference.DEPLOYMENT_NAME -> plan.name();
      case Reference.PROJECT_NAME -> nullToEmpty(plan.project());
      case Reference.ENVIRONMENT_NAME -> nullToEmpty(plan.environment());
      case Reference.STEP_NAME -> where.stepName();
      case Reference.ACTION_NAME -> where.actionName();
      case Reference.MACHINE_NAME -> nullToEmpty(where.target());
      case Reference.ACTION_MAX_PARALLELISM -> String.valueOf(where.maxParallelism());
      case Reference.DEPLOYMENT_ERROR -> nullToEmpty(facts.error());
      default -> null;
    };
  }

  /** A plan variable's value where this execution runs: target scope, then role, then unscoped. */
  private String planValue(String name) {
    List<ScopedValue> scoped = plan.scopedValues().getOrDefault(name, List.of());
    if (where.target() != null && !scoped.isEmpty()) {
      for (ScopedValue value : scoped) {
        if (value.targets().contains(where.target())) {
          return value.value();
        }
      }
      Target target = targets.apply(where.target());
      if (target != null) {
        for (ScopedValue value : scoped) {
          if (target.hasAnyRole(value.roles())) {
            return value.value();
          }
        }
      }
    }
    return plan.variables().get(name);
  }

  private String output(Reference.Output output) {
    Integer step = stepIndex.apply(output.step());
    if (step == null) {
      return null;
    }
    Map<String, Map<String, String>> byTarget = facts.outputs(step);
    if (facts.skipped(step)) {
      notes.accept(
          "#{"
              + output.name()
              + "} reads empty: step \""
              + output.step()
              + "\" was skipped by its condition");
      return "";
    }
    if (output.target() != null) {
      Map<String, String> values = byTarget.get(output.target());
      return values == null ? "" : nullToEmpty(find(values, output.output()));
    }
    // On the same target, a step reads its own value (Octopus's rule for a machine).
    String here = where.target() == null ? ENGINE : where.target();
    Map<String, String> own = byTarget.get(here);
    if (own != null && find(own, output.output()) != null) {
      return find(own, output.output());
    }
    Map<String, String> set = new TreeMap<>();
    byTarget.forEach(
        (target, values) -> {
          String value = find(values, output.output());
          if (value != null) {
            set.put(target.isEmpty() ? "(engine)" : target, value);
          }
        });
    if (set.isEmpty()) {
      return "";
    }
    if (set.values().stream().distinct().count() > 1) {
      Masking masking = Masking.ofValues(plan.secrets().values());
      throw new VariableException(
          "#{"
              + output.name()
              + "} is ambiguous: the targets of step \""
              + output.step()
              + "\" set different values ("
              + set.entrySet().stream()
                  .map(e -> e.getKey() + "=" + masking.apply(e.getValue()))
                  .collect(Collectors.joining(", "))
              + "); read one target's with #{Octopus.Action["
              + output.step()
              + "].Output[TARGET]."
              + output.output()
              + "}");
    }
    return set.values().iterator().next();
  }

  private static String find(Map<String, String> values, String name) {
    String exact = values.get(name);
    if (exact != null) {
      return exact;
    }
    for (Map.Entry<String, String> entry : values.entrySet()) {
      if (entry.getKey().equalsIgnoreCase(name)) {
        return entry.getValue();
      }
    }
    return null;
  }

  private static String nullToEmpty(String text) {
    return text == null ? "" : text;
  }
}
