package dev.flotilla.engine.properties;

import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.RunCondition;
import dev.flotilla.engine.model.StartTrigger;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.model.TargetIsolation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The random plans of the property tests, from seeds (blocks, caps 1-12, overlapping roles, random
 * failures, both isolation modes, rolling steps, steps on the engine), the scripted operator of
 * guided failure, and timelines put on the wall clock to compare deployments. Shared with the
 * cluster's tests through the engine's test-jar, so the same plans run on one engine and on three
 * nodes.
 */
public final class RandomPlans {

  private RandomPlans() {}

  /** The operator's answer: drawn from the seed and the intervention, among those allowed. */
  public static InterventionDecision scriptedAnswer(
      long operatorSeed, DeploymentEvent.InterventionRaised raised) {
    List<InterventionDecision> choices = new ArrayList<>(raised.allowed());
    if (raised.attempt() >= 3) {
      // A person does not retry forever.
      choices.remove(InterventionDecision.RETRY);
    }
    Random random = new Random(operatorSeed * 31 + raised.number());
    return choices.get(random.nextInt(choices.size()));
  }

  /** The plan with guided failure, and some of its steps required. */
  public static DeploymentPlan guided(DeploymentPlan plan, Random random) {
    List<Step> steps = new ArrayList<>();
    for (Step step : plan.steps()) {
      steps.add(random.nextInt(4) == 0 ? step.withRequired(true) : step);
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
            plan.seed())
        .withGuidedFailure(true);
  }

  /**
   * Timelines count from each deployment's own start: put them all on the wall clock to compare.
   */
  public static List<dev.flotilla.engine.timeline.Timeline.ExecutionEntry> onWallClock(
      DeploymentResult result) {
    java.time.Instant started = java.time.Instant.parse(result.timeline().startedAt());
    double offsetMs = started.getEpochSecond() % 100_000 * 1000.0 + started.getNano() / 1_000_000.0;
    return result.timeline().executions().stream()
        .map(
            e ->
                new dev.flotilla.engine.timeline.Timeline.ExecutionEntry(
                    e.step(),
                    e.stepIndex(),
                    e.block(),
                    e.target(),
                    e.attempt(),
                    e.status(),
                    e.startMs() + offsetMs,
                    e.endMs() + offsetMs,
                    null,
                    null,
                    null))
        .toList();
  }

  public static DeploymentPlan randomPlan(Random random, String name) {
    List<String> roles = List.of("web", "db", "cache");
    int targetCount = 1 + random.nextInt(8);
    List<Target> targets = new ArrayList<>();
    Set<String> usedRoles = new LinkedHashSet<>();
    for (int i = 0; i < targetCount; i++) {
      List<String> targetRoles = new ArrayList<>();
      for (String role : roles) {
        if (random.nextInt(3) == 0) {
          targetRoles.add(role);
        }
      }
      if (targetRoles.isEmpty()) {
        targetRoles.add(roles.get(random.nextInt(roles.size())));
      }
      usedRoles.addAll(targetRoles);
      targets.add(new Target("t" + i, targetRoles));
    }
    List<String> available = List.copyOf(usedRoles);
    List<String> targetNames = targets.stream().map(Target::name).toList();
    int stepCount = 1 + random.nextInt(6);
    List<Step> steps = new ArrayList<>();
    int childCounter = 0;
    for (int s = 0; s < stepCount; s++) {
      String stepName = "s" + s;
      List<String> stepRoles = List.of(available.get(random.nextInt(available.size())));
      int kind = random.nextInt(10);
      Step step;
      if (kind < 2) {
        List<Step> children = new ArrayList<>();
        int childCount = 1 + random.nextInt(3);
        for (int c = 0; c < childCount; c++) {
          children.add(
              new Step(
                  "c" + (childCounter++),
                  List.of(),
                  null,
                  null,
                  null,
                  0,
                  null,
                  null,
                  false,
                  action(random, targetNames),
                  null,
                  null));
        }
        step =
            new Step(
                stepName,
                stepRoles,
                null,
                null,
                null,
                0,
                null,
                null,
                false,
                null,
                1 + random.nextInt(4),
                children);
      } else if (kind == 2) {
        step = Step.onServer(stepName, action(random, targetNames));
      } else {
        Integer cap = random.nextBoolean() ? null : 1 + random.nextInt(12);
        int retries = random.nextInt(4) == 0 ? 1 : 0;
        step =
            new Step(
                stepName,
                stepRoles,
                null,
                null,
                cap,
                retries,
                Duration.ZERO,
                null,
                false,
                action(random, targetNames),
                null,
                null);
      }
      if (s > 0 && random.nextInt(3) == 0) {
        step = step.withStartTrigger(StartTrigger.WITH_PREVIOUS);
      }
      RunCondition condition =
          switch (random.nextInt(6)) {
            case 0 -> RunCondition.ALWAYS;
            case 1 -> RunCondition.FAILURE;
            default -> RunCondition.SUCCESS;
          };
      steps.add(step.withCondition(condition));
    }
    TargetIsolation isolation =
        random.nextBoolean() ? TargetIsolation.EXCLUSIVE : TargetIsolation.SHARED;
    return new DeploymentPlan(
        name,
        null,
        null,
        1 + random.nextInt(12),
        isolation,
        Map.of(),
        targets,
        steps,
        random.nextLong());
  }

  private static ActionSpec action(Random random, List<String> targets) {
    List<String> failOn = new ArrayList<>();
    for (String target : targets) {
      if (random.nextInt(12) == 0) {
        failOn.add(target);
      }
    }
    return new ActionSpec(
        "simulate", Map.of("duration", random.nextInt(4) + "ms", "jitter", 0.5, "failOn", failOn));
  }
}
