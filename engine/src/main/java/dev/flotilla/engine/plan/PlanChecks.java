package dev.flotilla.engine.plan;

import dev.flotilla.engine.action.ActionTypes;
import dev.flotilla.engine.action.InvalidActionException;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.RunCondition;
import dev.flotilla.engine.model.StartTrigger;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.variables.Reference;
import dev.flotilla.engine.variables.Substitution;
import dev.flotilla.engine.variables.VariableException;
import dev.flotilla.engine.variables.VariableResolver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The rules a built plan must follow, whether it was read from YAML or built in Java. Rules the
 * model's constructors already enforce (a step has an action or a window, retries are not negative)
 * are the reader's job, since such a plan cannot be built at all.
 */
final class PlanChecks {

  private static final Pattern WHOLE_NUMBER = Pattern.compile("[-+]?\\d+");

  private final DeploymentPlan plan;
  private final ActionTypes types;
  private final PlanSource source;
  private final Problems problems;
  private final Map<String, Step> stepsByName = new HashMap<>();

  /** Target problems already reported: several steps may find the same one on a target. */
  private final Set<List<Object>> targetProblems = new HashSet<>();

  private PlanChecks(DeploymentPlan plan, ActionTypes types, PlanSource source, Problems problems) {
    this.plan = plan;
    this.types = types;
    this.source = source;
    this.problems = problems;
  }

  /**
   * Adds every broken rule of {@code plan} to {@code problems}, skipping those already reported.
   */
  static void check(DeploymentPlan plan, ActionTypes types, PlanSource source, Problems problems) {
    new PlanChecks(plan, types, source, problems).checkAll();
  }

  /**
   * Reads a cap such as {@code maxParallelism} from text.
   *
   * @throws IllegalArgumentException saying why it is not a cap
   */
  static int parseCap(String text) {
    String trimmed = text.trim();
    if (!WHOLE_NUMBER.matcher(trimmed).matches()) {
      throw new IllegalArgumentException("\"" + text + "\" is not a whole number");
    }
    int value;
    try {
      value = Integer.parseInt(trimmed);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("\"" + text + "\" is too large");
    }
    if (value < 1) {
      throw new IllegalArgumentException("must be at least 1, was " + value);
    }
    return value;
  }

  private void checkAll() {
    if (plan.name().isBlank() && !source.reported(null, "name")) {
      planProblem("name", "a plan needs a name");
    }
    checkMaxParallelismVariable();
    checkTargets();
    checkSteps();
    checkVariables();
  }

  // ---- variables ----

  /** The plan laid out, built once: output reads and parameter checks look steps up in it. */
  private PlanLayout layout;

  private PlanLayout layout() {
    if (layout == null) {
      layout = PlanLayout.of(plan);
    }
    return layout;
  }

  /** Plan variables by name, any case. */
  private Map<String, String> planNames() {
    Map<String, String> names = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    plan.variables().keySet().forEach(name -> names.put(name, name));
    plan.scopedValues().keySet().forEach(name -> names.putIfAbsent(name, name));
    return names;
  }

  /** The variables a step reads when the plan is checked: plan values only, nothing has run. */
  private VariableResolver planResolver(Step step) {
    PlanLayout layout = layout();
    return new VariableResolver(
        plan,
        name -> {
          PlanLayout.StepInfo info = layout.stepNamed(name);
          return info == null ? null : info.index();
        },
        VariableResolver.Facts.NONE,
        new VariableResolver.Where("", step.name(), step.name(), null, plan.maxParallelism()),
        line -> {});
  }

  /**
   * Every {@code #{Name}} must name something that can exist: a plan variable, a system variable, a
   * step's status or output (of a step of the plan, on one of its targets); and plan variables must
   * not refer to each other in a cycle.
   */
  private void checkVariables() {
    Map<String, String> planNames = planNames();
    Map<String, List<String>> valueRefs = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    plan.variables()
        .forEach(
            (name, value) ->
                valueRefs
                    .computeIfAbsent(name, k -> new ArrayList<>())
                    .addAll(Substitution.references(value)));
    plan.scopedValues()
        .forEach(
            (name, values) ->
                values.forEach(
                    v ->
                        valueRefs
                            .computeIfAbsent(name, k -> new ArrayList<>())
                            .addAll(Substitution.references(v.value()))));
    for (Map.Entry<String, List<String>> entry : valueRefs.entrySet()) {
      String key = "variables." + planNames.get(entry.getKey());
      if (source.reported(null, key)) {
        continue;
      }
      for (String reference : entry.getValue()) {
        String unknown = unknown(reference, planNames);
        if (unknown != null) {
          problems.add(source.line(null, key), null, key, unknown);
        }
      }
    }
    List<String> cycle = cycle(valueRefs, planNames);
    if (cycle != null) {
      String key = "variables." + cycle.get(0);
      problems.add(
          source.line(null, key),
          null,
          key,
          "variables refer to each other in a cycle: "
              + String.join(" -> ", cycle)
              + "; a value cannot depend on itself");
    }
    for (Step step : plan.steps()) {
      checkReferences(step, planNames);
      for (Step child : step.children()) {
        checkReferences(child, planNames);
      }
    }
  }

