package dev.flotilla.engine.plan;

import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.Durations;
import dev.flotilla.engine.model.RunCondition;
import dev.flotilla.engine.model.ScopedValue;
import dev.flotilla.engine.model.StartTrigger;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.model.TargetIsolation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Turns a composed YAML document into a {@link DeploymentPlan}, reporting every key it cannot read
 * with its line. Where a value is wrong it carries on with a stand-in, marked as reported in the
 * {@link PlanSource}, so that the plan-wide checks that follow neither crash nor repeat the
 * problem. One reader reads one plan.
 */
final class PlanReader {

  private static final List<String> PLAN_KEYS =
      List.of(
          "name",
          "project",
          "environment",
          "maxParallelism",
          "targetIsolation",
          "seed",
          "onInterrupted",
          "guidedFailure",
          "variables",
          "ssh",
          "targets",
          "steps");
  private static final List<String> TARGET_KEYS = List.of("name", "roles", "ssh");
  private static final String SSH_EXAMPLE = "e.g. { host: 10.0.0.5, user: deploy }";
  private static final List<String> STEP_KEYS =
      List.of(
          "name",
          "roles",
          "startTrigger",
          "condition",
          "maxParallelism",
          "retries",
          "retryBackoff",
          "timeout",
          "runOnServer",
          "action",
          "rolling",
          "children",
          "required");
  private static final List<String> CHILD_KEYS =
      List.of("name", "action", "condition", "retries", "retryBackoff", "timeout", "required");
  private static final List<String> ROLLING_KEYS = List.of("windowSize");
  private static final List<String> CONDITION_KEYS = List.of("variable");
  private static final List<String> VARIABLE_KEYS = List.of("value", "sensitive", "scopes");
  private static final List<String> SCOPE_KEYS = List.of("roles", "targets", "value");

  /** Step keys a child may not have, with the reason a user needs to move them. */
  private static final Map<String, String> PARENT_ONLY_KEYS =
      Map.of(
          "roles", "a child step runs on its parent's targets; set roles on the parent",
          "runOnServer", "a child step runs on its parent's targets; it cannot run on the engine",
          "startTrigger",
              "a child step runs after the child before it; set startTrigger on the parent",
          "maxParallelism",
              "a child step runs within its parent's window; set rolling.windowSize on the parent",
          "rolling", "a child step cannot be rolling itself",
          "children", "a child step cannot have children of its own");

  private static final Pattern QUOTED_WHOLE_NUMBER = Pattern.compile("\\s*[-+]?\\d+\\s*");
  private static final String OVERRIDE = " (from an override)";

  /**
   * Edits (insert, delete, replace) that still make an unknown key look like a typo of a known one.
   */
  private static final int TYPO_DISTANCE = 2;

  private final Problems problems;
  private final PlanSource source;
  private final ScalarValues scalars = new ScalarValues();

  PlanReader(Problems problems, PlanSource source) {
    this.problems = problems;
    this.source = source;
  }

