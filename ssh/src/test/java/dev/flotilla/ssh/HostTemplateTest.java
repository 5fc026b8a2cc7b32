package dev.flotilla.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostTemplateTest {

  @Test
  void expandsAPaddedRangeWithTheTargetsNumber() {
    assertThat(HostTemplate.expand("web-{01..40}.internal", "web-07")).isEqualTo("web-07.internal");
    assertThat(HostTemplate.expand("web-{01..40}.internal", "web-7")).isEqualTo("web-07.internal");
    assertThat(HostTemplate.expand("10.0.0.{1..254}", "db-12")).isEqualTo("10.0.0.12");
  }

  @Test
  void usesTheLastNumberOfTheTargetsName() {
    assertThat(HostTemplate.expand("rack2-{001..100}", "eu1-web-042")).isEqualTo("rack2-042");
  }

  @Test
  void leavesAHostWithoutRangeAsItIs() {
    assertThat(HostTemplate.isTemplate("web.internal")).isFalse();
    assertThat(HostTemplate.expand("web.internal", "web-01")).isEqualTo("web.internal");
  }

  @Test
  void refusesATargetOutsideTheRangeNamingIt() {
    assertThatThrownBy(() -> HostTemplate.expand("web-{01..40}", "web-41"))
        .hasMessageContaining("web-41")
        .hasMessageContaining("{01..40}");
  }

  @Test
  void refusesATargetWithoutNumber() {
    assertThatThrownBy(() -> HostTemplate.expand("web-{01..40}", "canary"))
        .hasMessageContaining("canary");
  }

  @Test
  void refusesTwoRanges() {
    assertThatThrownBy(() -> HostTemplate.expand("{1..2}-{1..2}", "a-1"))
        .hasMessageContaining("more than one");
  }
}
