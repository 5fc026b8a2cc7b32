package dev.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.deployment.DeploymentEvent.DeploymentAccepted;
import dev.flotilla.engine.deployment.DeploymentEvent.ExecutionFinished;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.testing.RecordingListener;
import dev.flotilla.engine.timeline.TimelineJson;
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

  @Test
  void aSensitiveValueReachesTheScriptButIsMaskedInLogsEventsAndTheTimeline() throws Exception {
    // Proves the script gets the clear value, and everything recorded or shown gets ********.
    DeploymentPlan plan =
        engine
            .planLoader()
            .parse(
                """
                name: secret
                targets: [{ name: web-01, roles: [web] }]
                variables:
                  Password: { value: s3cret-value, sensitive: true }
                steps:
                  - name: Use
                    roles: [web]
                    action:
                      type: script
                      run: 'test "$Password" = "#{Password}" && test ${#Password} = 12 && echo "got #{Password}"'
                """,
                "secret.yaml",
                Map.of());
    RecordingListener listener = new RecordingListener();
    DeploymentHandle handle = engine.submit(plan, listener);
    DeploymentResult result = handle.result().toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    ExecutionFinished finished =
        listener.events().stream()
            .filter(ExecutionFinished.class::isInstance)
            .map(ExecutionFinished.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(finished.log()).containsExactly("got ********");
    DeploymentAccepted accepted = (DeploymentAccepted) listener.events().get(0);
    assertThat(accepted.plan().variables()).containsEntry("Password", "********");
    assertThat(listener.events().toString()).doesNotContain("s3cret-value");
    assertThat(TimelineJson.toJson(result.timeline())).doesNotContain("s3cret-value");
  }

  @Test
  void aResumeWithoutTheSensitiveValuesIsRefusedNamingThem() throws Exception {
    // Proves a journal's masked plan cannot resume until the secrets are given again.
    DeploymentPlan plan =
        engine
            .planLoader()
            .parse(
                """
                name: secret
                targets: [{ name: web-01, roles: [web] }]
                variables:
                  Password: { value: s3cret-value, sensitive: true }
                  Token: { value: t, sensitive: true, scopes: [{ roles: [web], value: t-web }] }
                steps: [{ name: Use, roles: [web], action: { type: script, run: "true" } }]
                """,
                "secret.yaml",
                Map.of());
    List<dev.flotilla.engine.deployment.DeploymentEvent> history =
        List.of(new DeploymentAccepted("d-1", plan.masked(), 1L));

    assertThatThrownBy(() -> engine.resume("d-1", history, DeploymentListener.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Password, Token, Token[1]")
        .hasMessageContaining("--set NAME=VALUE");
    assertThat(plan.masked().unmasked(plan.secrets())).isEqualTo(plan);
  }
}