  /**
   * The plan {@code root} describes with {@code overrides} applied; null when it is not a plan at
   * all.
   */
  DeploymentPlan read(Node root, Map<String, String> overrides) {
    if (root == null) {
      problems.add(null, null, null, "the plan is empty");
      return null;
    }
    if (!(root instanceof MappingNode mapping)) {
      problems.add(
          line(root),
          null,
          null,
          "a plan is a mapping of keys (name, targets, steps, ...), not " + describe(root));
      return null;
    }
    Fields plan = new Fields(mapping, source.plan(), "", null);
    plan.checkKeys(PLAN_KEYS, Map.of());
    String name = plan.text("name");
    if (name == null) {
      if (!plan.reported("name")) {
        plan.problem("name", "a plan needs a name");
      }
      name = "";
    }
    Settings settings = new Settings();
    settings.maxParallelism = plan.integer("maxParallelism");
    if (settings.maxParallelism != null && settings.maxParallelism < 1) {
      plan.problem("maxParallelism", "must be at least 1, was " + settings.maxParallelism);
      settings.maxParallelism = null;
    }
    settings.isolation = targetIsolation(plan);
    settings.guidedFailure = Boolean.TRUE.equals(plan.bool("guidedFailure"));
    Long seed = plan.longInteger("seed");
    DeploymentPlan.InterruptPolicy onInterrupted = onInterrupted(plan);
    settings.variables = variables(plan, settings);
    Map<String, String> sshDefaults = ssh(plan, source.plan(), "ssh.");
    List<Target> targets = targets(plan, sshDefaults);
    List<Step> steps = steps(plan);
    applyOverrides(overrides, settings);
    resolveAliases(settings);
    int maxParallelism =
        settings.maxParallelism == null
            ? DeploymentPlan.DEFAULT_MAX_PARALLELISM
            : settings.maxParallelism;
    return new DeploymentPlan(
        name,
        plan.text("project"),
        plan.text("environment"),
        maxParallelism,
        settings.isolation,
        settings.variables,
        targets,
        steps,
        seed == null ? 0L : seed,
        onInterrupted,
        settings.guidedFailure,
        settings.scopedValues,
        settings.sensitive);
  }

  private DeploymentPlan.InterruptPolicy onInterrupted(Fields plan) {
    String text = plan.text("onInterrupted");
    if (text == null) {
      return DeploymentPlan.InterruptPolicy.RERUN;
    }
    for (DeploymentPlan.InterruptPolicy policy : DeploymentPlan.InterruptPolicy.values()) {
      if (policy.name().equalsIgnoreCase(text.trim())) {
        return policy;
      }
    }
    plan.problem(
        "onInterrupted", "\"" + text + "\" is not an interrupt policy (expected rerun or fail)");
    return DeploymentPlan.InterruptPolicy.RERUN;
  }

  /**
   * The deployment-wide settings as overrides and aliases change them, before the plan is built.
   */
  private static final class Settings {
    Integer maxParallelism;
    TargetIsolation isolation;
    boolean guidedFailure;
    Map<String, String> variables;
    final Map<String, List<ScopedValue>> scopedValues = new LinkedHashMap<>();
    final Set<String> sensitive = new LinkedHashSet<>();
    final Set<String> overridden = new HashSet<>();
  }

  /**
   * {@code maxParallelism} and {@code targetIsolation} replace those settings; any other key is a
   * variable.
   */
  private void applyOverrides(Map<String, String> overrides, Settings settings) {
    for (Map.Entry<String, String> override : overrides.entrySet()) {
      String value = override.getValue() == null ? "" : override.getValue();
      switch (override.getKey()) {
        case "maxParallelism" -> {
          try {
            settings.maxParallelism = PlanChecks.parseCap(value);
          } catch (IllegalArgumentException e) {
            problems.add(null, null, "maxParallelism", e.getMessage() + OVERRIDE);
          }
        }
        case "targetIsolation" -> {
          TargetIsolation parsed = TargetIsolation.parse(value.trim());
          if (parsed == null) {
            problems.add(null, null, "targetIsolation", notIsolation(value) + OVERRIDE);
          } else {
            settings.isolation = parsed;
          }
        }
        case "guidedFailure" -> {
          Boolean parsed = trueOrFalse(value);
          if (parsed == null) {
            problems.add(
                null, null, "guidedFailure", "\"" + value + "\" is not true or false" + OVERRIDE);
          } else {
            settings.guidedFailure = parsed;
          }
        }
        default -> {
          settings.variables.put(override.getKey(), value);
          settings.overridden.add(override.getKey());
        }
      }
    }
  }

