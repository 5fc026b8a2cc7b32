package dev.flotilla.engine.internal.deployment;

import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.model.PlanLayout;
import dev.flotilla.engine.model.PlanLayout.StepInfo;
import dev.flotilla.engine.variables.VariableResolver;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.pcollections.PMap;

/**
 * What an execution reads of the deployment so far: the recorded state (immutable, so it is safe to
 * hand to another actor) and the clear values of sensitive outputs, which the journal holds masked
 * and only the running deployment knows.
 *
 * @param secretOutputs sensitive outputs in clear, by step and target
 */
record RunFacts(DeploymentState state, Map<Integer, Map<String, Map<String, String>>> secretOutputs)
    implements VariableResolver.Facts {

  RunFacts {
    secretOutputs = secretOutputs == null ? Map.of() : secretOutputs;
  }

  @Override
  public Map<String, Map<String, String>> outputs(int step) {
    PMap<String, Map<String, String>> recorded = state.reads().outputs().get(step);
    Map<String, Map<String, String>> secrets = secretOutputs.getOrDefault(step, Map.of());
    if (secrets.isEmpty()) {
      return recorded == null ? Map.of() : recorded;
    }
    Map<String, Map<String, String>> merged = new LinkedHashMap<>();
    if (recorded != null) {
      merged.putAll(recorded);
    }
    secrets.forEach(
        (target, values) -> {
          Map<String, String> one = new LinkedHashMap<>(merged.getOrDefault(target, Map.of()));
          one.putAll(values);
          merged.put(target, one);
        });
    return merged;
  }

  @Override
  public String statusCode(int step) {
    StepStatus status = state.step(step).status();
    return switch (status) {
      case PENDING -> "Pending";
      case RUNNING -> "Running";
      case SUCCEEDED -> "Success";
      case FAILED -> "Failed";
      case SKIPPED -> "Skipped";
      case CANCELLED -> "Canceled";
    };
  }

  @Override
  public boolean skipped(int step) {
    return state.step(step).status() == StepStatus.SKIPPED;
  }

  @Override
  public String error() {
    return state.reads().error();
  }

  /** The variables {@code step} reads on {@code target} (null: on the engine). */
  VariableResolver resolver(
      String deploymentId, StepInfo step, String target, Consumer<String> notes) {
    return resolver(state.layout(), this, deploymentId, step, target, notes);
  }

  static VariableResolver resolver(
      PlanLayout layout,
      VariableResolver.Facts facts,
      String deploymentId,
      StepInfo step,
      String target,
      Consumer<String> notes) {
    String stepName = step.isChild() ? layout.step(step.parent()).name() : step.name();
    return new VariableResolver(
        layout.plan(),
        name -> {
          StepInfo named = layout.stepNamed(name);
          if (named == null) {
            for (StepInfo info : layout.steps()) {
              if (info.name().equalsIgnoreCase(name)) {
                return info.index();
              }
            }
            return null;
          }
          return named.index();
        },
        facts,
        new VariableResolver.Where(deploymentId, stepName, step.name(), target, step.targetCap()),
        notes,
        layout::target);
  }
}