  private void checkReferences(Step step, Map<String, String> planNames) {
    if (step.action() != null && !source.reported(step, "action")) {
      Substitution.referencesByKey("action", step.action().parameters())
          .forEach(
              (key, names) -> {
                for (String name : names) {
                  String unknown = unknown(name, planNames);
                  if (unknown != null) {
                    problem(step, key, unknown);
                  } else {
                    checkOrder(step, key, name, planNames);
                  }
                }
              });
    }
    if (step.condition().kind() == RunCondition.Kind.VARIABLE) {
      String text = step.condition().variable();
      List<String> names =
          text.contains("#{")
              ? Substitution.references(text)
              // A plain name that nothing sets reads as false, as it always has.
              : Reference.parse(text.trim()) instanceof Reference.Plain
                  ? List.of()
                  : List.of(text.trim());
      for (String name : names) {
        String unknown = unknown(name, planNames);
        if (unknown != null) {
          problem(step, "condition.variable", unknown);
        } else {
          checkOrder(step, "condition.variable", name, planNames);
        }
      }
    }
  }

  /**
   * The seed's warning made a rule: a step that reads an output of a step that runs at the same
   * time (its block) or later would read nothing, or whatever was there first. Followed through
   * plan variables whose values read outputs.
   */
  private void checkOrder(Step reader, String key, String name, Map<String, String> planNames) {
    List<Reference.Output> outputs = new ArrayList<>();
    collectOutputs(name, planNames, new java.util.HashSet<>(), outputs);
    if (outputs.isEmpty()) {
      return;
    }
    PlanLayout layout = layout();
    PlanLayout.StepInfo reading = layout.stepNamed(reader.name());
    if (reading == null) {
      return;
    }
    Set<String> reported = new java.util.HashSet<>();
    for (Reference.Output output : outputs) {
      Step producerStep = stepNamedAnyCase(output.step());
      PlanLayout.StepInfo producer =
          producerStep == null ? null : layout.stepNamed(producerStep.name());
      if (producer == null
          || producer.index() == reading.index()
          || !reported.add(producer.name())) {
        continue;
      }
      String read = "#{" + output.name() + "}";
      if (reading.isChild() && producer.parent() == reading.parent()) {
        if (producer.index() > reading.index()) {
          problem(
              reader,
              key,
              read
                  + " reads an output of step \""
                  + producer.name()
                  + "\", which runs after it on each target of rolling step \""
                  + layout.step(reading.parent()).name()
                  + "\"; move \""
                  + producer.name()
                  + "\" before \""
                  + reader.name()
                  + "\"");
        }
        continue;
      }
      if (producer.block() == reading.block()) {
        String fix =
            producer.index() < reading.index()
                ? "give \"" + topName(layout, reading) + "\" startTrigger: afterPrevious"
                : "move \""
                    + topName(layout, producer)
                    + "\" before \""
                    + topName(layout, reading)
                    + "\" and give \""
                    + topName(layout, reading)
                    + "\" startTrigger: afterPrevious";
        problem(
            reader,
            key,
            read
                + " reads an output of step \""
                + producer.name()
                + "\", but both run at the same time in block "
                + (reading.block() + 1)
                + " ("
                + blockSteps(layout, reading.block())
                + "), so it may not be set yet; "
                + fix
                + " so that it starts after \""
                + topName(layout, producer)
                + "\" ends");
      } else if (producer.block() > reading.block()) {
        problem(
            reader,
            key,
            read
                + " reads an output of step \""
                + producer.name()
                + "\", which runs later (block "
                + (producer.block() + 1)
                + ", after this step's block "
                + (reading.block() + 1)
                + "); move \""
                + topName(layout, producer)
                + "\" before \""
                + topName(layout, reading)
                + "\" with startTrigger: afterPrevious on \""
                + topName(layout, reading)
                + "\"");
      }
    }
  }