  /** The Octopus variables win over the keys they stand for, wherever they were set. */
  private void resolveAliases(Settings settings) {
    String name = PlanLoader.MAX_PARALLELISM_VARIABLE;
    String cap = settings.variables.get(name);
    if (cap != null) {
      try {
        settings.maxParallelism = PlanChecks.parseCap(cap);
      } catch (IllegalArgumentException e) {
        String key = "variables." + name;
        boolean fromOverride = settings.overridden.contains(name);
        problems.add(
            fromOverride ? null : source.line(null, key),
            null,
            "variables",
            name + ": " + e.getMessage() + (fromOverride ? OVERRIDE : ""));
        source.plan().reported(key);
      }
    }
    if (RunCondition.isTruthy(settings.variables.get(PlanLoader.BYPASS_MUTEX_VARIABLE))) {
      settings.isolation = TargetIsolation.SHARED;
    }
    String guided = settings.variables.get(PlanLoader.GUIDED_FAILURE_VARIABLE);
    if (guided != null) {
      // Set (in the plan or by an override), the variable wins over the key, either way.
      settings.guidedFailure = RunCondition.isTruthy(guided);
    }
  }

  /** {@code true} or {@code false}, any case; null for anything else. */
  private static Boolean trueOrFalse(String text) {
    String trimmed = text.trim();
    if (trimmed.equalsIgnoreCase("true")) {
      return true;
    }
    return trimmed.equalsIgnoreCase("false") ? false : null;
  }

  private TargetIsolation targetIsolation(Fields plan) {
    String text = plan.text("targetIsolation");
    if (text == null) {
      return TargetIsolation.EXCLUSIVE;
    }
    TargetIsolation isolation = TargetIsolation.parse(text.trim());
    if (isolation == null) {
      plan.problem("targetIsolation", notIsolation(text));
      return TargetIsolation.EXCLUSIVE;
    }
    return isolation;
  }

  private static String notIsolation(String text) {
    return "\"" + text + "\" is not a target isolation (expected exclusive or shared)";
  }

  /**
   * Variables keep the text as written ({@code True}, {@code 5}); an empty value is the empty
   * string. A variable written as a mapping has a {@code value}, and may be {@code sensitive} or
   * have {@code scopes}: values for some roles or targets only.
   */
  private Map<String, String> variables(Fields plan, Settings settings) {
    Map<String, String> variables = new LinkedHashMap<>();
    MappingNode mapping =
        plan.mapping("variables", "must be a mapping of names to values, e.g. { Greeting: hello }");
    if (mapping == null) {
      return variables;
    }
    Fields fields = new Fields(mapping, source.plan(), "variables.", null);
    for (Map.Entry<String, Node> variable : fields.all().entrySet()) {
      Node value = variable.getValue();
      String name = variable.getKey();
      if (value instanceof ScalarNode scalar) {
        variables.put(name, scalar.getTag().equals(Tag.NULL) ? "" : scalar.getValue());
      } else if (value instanceof MappingNode detailed) {
        Fields variableFields =
            new Fields(detailed, source.plan(), "variables." + name + ".", null);
        variableFields.checkKeys(VARIABLE_KEYS, Map.of());
        String text = variableFields.text("value");
        variables.put(name, text == null ? "" : text);
        if (Boolean.TRUE.equals(variableFields.bool("sensitive"))) {
          settings.sensitive.add(name);
        }
        List<ScopedValue> scoped = scopes(variableFields, name);
        if (!scoped.isEmpty()) {
          settings.scopedValues.put(name, scoped);
        }
      } else {
        problems.add(
            line(value),
            null,
            "variables",
            name + ": must be a single value or a mapping with a value, not " + describe(value));
        source.plan().reported("variables." + name);
      }
    }
    return variables;
  }

