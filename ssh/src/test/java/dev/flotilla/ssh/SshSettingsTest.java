package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SshSettingsTest {

  @Test
  void theModuleShipsItsDefaultsInReferenceConf() {
    SshSettings settings = SshSettings.load();
    assertThat(settings.maxSessions()).isEqualTo(256);
    assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(settings.authTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(settings.keepAliveInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(settings.keepAliveMaxMissed()).isEqualTo(3);
    assertThat(settings.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(settings.killGrace()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void theHostOverridesAnySetting() {
    SshSettings settings =
        SshSettings.from(
            ConfigFactory.parseString("flotilla.ssh { max-sessions = 10, auth-timeout = 500ms }")
                .withFallback(ConfigFactory.load()));
    assertThat(settings.maxSessions()).isEqualTo(10);
    assertThat(settings.authTimeout()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void refusesAPoolWithoutRoom() {
    assertThatThrownBy(() -> SshSettings.load().withMaxSessions(0))
        .hasMessageContaining("max-sessions");
  }
}
