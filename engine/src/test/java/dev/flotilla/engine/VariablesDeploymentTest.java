package dev.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.testing.RecordingListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Variables reach what runs: substituted in script parameters, per target and scope. */
class VariablesDeploymentTest {

  private Flotilla engine;

  @BeforeEach
  void startEngine() {
    engine =
        Flotilla.start(
            EngineSettings.fromConfig(ConfigFactory.load()).withGuardIdleTimeout(Duration.ZERO));
  }

  @AfterEach
  void stopEngine() {
    engine.close();
  }

  private List<ExecutionFinished> run(String yaml, Map<String, String> overrides) throws Exception {
    DeploymentPlan plan = engine.planLoader().parse(yaml, "vars.yaml", overrides);
    RecordingListener listener = new RecordingListener();
    DeploymentResult result =
        engine.submit(plan, listener).result().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    return listener.events().stream()
        .filter(ExecutionFinished.class::isInstance)
        .map(ExecutionFinished.class::cast)
        .toList();
  }

  @Test
  void aScriptRunsWithItsVariablesSubstitutedPerTarget() throws Exception {
    // Proves substitution happens per execution: scopes, system variables and --set all apply.
    List<ExecutionFinished> finished =
        run(
            """
            name: vars
            targets:
              - { name: web-01, roles: [web] }
              - { name: api-01, roles: [web, api] }
            variables:
              Greeting: hello
              Port: { value: 80, scopes: [{ roles: [api], value: 8080 }] }
            steps:
              - name: Say
                roles: [web]
                action: { type: script, run: "echo '#{Greeting} #{Octopus.Machine.Name}:#{Port} ##{Port}'" }
            """,
            Map.of("Greeting", "hi"));
    assertThat(finished)
        .extracting(e -> e.target() + " " + e.log())
        .containsExactlyInAnyOrder(
            "web-01 [hi web-01:80 #{Port}]", "api-01 [hi api-01:8080 #{Port}]");
  }
}