  /**
   * A variable's {@code scopes}: each a mapping of {@code roles} and/or {@code targets} and a
   * value.
   */
  private List<ScopedValue> scopes(Fields variable, String name) {
    List<ScopedValue> scoped = new ArrayList<>();
    SequenceNode sequence =
        variable.sequence(
            "scopes", "must be a list of scoped values, e.g. [{ roles: [api], value: 8080 }]");
    if (sequence == null) {
      return scoped;
    }
    for (Node item : sequence.getValue()) {
      if (!(item instanceof MappingNode itemMapping)) {
        problems.add(
            line(item),
            null,
            "variables." + name + ".scopes",
            "each scope must be a mapping such as { roles: [api], value: 8080 }, not "
                + describe(item));
        continue;
      }
      Fields scope = new Fields(itemMapping, source.plan(), "variables." + name + ".scopes.", null);
      scope.checkKeys(SCOPE_KEYS, Map.of());
      List<String> roles = scope.textList("roles", "must be a list of roles");
      List<String> targets = scope.textList("targets", "must be a list of target names");
      String value = scope.text("value");
      if (roles.isEmpty() && targets.isEmpty()) {
        scope.problem("roles", "a scope needs roles or targets (or both)");
      } else if (value == null) {
        scope.problem("value", "a scope needs a value");
      } else {
        scoped.add(new ScopedValue(roles, targets, value));
      }
    }
    return scoped;
  }

  /**
   * An {@code ssh:} block as text: the ssh module reads and checks its keys and values. Values keep
   * the text as written ({@code 22}, {@code true}); an empty one counts as absent.
   */
  private Map<String, String> ssh(Fields owner, PlanSource.Entry entry, String prefix) {
    Map<String, String> ssh = new LinkedHashMap<>();
    MappingNode mapping =
        owner.mapping("ssh", "must be a mapping of connection keys, " + SSH_EXAMPLE);
    if (mapping == null) {
      return ssh;
    }
    Fields fields = new Fields(mapping, entry, prefix, null);
    for (Map.Entry<String, Node> key : fields.all().entrySet()) {
      Node value = key.getValue();
      if (!(value instanceof ScalarNode scalar)) {
        fields.problem(key.getKey(), "must be a single value, not " + describe(value));
      } else if (!scalar.getTag().equals(Tag.NULL) && !scalar.getValue().isBlank()) {
        ssh.put(key.getKey(), scalar.getValue());
      }
    }
    return ssh;
  }

  /**
   * A target's connection: the plan's {@code ssh:} defaults under the target's own keys. A key
   * taken from the defaults is located on the plan's line, so a problem with it points there.
   */
  private Map<String, String> targetSsh(
      Fields target, PlanSource.Entry entry, Map<String, String> defaults) {
    Map<String, String> own = ssh(target, entry, "targets.ssh.");
    if (defaults.isEmpty()) {
      return own;
    }
    Map<String, String> merged = new LinkedHashMap<>(defaults);
    merged.putAll(own);
    for (String key : defaults.keySet()) {
      if (!own.containsKey(key)) {
        Integer line = source.line(null, "ssh." + key);
        if (line != null) {
          entry.line("targets.ssh." + key, line);
        }
      }
    }
    return merged;
  }

  private List<Target> targets(Fields plan, Map<String, String> sshDefaults) {
    List<Target> targets = new ArrayList<>();
    SequenceNode sequence =
        plan.sequence(
            "targets", "must be a list of targets, e.g. - { name: web-01, roles: [web] }");
    if (sequence == null) {
      return targets;
    }
    for (Node node : sequence.getValue()) {
      if (!(node instanceof MappingNode mapping)) {
        problems.add(
            line(node),
            null,
            "targets",
            "a target is a mapping such as { name: web-01, roles: [web] }, not " + describe(node));
        continue;
      }
      PlanSource.Entry entry = new PlanSource.Entry(line(node));
      Fields target = new Fields(mapping, entry, "targets.", null);
      target.checkKeys(TARGET_KEYS, Map.of());
      List<String> roles = target.textList("roles", "must be a list of roles, e.g. [web, db]");
      Map<String, String> ssh = targetSsh(target, entry, sshDefaults);
      String name = target.text("name");
      if (name == null) {
        if (!target.reported("name")) {
          target.problem("name", "a target needs a name");
        }
        continue;
      }
      List<String> names;
      try {
        names = TargetNames.expand(name);
      } catch (IllegalArgumentException e) {
        target.problem("name", e.getMessage());
        continue;
      }
      for (String expanded : names) {
        Target built = new Target(expanded, roles, ssh);
        source.attach(built, entry);
        targets.add(built);
      }
    }
    return targets;
  }

