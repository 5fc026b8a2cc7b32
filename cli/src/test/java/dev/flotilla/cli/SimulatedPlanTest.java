package dev.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.ScopedValue;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a what-if rehearsal keeps of the plan it stands for. */
class SimulatedPlanTest {

  @Test
  void aRehearsalKeepsScopedAndSensitiveVariables() {
    // Proves a sweep substitutes the values the real run would, scopes and secrets included.
    DeploymentPlan plan =
        DeploymentPlan.of(
                "p",
                List.of(new Target("web-01", List.of("web"))),
                List.of(
                    Step.of(
                        "S", new ActionSpec("simulate", Map.of("duration", "#{Pause}")), "web")))
            .withScopedVariables(
                Map.of("Pause", List.of(ScopedValue.forRoles(List.of("web"), "1ms"))),
                Set.of("Pause"));

    DeploymentPlan rehearsal = SimulatedPlan.of(plan, Duration.ofSeconds(1)).plan();

    assertThat(rehearsal.scopedValues()).isEqualTo(plan.scopedValues());
    assertThat(rehearsal.sensitive()).containsExactly("Pause");
  }
}
