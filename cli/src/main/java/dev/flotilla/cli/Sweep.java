package dev.flotilla.cli;

import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.plan.PlanLoader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a what-if sweep varies, from {@code --sweep KEY=V1,V2,...}: one cap of a plan and the values
 * it takes, in the order given.
 *
 * <ul>
 *   <li>{@code maxParallelism}: the deployment's cap, set as {@code --set maxParallelism=V} would
 *       and, when the plan has the variable {@value PlanLoader#MAX_PARALLELISM_VARIABLE} (which
 *       wins over the key), that variable too, so the value swept is the cap that runs;
 *   <li>{@code step:NAME.maxParallelism}: a plain step's target cap;
 *   <li>{@code step:NAME.windowSize}: a rolling step's window.
 * </ul>
 *
 * @param knob which cap
 * @param step the step a step-level knob names; null for the deployment's cap
 * @param values every value, each at least 1
 */
record Sweep(Knob knob, String step, List<Integer> values) {

  /** The caps a sweep can vary. */
  enum Knob {
    DEPLOYMENT_CAP,
    STEP_CAP,
    WINDOW
  }

  private static final String DEPLOYMENT_KEY = "maxParallelism";
  private static final String STEP_PREFIX = "step:";
  private static final String STEP_CAP_SUFFIX = ".maxParallelism";
  private static final String WINDOW_SUFFIX = ".windowSize";
  private static final String KNOWN_KEYS =
      DEPLOYMENT_KEY
          + ", "
          + STEP_PREFIX
          + "NAME"
          + STEP_CAP_SUFFIX
          + ", "
          + STEP_PREFIX
          + "NAME"
          + WINDOW_SUFFIX;
  private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

  Sweep {
    values = List.copyOf(values);
  }

  /**
   * Reads {@code KEY=V1,V2,...}.
   *
   * @throws IllegalArgumentException naming the part that is wrong: the syntax, the key or a value
   */
  static Sweep parse(String text) {
    int equals = text.lastIndexOf('=');
    if (equals < 0) {
      throw new IllegalArgumentException(
          "--sweep needs KEY=V1,V2,... such as maxParallelism=1,2,5,10, not \"" + text + "\"");
    }
    String key = text.substring(0, equals).trim();
    Knob knob;
    String step = null;
    if (key.equals(DEPLOYMENT_KEY)) {
      knob = Knob.DEPLOYMENT_CAP;
    } else if (key.startsWith(STEP_PREFIX) && key.endsWith(STEP_CAP_SUFFIX)) {
      knob = Knob.STEP_CAP;
      step = key.substring(STEP_PREFIX.length(), key.length() - STEP_CAP_SUFFIX.length()).trim();
    } else if (key.startsWith(STEP_PREFIX) && key.endsWith(WINDOW_SUFFIX)) {
      knob = Knob.WINDOW;
      step = key.substring(STEP_PREFIX.length(), key.length() - WINDOW_SUFFIX.length()).trim();
    } else {
      throw new IllegalArgumentException(
          "--sweep " + text + ": unknown key \"" + key + "\" (known: " + KNOWN_KEYS + ")");
    }
    if (step != null && step.isEmpty()) {
      throw new IllegalArgumentException(
          "--sweep "
              + text
              + ": name the step, as in "
              + STEP_PREFIX
              + "Deploy web"
              + (knob == Knob.WINDOW ? WINDOW_SUFFIX : STEP_CAP_SUFFIX));
    }
    List<Integer> values = new ArrayList<>();
    for (String item : text.substring(equals + 1).split(",", -1)) {
      String value = item.trim();
      if (!INTEGER.matcher(value).matches()) {
        throw new IllegalArgumentException(
            "--sweep " + text + ": \"" + value + "\" is not a whole number");
      }
      int number;
      try {
        number = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--sweep " + text + ": " + value + " is too large");
      }
      if (number < 1) {
        throw new IllegalArgumentException(
            "--sweep " + text + ": " + value + " is below 1 (a cap is at least 1)");
      }
      if (values.contains(number)) {
        throw new IllegalArgumentException("--sweep " + text + ": " + number + " is listed twice");
      }
      values.add(number);
    }
    return new Sweep(knob, step, values);
  }