  private List<Step> steps(Fields plan) {
    List<Step> steps = new ArrayList<>();
    SequenceNode sequence = plan.sequence("steps", "must be a list of steps");
    if (sequence == null) {
      return steps;
    }
    for (Node node : sequence.getValue()) {
      Step step = step(node, false);
      if (step != null) {
        steps.add(step);
      }
    }
    return steps;
  }

  private Step step(Node node, boolean child) {
    if (!(node instanceof MappingNode mapping)) {
      problems.add(
          line(node),
          null,
          child ? "children" : "steps",
          "a step is a mapping such as { name: Deploy, roles: [web], action: {...} }, not "
              + describe(node));
      return null;
    }
    PlanSource.Entry entry = new PlanSource.Entry(line(node));
    Fields step = new Fields(mapping, entry, "", null);
    String name = step.text("name");
    if (name == null) {
      if (!step.reported("name")) {
        step.problem("name", "a step needs a name");
      }
      name = "";
    } else {
      step.label = name;
    }
    step.checkKeys(child ? CHILD_KEYS : STEP_KEYS, child ? PARENT_ONLY_KEYS : Map.of());
    List<String> roles =
        child ? List.of() : step.textList("roles", "must be a list of roles, e.g. [web, db]");
    StartTrigger startTrigger = child ? null : startTrigger(step);
    RunCondition condition = condition(step);
    Integer maxParallelism = child ? null : step.integer("maxParallelism");
    Integer retries = step.integer("retries");
    if (retries != null && retries < 0) {
      step.problem("retries", "must be 0 or more, was " + retries);
      retries = null;
    }
    Duration retryBackoff = step.duration("retryBackoff");
    Duration timeout = step.duration("timeout");
    boolean runOnServer = !child && Boolean.TRUE.equals(step.bool("runOnServer"));
    boolean required = Boolean.TRUE.equals(step.bool("required"));
    ActionSpec action = step.has("action") ? action(step) : null;
    if (action != null && action.type().equals(ActionSpec.MANUAL) && !child) {
      // A manual step runs once on the engine, whether or not the plan says so.
      runOnServer = true;
    }
    Integer windowSize = !child && step.has("rolling") ? windowSize(step) : null;
    List<Step> children = List.of();

    if (windowSize != null) {
      if (step.has("action")) {
        step.problem(
            "action",
            "a rolling step runs its children, not an action; move the action into a child step");
        action = null;
      }
      children = children(step);
    } else {
      if (!child && step.has("children")) {
        step.problem(
            "children", "only a rolling step has children; add rolling: { windowSize: N }");
      }
      if (action == null) {
        if (!step.has("action")) {
          step.problem(
              "action", "a step needs an action, e.g. action: { type: simulate, duration: 2s }");
        }
        entry.reported("action");
        action = new ActionSpec("", Map.of());
      }
    }
    Step built =
        new Step(
            name,
            roles,
            startTrigger,
            condition,
            maxParallelism,
            retries == null ? 0 : retries,
            retryBackoff,
            timeout,
            runOnServer,
            action,
            windowSize,
            children,
            required);
    source.attach(built, entry);
    return built;
  }

  private List<Step> children(Fields step) {
    List<Step> children = new ArrayList<>();
    SequenceNode sequence = step.sequence("children", "must be a list of child steps");
    if (sequence != null) {
      for (Node node : sequence.getValue()) {
        Step child = step(node, true);
        if (child != null) {
          children.add(child);
        }
      }
    }
    return children;
  }

