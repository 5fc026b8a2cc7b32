package dev.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.action.ActionTypes;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EngineSettingsTest {

  @Test
  void readsTheBatchHoldFromTheConfiguration() {
    EngineSettings settings =
        EngineSettings.fromConfig(
            ConfigFactory.parseString("flotilla.batch-hold = 7ms")
                .withFallback(ConfigFactory.load()));

    assertThat(settings.batchHold()).isEqualTo(Duration.ofMillis(7));
  }

  @Test
  void settingsBuiltWithoutABatchHoldTakeTheDefault() {
    EngineSettings settings =
        new EngineSettings(5, 100, 2000, ActionTypes.builtIn(), EngineSettings.Journal.TRANSIENT);

    assertThat(settings.batchHold())
        .isEqualTo(ConfigFactory.defaultReference().getDuration("flotilla.batch-hold"));
  }

  @Test
  void rejectsABatchHoldOfZeroNamingTheSetting() {
    assertThatThrownBy(
            () ->
                EngineSettings.fromConfig(
                    ConfigFactory.parseString("flotilla.batch-hold = 0s")
                        .withFallback(ConfigFactory.load())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("flotilla.batch-hold");
  }
}
