package dev.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.model.DeploymentPlan;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * An engine embedded in a host's actor system behaves as a guest; its own system gets the engine's
 * settings.
 */
class GuestEngineTest {

  private static final String PLAN =
      """
      name: guest
      targets: [{ name: "web-{1..3}", roles: [web] }]
      steps:
        - { name: Deploy, roles: [web], action: { type: simulate, duration: 0ms } }
      """;

  @Test
  void theEnginesReferenceConfSetsNoHostWidePekkoKeys() throws Exception {
    Config host = ConfigFactory.load();
    URL pekkoJar =
        org.apache.pekko.actor.ActorSystem.class
            .getProtectionDomain()
            .getCodeSource()
            .getLocation();
    Config pekkoAlone =
        ConfigFactory.parseURL(URI.create("jar:" + pekkoJar + "!/reference.conf").toURL())
            .resolve();

    for (String key :
        new String[] {
          "pekko.loggers",
          "pekko.logging-filter",
          "pekko.loglevel",
          "pekko.jvm-exit-on-fatal-error",
          "pekko.actor.allow-java-serialization"
        }) {
      assertThat(host.getValue(key).unwrapped())
          .as(key)
          .isEqualTo(pekkoAlone.getValue(key).unwrapped());
    }
  }

  @Test
  void anEmbeddedEngineRunsDeploymentsInTheHostAndLeavesItsConfigurationAndLifeAlone()
      throws Exception {
    ActorSystem<Void> host = ActorSystem.create(Behaviors.empty(), "host", ConfigFactory.load());
    try {
      Flotilla engine = Flotilla.embed(host);
      DeploymentPlan plan = engine.planLoader().parse(PLAN, "guest.yaml", Map.of());

      DeploymentResult result =
          engine.submit(plan).result().toCompletableFuture().get(20, TimeUnit.SECONDS);
      engine.close();

      assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
      assertThat(engine.system()).isSameAs(host);
      assertThat(host.getWhenTerminated().toCompletableFuture()).isNotDone();
      // Pekko's own default, which an embedded library has no business turning off for its host.
      assertThat(host.settings().config().getBoolean("pekko.jvm-exit-on-fatal-error")).isTrue();
    } finally {
      host.terminate();
      host.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void twoEnginesCanBeEmbeddedInOneHost() throws Exception {
    ActorSystem<Void> host = ActorSystem.create(Behaviors.empty(), "host", ConfigFactory.load());
    try (Flotilla one = Flotilla.embed(host);
        Flotilla other = Flotilla.embed(host)) {
      DeploymentPlan plan = one.planLoader().parse(PLAN, "guest.yaml", Map.of());

      assertThat(one.submit(plan).result().toCompletableFuture().get(20, TimeUnit.SECONDS).status())
          .isEqualTo(DeploymentStatus.SUCCEEDED);
      assertThat(
              other.submit(plan).result().toCompletableFuture().get(20, TimeUnit.SECONDS).status())
          .isEqualTo(DeploymentStatus.SUCCEEDED);
    } finally {
      host.terminate();
      host.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void anEmbeddedEngineWhoseHostHasStoppedClosesWithoutComplaint() throws Exception {
    ActorSystem<Void> host = ActorSystem.create(Behaviors.empty(), "host", ConfigFactory.load());
    Flotilla engine =
        Flotilla.embed(host, EngineSettings.defaults().withCloseTimeout(Duration.ofSeconds(1)));
    host.terminate();
    host.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertThatCode(engine::close).doesNotThrowAnyException();
  }

  @Test
  void theEnginesOwnSystemLogsThroughSlf4jAndNeverExitsTheJvm() {
    try (Flotilla engine = Flotilla.start()) {
      Config used = engine.system().settings().config();

      assertThat(used.getStringList("pekko.loggers"))
          .containsExactly("org.apache.pekko.event.slf4j.Slf4jLogger");
      assertThat(used.getString("pekko.logging-filter"))
          .isEqualTo("org.apache.pekko.event.slf4j.Slf4jLoggingFilter");
      assertThat(used.getBoolean("pekko.jvm-exit-on-fatal-error")).isFalse();
      assertThat(used.getBoolean("pekko.actor.allow-java-serialization")).isFalse();
    }
  }

  @Test
  void aClosedEngineTakesNoDeploymentAndClosingAgainDoesNothing() throws Exception {
    Flotilla engine = Flotilla.start();
    DeploymentPlan plan = engine.planLoader().parse(PLAN, "guest.yaml", Map.of());
    engine.close();

    engine.close();
    assertThatThrownBy(() -> engine.submit(plan))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void timeoutsThatWereHardCodedAreSettings() {
    EngineSettings settings =
        EngineSettings.fromConfig(
            ConfigFactory.parseString(
                    """
        flotilla.guards-timeout = 5s
        flotilla.guard-idle-timeout = 0s
        flotilla.close-timeout = 7s
        """)
                .withFallback(ConfigFactory.load()));

    assertThat(settings.guardsTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.guardIdleTimeout()).isZero();
    assertThat(settings.closeTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(EngineSettings.defaults().closeTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(EngineSettings.defaults().guardsTimeout()).isEqualTo(Duration.ofMinutes(1));
  }
}