  private StartTrigger startTrigger(Fields step) {
    String text = step.text("startTrigger");
    if (text == null) {
      return null;
    }
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "afterprevious" -> StartTrigger.AFTER_PREVIOUS;
      case "withprevious" -> StartTrigger.WITH_PREVIOUS;
      default -> {
        step.problem(
            "startTrigger",
            "\"" + text + "\" is not a start trigger (expected afterPrevious or withPrevious)");
        yield null;
      }
    };
  }

  private RunCondition condition(Fields step) {
    Node node = step.get("condition");
    if (node == null) {
      return null;
    }
    String accepted = " (expected success, failure, always or { variable: Name })";
    if (node instanceof MappingNode mapping) {
      Fields condition = new Fields(mapping, step.entry, "condition.", step.label);
      condition.checkKeys(CONDITION_KEYS, Map.of());
      String variable = condition.text("variable");
      if (variable == null || variable.isBlank()) {
        if (!condition.reported("variable")) {
          condition.problem(
              "variable",
              "a variable condition needs the variable's name, e.g. { variable: RunSmokeTests }");
        }
        return null;
      }
      return RunCondition.variable(variable);
    }
    if (!(node instanceof ScalarNode scalar)) {
      step.problem("condition", "must be a condition, not " + describe(node) + accepted);
      return null;
    }
    return switch (scalar.getValue().trim().toLowerCase(Locale.ROOT)) {
      case "success" -> RunCondition.SUCCESS;
      case "failure" -> RunCondition.FAILURE;
      case "always" -> RunCondition.ALWAYS;
      default -> {
        step.problem("condition", "\"" + scalar.getValue() + "\" is not a condition" + accepted);
        yield null;
      }
    };
  }

  /**
   * The rolling window; a stand-in of 1 when it is unreadable, so the step still has its children.
   */
  private Integer windowSize(Fields step) {
    MappingNode mapping = step.mapping("rolling", "must be a mapping such as { windowSize: 3 }");
    if (mapping == null) {
      return 1;
    }
    Fields rolling = new Fields(mapping, step.entry, "rolling.", step.label);
    rolling.checkKeys(ROLLING_KEYS, Map.of());
    if (!rolling.has("windowSize")) {
      rolling.problem(
          "windowSize", "a rolling step needs a windowSize, e.g. rolling: { windowSize: 3 }");
      return 1;
    }
    Integer windowSize = rolling.integer("windowSize");
    return windowSize == null ? 1 : windowSize;
  }

  /** The action as written; null (reported) when it cannot be read as written. */
  private ActionSpec action(Fields step) {
    MappingNode mapping =
        step.mapping("action", "must be a mapping such as { type: simulate, duration: 2s }");
    if (mapping == null) {
      return null;
    }
    int problemsBefore = problems.count();
    Fields action = new Fields(mapping, step.entry, "action.", step.label);
    String type = action.text("type");
    if (type == null) {
      if (!action.reported("type")) {
        action.problem("type", "an action needs a type, e.g. { type: simulate }");
      }
      return null;
    }
    Map<String, Object> parameters = new LinkedHashMap<>();
    for (Map.Entry<String, Node> parameter : action.all().entrySet()) {
      if (parameter.getKey().equals("type")) {
        continue;
      }
      Set<Node> enclosing = Collections.newSetFromMap(new IdentityHashMap<>());
      Object value = javaValue(parameter.getValue(), action, parameter.getKey(), enclosing);
      if (value != null) {
        parameters.put(parameter.getKey(), value);
      }
    }
    // Parameters already found wrong are not handed to the action type, which would only repeat it.
    return problems.count() > problemsBefore ? null : new ActionSpec(type, parameters);
  }

  /**
   * A node as plain Java: Integer, Long, Double and Boolean where YAML typed the scalar so, String
   * for other scalars, List and Map for collections; null for an empty value.
   */
  private Object javaValue(Node node, Fields owner, String key, Set<Node> enclosing) {
    if (node instanceof ScalarNode scalar) {
      Tag tag = scalar.getTag();
      if (tag.equals(Tag.NULL)) {
        return null;
      }
      if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT) || tag.equals(Tag.BOOL)) {
        return scalars.value(scalar);
      }
      return scalar.getValue();
    }
    if (!enclosing.add(node)) {
      owner.problem(key, "refers to itself through an alias");
      return null;
    }
    try {
      if (node instanceof SequenceNode sequence) {
        List<Object> list = new ArrayList<>();
        for (Node item : sequence.getValue()) {
          list.add(javaValue(item, owner, key, enclosing));
        }
        return Collections.unmodifiableList(list);
      }
      Map<String, Object> map = new LinkedHashMap<>();
      for (NodeTuple tuple : ((MappingNode) node).getValue()) {
        if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
          owner.problem(key, "keys must be plain text, not " + describe(tuple.getKeyNode()));
          continue;
        }
        map.put(keyNode.getValue(), javaValue(tuple.getValueNode(), owner, key, enclosing));
      }
      return Collections.unmodifiableMap(map);
    } finally {
      enclosing.remove(node);
    }
  }

  private static int line(Node node) {
    return node.getStartMark().getLine() + 1;
  }

  /** How a node reads in a message: {@code "web"}, {@code a list}, {@code a mapping}. */
  private static String describe(Node node) {
    if (node instanceof ScalarNode scalar) {
      return "\"" + scalar.getValue() + "\"";
    }
    return node instanceof SequenceNode ? "a list" : "a mapping";
  }

  /**
   * The keys of one mapping, read with their lines. Problems name {@code prefix + key} and the step
   * being read; a key with no value ({@code key:} or {@code key: ~}) counts as absent.
   */
  private final class Fields {
    private final Map<String, Node> values = new LinkedHashMap<>();
    private final Map<String, Integer> keyLines = new LinkedHashMap<>();
    private final Set<String> reportedKeys = new HashSet<>();
    private final PlanSource.Entry entry;
    private final int mappingLine;
    private final String prefix;
    private String label;

    Fields(MappingNode mapping, PlanSource.Entry entry, String prefix, String label) {
      this.entry = entry;
      this.mappingLine = line(mapping);
      this.prefix = prefix;
      this.label = label;
      for (NodeTuple tuple : mapping.getValue()) {
        Node keyNode = tuple.getKeyNode();
        if (keyNode.getTag().equals(Tag.MERGE)) {
          problems.add(
              line(keyNode),
              label,
              prefix.isEmpty() ? null : prefix.substring(0, prefix.length() - 1),
              "merge keys (<<) are not supported; write the keys out");
          continue;
        }
        if (!(keyNode instanceof ScalarNode scalar)) {
          problems.add(
              line(keyNode),
              label,
              prefix.isEmpty() ? null : prefix.substring(0, prefix.length() - 1),
              "keys must be plain text, not " + describe(keyNode));
          continue;
        }
        String key = scalar.getValue();
        Integer first = keyLines.get(key);
        if (first != null) {
          problem(key, line(keyNode), "appears twice (first on line " + first + ")");
          continue;
        }
        keyLines.put(key, line(keyNode));
        values.put(key, tuple.getValueNode());
        entry.line(prefix + key, line(tuple.getValueNode()));
      }
    }

    /** Reports every key not in {@code accepted}, explaining those that belong on a parent step. */
    void checkKeys(List<String> accepted, Map<String, String> parentOnly) {
      for (Map.Entry<String, Integer> key : keyLines.entrySet()) {
        if (accepted.contains(key.getKey())) {
          continue;
        }
        String reason = parentOnly.get(key.getKey());
        if (reason == null) {
          String suggestion = closest(key.getKey(), accepted);
          reason =
              "unknown key"
                  + (suggestion == null ? "" : " (did you mean " + suggestion + "?)")
                  + "; expected one of: "
                  + String.join(", ", accepted);
        }
        problem(key.getKey(), key.getValue(), reason);
      }
    }

    Map<String, Node> all() {
      return values;
    }

    boolean has(String key) {
      return get(key) != null;
    }

    Node get(String key) {
      Node node = values.get(key);
      return node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL) ? null : node;
    }

    boolean reported(String key) {
      return reportedKeys.contains(prefix + key);
    }

    void problem(String key, String message) {
      Node node = values.get(key);
      problem(key, node == null ? mappingLine : line(node), message);
    }

    private void problem(String key, int line, String message) {
      problems.add(line, label, prefix + key, message);
      entry.reported(prefix + key);
      reportedKeys.add(prefix + key);
    }

    String text(String key) {
      Node node = get(key);
      if (node == null) {
        return null;
      }
      if (node instanceof ScalarNode scalar) {
        return scalar.getValue();
      }
      problem(key, "must be a single value, not " + describe(node));
      return null;
    }

    List<String> textList(String key, String expected) {
      Node node = get(key);
      if (node == null) {
        return List.of();
      }
      if (!(node instanceof SequenceNode sequence)) {
        problem(key, expected + ", not " + describe(node));
        return List.of();
      }
      List<String> items = new ArrayList<>();
      for (Node item : sequence.getValue()) {
        if (item instanceof ScalarNode scalar
            && !scalar.getTag().equals(Tag.NULL)
            && !scalar.getValue().isBlank()) {
          items.add(scalar.getValue());
        } else {
          String what = item instanceof ScalarNode ? "empty" : describe(item);
          problem(key, line(item), expected + "; an item is " + what);
        }
      }
      return items;
    }

    /** A whole number; a quoted one ({@code "5"}) is accepted too. */
    Integer integer(String key) {
      Long value = longInteger(key);
      if (value == null) {
        return null;
      }
      if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
        problem(key, value + " is too large");
        return null;
      }
      return value.intValue();
    }

    Long longInteger(String key) {
      Node node = get(key);
      if (node == null) {
        return null;
      }
      if (node instanceof ScalarNode scalar) {
        if (scalar.getTag().equals(Tag.INT)) {
          Object value = scalars.value(scalar);
          if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
          }
          problem(key, "\"" + scalar.getValue() + "\" is too large");
          return null;
        }
        if (scalar.getTag().equals(Tag.STR)
            && QUOTED_WHOLE_NUMBER.matcher(scalar.getValue()).matches()) {
          try {
            return Long.parseLong(scalar.getValue().trim());
          } catch (NumberFormatException e) {
            problem(key, "\"" + scalar.getValue() + "\" is too large");
            return null;
          }
        }
      }
      problem(key, describe(node) + " is not a whole number");
      return null;
    }

    Boolean bool(String key) {
      Node node = get(key);
      if (node == null) {
        return null;
      }
      if (node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.BOOL)) {
        return (Boolean) scalars.value(scalar);
      }
      problem(key, "must be true or false, not " + describe(node));
      return null;
    }

    Duration duration(String key) {
      String text = text(key);
      if (text == null) {
        return null;
      }
      try {
        return Durations.parse(text);
      } catch (IllegalArgumentException e) {
        problem(key, e.getMessage());
        return null;
      }
    }

    MappingNode mapping(String key, String expected) {
      Node node = get(key);
      if (node == null || node instanceof MappingNode) {
        return (MappingNode) node;
      }
      problem(key, expected + ", not " + describe(node));
      return null;
    }

    SequenceNode sequence(String key, String expected) {
      Node node = get(key);
      if (node == null || node instanceof SequenceNode) {
        return (SequenceNode) node;
      }
      problem(key, expected + ", not " + describe(node));
      return null;
    }
  }

  /** The accepted key closest to a misspelt one, if it is close enough to be a typo. */
  static String closest(String key, java.util.Collection<String> accepted) {
    String best = null;
    int bestDistance = TYPO_DISTANCE + 1;
    for (String candidate : accepted) {
      int distance = editDistance(key.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best;
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /**
   * SnakeYAML's own reading of typed scalars (0x1F, 1_000, 1e3, yes/no), so no rules are copied.
   */
  private static final class ScalarValues extends SafeConstructor {
    ScalarValues() {
      super(new LoaderOptions());
    }

    Object value(ScalarNode node) {
      return constructObject(node);
    }
  }
}
