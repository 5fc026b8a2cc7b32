package dev.flotilla.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

/**
 * The actor system {@link Flotilla#start} creates runs on as many threads as flotilla.threads says.
 */
class OwnActorSystemTest {

  private static final String PARALLELISM =
      "pekko.actor.default-dispatcher.fork-join-executor.parallelism-";

  @Test
  void byDefaultTheEngineRunsOnOneThreadPerCoreAndAtLeastTwo() {
    Config config = ConfigFactory.load();
    int expected = Math.max(2, Runtime.getRuntime().availableProcessors());

    try (Flotilla engine = Flotilla.start(EngineSettings.fromConfig(config), config)) {
      Config used = engine.system().settings().config();
      assertThat(used.getInt(PARALLELISM + "min")).isEqualTo(expected);
      assertThat(used.getInt(PARALLELISM + "max")).isEqualTo(expected);
    }
  }

  @Test
  void aConfiguredThreadCountWinsOverPekkosParallelismSettings() {
    Config config =
        ConfigFactory.parseString("flotilla.threads = 3\n" + PARALLELISM + "max = 40")
            .withFallback(ConfigFactory.load());

    Config used = Flotilla.ownSystemConfig(config);

    assertThat(used.getInt(PARALLELISM + "min")).isEqualTo(3);
    assertThat(used.getInt(PARALLELISM + "max")).isEqualTo(3);
    assertThat(used.getInt("flotilla.max-deployments"))
        .isEqualTo(config.getInt("flotilla.max-deployments"));
  }

  @Test
  void aNegativeThreadCountIsRejectedBeforeAnySystemStarts() {
    Config config =
        ConfigFactory.parseString("flotilla.threads = -1").withFallback(ConfigFactory.load());

    assertThatThrownBy(() -> Flotilla.start(EngineSettings.fromConfig(config), config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("flotilla.threads")
        .hasMessageContaining("-1");
  }
}