  private static String topName(PlanLayout layout, PlanLayout.StepInfo step) {
    return step.isChild() ? layout.step(step.parent()).name() : step.name();
  }

  private static String blockSteps(PlanLayout layout, int block) {
    List<String> names = new ArrayList<>();
    for (int index : layout.blocks().get(block)) {
      names.add(layout.step(index).name());
    }
    return "steps " + String.join(", ", names);
  }

  /** The outputs {@code name} reads, itself or through plan variables' values. */
  private void collectOutputs(
      String name, Map<String, String> planNames, Set<String> seen, List<Reference.Output> found) {
    Reference reference = Reference.parse(name);
    if (reference instanceof Reference.Output output) {
      found.add(output);
      return;
    }
    String planName = planNames.get(name);
    if (planName == null || !seen.add(planName)) {
      return;
    }
    List<String> values = new ArrayList<>();
    if (plan.variables().containsKey(planName)) {
      values.add(plan.variables().get(planName));
    }
    plan.scopedValues().getOrDefault(planName, List.of()).forEach(v -> values.add(v.value()));
    for (String value : values) {
      for (String inner : Substitution.references(value)) {
        collectOutputs(inner, planNames, seen, found);
      }
    }
  }

  /** Why {@code name} can never have a value; null if it can. */
  private String unknown(String name, Map<String, String> planNames) {
    Reference reference = Reference.parse(name);
    if (reference instanceof Reference.Output output) {
      return unknownStep(name, output.step(), output.target());
    }
    if (reference instanceof Reference.StepStatus status) {
      return unknownStep(name, status.step(), null);
    }
    if (planNames.containsKey(name) || Reference.system(name) != null) {
      return null;
    }
    Set<String> candidates = new java.util.LinkedHashSet<>(planNames.values());
    candidates.addAll(Reference.SYSTEM);
    String suggestion = PlanReader.closest(name, candidates);
    return "#{"
        + name
        + "}: no variable \""
        + name
        + "\""
        + (suggestion == null ? "" : " (did you mean " + suggestion + "?)")
        + "; define it under variables: or set it with --set "
        + name
        + "=VALUE";
  }

  private String unknownStep(String name, String stepName, String target) {
    Step producer = stepNamedAnyCase(stepName);
    if (producer == null) {
      List<String> names = new ArrayList<>();
      for (Step step : plan.steps()) {
        names.add(step.name());
        step.children().forEach(child -> names.add(child.name()));
      }
      String suggestion = PlanReader.closest(stepName, names);
      return "#{"
          + name
          + "}: no step \""
          + stepName
          + "\""
          + (suggestion == null ? "" : " (did you mean " + suggestion + "?)");
    }
    if (target != null && plan.targets().stream().noneMatch(t -> t.name().equals(target))) {
      List<String> names = plan.targets().stream().map(Target::name).toList();
      String suggestion = PlanReader.closest(target, names);
      return "#{"
          + name
          + "}: no target \""
          + target
          + "\""
          + (suggestion == null ? "" : " (did you mean " + suggestion + "?)");
    }
    return null;
  }

  private Step stepNamedAnyCase(String name) {
    for (Step step : plan.steps()) {
      if (step.name().equalsIgnoreCase(name)) {
        return step;
      }
      for (Step child : step.children()) {
        if (child.name().equalsIgnoreCase(name)) {
          return child;
        }
      }
    }
    return null;
  }