  /** The key as the user writes it, which also heads the sweep's table. */
  String key() {
    return switch (knob) {
      case DEPLOYMENT_CAP -> DEPLOYMENT_KEY;
      case STEP_CAP -> STEP_PREFIX + step + STEP_CAP_SUFFIX;
      case WINDOW -> STEP_PREFIX + step + WINDOW_SUFFIX;
    };
  }

  /**
   * Checks that a step-level knob names a step that has that cap.
   *
   * @throws IllegalArgumentException saying which step to name instead
   */
  void check(DeploymentPlan plan) {
    if (knob == Knob.DEPLOYMENT_CAP) {
      return;
    }
    Map<String, Step> topLevel = new LinkedHashMap<>();
    plan.steps().forEach(s -> topLevel.put(s.name(), s));
    Step found = topLevel.get(step);
    if (found == null) {
      for (Step parent : plan.steps()) {
        if (parent.children().stream().anyMatch(child -> child.name().equals(step))) {
          throw new IllegalArgumentException(
              "--sweep "
                  + key()
                  + ": \""
                  + step
                  + "\" runs inside rolling step \""
                  + parent.name()
                  + "\", whose window is its cap: sweep "
                  + STEP_PREFIX
                  + parent.name()
                  + WINDOW_SUFFIX);
        }
      }
      throw new IllegalArgumentException(
          "--sweep "
              + key()
              + ": the plan has no step \""
              + step
              + "\" (steps: "
              + String.join(", ", topLevel.keySet())
              + ")");
    }
    if (knob == Knob.STEP_CAP && found.isRolling()) {
      throw new IllegalArgumentException(
          "--sweep "
              + key()
              + ": \""
              + step
              + "\" is a rolling step, whose window is its cap: sweep "
              + STEP_PREFIX
              + step
              + WINDOW_SUFFIX);
    }
    if (knob == Knob.STEP_CAP && found.runOnServer()) {
      throw new IllegalArgumentException(
          "--sweep " + key() + ": \"" + step + "\" runs once on the engine and has no target cap");
    }
    if (knob == Knob.WINDOW && !found.isRolling()) {
      throw new IllegalArgumentException(
          "--sweep "
              + key()
              + ": \""
              + step
              + "\" is not a rolling step: sweep "
              + STEP_PREFIX
              + step
              + STEP_CAP_SUFFIX);
    }
  }

  /** The plan with this sweep's cap at {@code value}; the plan must have passed {@link #check}. */
  DeploymentPlan apply(DeploymentPlan plan, int value) {
    if (knob == Knob.DEPLOYMENT_CAP) {
      DeploymentPlan capped = plan.withMaxParallelism(value);
      String alias = PlanLoader.MAX_PARALLELISM_VARIABLE;
      if (!plan.variables().containsKey(alias)) {
        return capped;
      }
      Map<String, String> variables = new LinkedHashMap<>(plan.variables());
      variables.put(alias, Integer.toString(value));
      return capped.withVariables(variables);
    }
    List<Step> steps = new ArrayList<>();
    for (Step s : plan.steps()) {
      if (!s.name().equals(step)) {
        steps.add(s);
      } else if (knob == Knob.STEP_CAP) {
        steps.add(s.withMaxParallelism(value));
      } else {
        steps.add(
            new Step(
                s.name(),
                s.roles(),
                s.startTrigger(),
                s.condition(),
                s.maxParallelism(),
                s.retries(),
                s.retryBackoff(),
                s.timeout(),
                s.runOnServer(),
                s.action(),
                value,
                s.children()));
      }
    }
    return new DeploymentPlan(
            plan.name(),
            plan.project(),
            plan.environment(),
            plan.maxParallelism(),
            plan.targetIsolation(),
            plan.variables(),
            plan.targets(),
            steps,
            plan.seed(),
            plan.onInterrupted())
        .withScopedVariables(plan.scopedValues(), plan.sensitive());
  }
}