  /** A cycle among plan variables' references, as names from its start back to it; or null. */
  private static List<String> cycle(
      Map<String, List<String>> references, Map<String, String> planNames) {
    Map<String, Integer> state = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String start : references.keySet()) {
      List<String> found = visit(start, references, planNames, state, new ArrayList<>());
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private static List<String> visit(
      String name,
      Map<String, List<String>> references,
      Map<String, String> planNames,
      Map<String, Integer> state,
      List<String> path) {
    Integer seen = state.get(name);
    if (seen != null && seen == 2) {
      return null;
    }
    String canonical = planNames.getOrDefault(name, name);
    if (seen != null && seen == 1) {
      int from = 0;
      while (!path.get(from).equalsIgnoreCase(name)) {
        from++;
      }
      List<String> cycle = new ArrayList<>(path.subList(from, path.size()));
      cycle.add(canonical);
      return cycle;
    }
    state.put(name, 1);
    path.add(canonical);
    for (String next : references.getOrDefault(name, List.of())) {
      if (planNames.containsKey(next)) {
        List<String> found = visit(next, references, planNames, state, path);
        if (found != null) {
          return found;
        }
      }
    }
    path.remove(path.size() - 1);
    state.put(name, 2);
    return null;
  }

  private void checkMaxParallelismVariable() {
    String name = PlanLoader.MAX_PARALLELISM_VARIABLE;
    String value = plan.variables().get(name);
    if (value != null && !source.reported(null, "variables." + name)) {
      try {
        parseCap(value);
      } catch (IllegalArgumentException e) {
        problems.add(
            source.line(null, "variables." + name),
            null,
            "variables",
            name + ": " + e.getMessage());
      }
    }
  }

  private void checkTargets() {
    Map<String, Target> byName = new HashMap<>();
    for (Target target : plan.targets()) {
      if (source.reported(target, "targets.name")) {
        continue;
      }
      if (target.name().isBlank()) {
        targetProblem(target, "a target needs a name");
        continue;
      }
      Target first = byName.putIfAbsent(target.name(), target);
      if (first != null) {
        targetProblem(
            target,
            "\""
                + target.name()
                + "\" names two targets"
                + alsoOn(source.line(first, "targets.name")));
      }
    }
  }

  private void checkSteps() {
    if (plan.steps().isEmpty()) {
      if (!source.reported(null, "steps")) {
        planProblem("steps", "a plan needs at least one step");
      }
      return;
    }
    Step first = plan.steps().get(0);
    if (first.startTrigger() == StartTrigger.WITH_PREVIOUS) {
      problem(
          first,
          "startTrigger",
          "the first step cannot start withPrevious: there is no previous step");
    }
    for (Step step : plan.steps()) {
      checkStep(step);
      for (Step child : step.children()) {
        checkChild(child);
      }
    }
    for (Step step : plan.steps()) {
      List<Target> targets =
          step.runOnServer()
              ? Collections.singletonList(null)
              : plan.targets().stream().filter(t -> t.hasAnyRole(step.roles())).toList();
      checkActionOnTargets(step, targets);
      for (Step child : step.children()) {
        checkActionOnTargets(child, targets);
      }
    }
  }

  /** Whether the step's action type can run on each of its targets (see ActionType#checkTarget). */
  private void checkActionOnTargets(Step step, List<Target> targets) {
    if (step.action() == null
        || source.reported(step, "action")
        || !types.has(step.action().type())) {
      return;
    }
    for (Target target : targets) {
      try {
        types.checkTarget(step.action(), target);
      } catch (InvalidActionException e) {
        if (e.key() == null || target == null) {
          problem(step, "action", e.getMessage());
        } else if (targetProblems.add(List.of(target.name(), e.key(), e.getMessage()))) {
          String key = "targets." + e.key();
          problems.add(source.line(target, key), null, key, e.getMessage());
        }
      } catch (RuntimeException e) {
        problem(
            step,
            "action",
            "the "
                + step.action().type()
                + " action type could not check target "
                + (target == null ? "(the engine)" : target.name())
                + ": "
                + e);
      }
    }
  }

  private void checkStep(Step step) {
    checkName(step);
    if (step.isManual()) {
      checkManual(step);
    }
    if (step.runOnServer()) {
      if (!step.roles().isEmpty()) {
        problem(
            step,
            "roles",
            (step.isManual() ? "a manual" : "a runOnServer")
                + " step runs once on the engine, so it takes no roles");
      }
      if (step.isRolling()) {
        problem(
            step,
            "rolling",
            "a runOnServer step cannot be rolling: it has no targets to roll over");
      }
    } else {
      checkRoles(step);
    }
    if (step.maxParallelism() != null) {
      if (step.isRolling()) {
        problem(
            step,
            "maxParallelism",
            "a rolling step's cap is its rolling.windowSize; remove maxParallelism");
      } else if (step.maxParallelism() < 1) {
        problem(step, "maxParallelism", "must be at least 1, was " + step.maxParallelism());
      }
    }
    if (step.isRolling()) {
      if (step.windowSize() < 1 && !source.reported(step, "rolling.windowSize")) {
        problem(step, "rolling.windowSize", "must be at least 1, was " + step.windowSize());
      }
      if (step.children().isEmpty()) {
        problem(
            step, "children", "a rolling step needs children: the steps each target runs in turn");
      }
    } else if (!step.children().isEmpty()) {
      problem(step, "children", "only a rolling step has children; add rolling: { windowSize: N }");
    }
    checkExecution(step);
  }

  private void checkChild(Step child) {
    checkName(child);
    if (!child.roles().isEmpty() || child.runOnServer()) {
      problem(child, "roles", "a child step runs on its parent's targets; set roles on the parent");
    }
    if (child.startTrigger() != StartTrigger.AFTER_PREVIOUS) {
      problem(
          child,
          "startTrigger",
          "a child step runs after the child before it; set startTrigger on the parent");
    }
    if (child.maxParallelism() != null) {
      problem(
          child,
          "maxParallelism",
          "a child step runs within its parent's window; set rolling.windowSize on the parent");
    }
    if (child.isRolling() || !child.children().isEmpty()) {
      problem(child, "rolling", "a child step cannot be rolling itself");
    }
    if (child.isManual()) {
      problem(
          child,
          "action.type",
          "a manual step runs once on the engine, so it cannot be a child of a rolling step;"
              + " make it a step of its own before or after the rolling step");
    }
    checkExecution(child);
  }

  /** A manual step waits for a person, once, on the engine. */
  private void checkManual(Step step) {
    if (!step.runOnServer()) {
      problem(
          step,
          "action.type",
          "a manual step runs once on the engine: build it with Step.manual (runOnServer)");
    }
    if (step.retries() > 0) {
      problem(
          step,
          "retries",
          "a manual step is answered by a person, not retried; remove retries (an aborted"
              + " approval fails the step, and later steps' conditions apply)");
    }
  }

  private void checkName(Step step) {
    if (source.reported(step, "name")) {
      return;
    }
    if (step.name().isBlank()) {
      problem(step, "name", "a step needs a name");
      return;
    }
    Step first = stepsByName.putIfAbsent(step.name(), step);
    if (first != null) {
      problem(
          step,
          "name",
          "another step has this name"
              + alsoOn(source.line(first, "name"))
              + "; step names must be unique");
    }
  }

  private void checkRoles(Step step) {
    if (source.reported(step, "roles") || source.reported(step, "runOnServer")) {
      return;
    }
    if (step.roles().isEmpty()) {
      problem(
          step,
          "roles",
          "a step needs roles to pick its targets (or runOnServer: true to run on the engine)");
      return;
    }
    Set<String> known = new HashSet<>();
    for (Target target : plan.targets()) {
      known.addAll(target.roles());
    }
    for (String role : step.roles()) {
      if (!known.contains(role)) {
        problem(step, "roles", "no target has the role \"" + role + "\"");
      }
    }
  }

  /** Rules for what one execution does: its action, timeout and retries. */
  private void checkExecution(Step step) {
    Duration timeout = step.timeout();
    if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
      problem(step, "timeout", "must be more than 0");
    }
    if (step.retryBackoff().isNegative()) {
      problem(step, "retryBackoff", "must not be negative");
    }
    if (step.action() == null || source.reported(step, "action")) {
      return;
    }
    ActionSpec spec = step.action();
    boolean runtimeValues = false;
    if (Substitution.needed(spec.parameters())) {
      // Checked as it will run, with the plan's values; a value known only at run time (an
      // output, the target) makes a check that fails here inconclusive: it is checked again then.
      runtimeValues =
          Substitution.referencesByKey("action", spec.parameters()).values().stream()
              .flatMap(List::stream)
              .anyMatch(
                  name ->
                      !(Reference.parse(name) instanceof Reference.Plain)
                          || Reference.system(name) != null);
      try {
        spec = new ActionSpec(spec.type(), planResolver(step).parameters(spec.parameters()));
      } catch (VariableException e) {
        return;
      }
    }
    try {
      types.configure(spec);
    } catch (InvalidActionException e) {
      if (runtimeValues) {
        return;
      }
      problem(step, e.key() == null ? "action" : "action." + e.key(), e.getMessage());
    } catch (RuntimeException e) {
      // An action type must not crash loading when handed a parameter of an unexpected shape.
      problem(
          step,
          "action",
          "the " + step.action().type() + " action type could not check its parameters: " + e);
    }
  }

  private void problem(Step step, String key, String message) {
    String label = source.reported(step, "name") ? null : step.name();
    problems.add(source.line(step, key), label, key, message);
  }

  private void targetProblem(Target target, String message) {
    problems.add(source.line(target, "targets.name"), null, "targets.name", message);
  }

  private void planProblem(String key, String message) {
    problems.add(source.line(null, key), null, key, message);
  }

  private static String alsoOn(Integer line) {
    return line == null ? "" : " (also on line " + line + ")";
  }
}
