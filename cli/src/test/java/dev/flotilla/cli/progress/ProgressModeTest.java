package dev.flotilla.cli.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Bars only where a person watches, unless told otherwise. */
class ProgressModeTest {

  @Test
  void autoDrawsBarsOnATerminalAndLinesElsewhere() {
    // Proves the default follows the output: a terminal gets bars, a pipe or a CI log gets lines.
    assertThat(ProgressMode.choose("auto", true)).isEqualTo(ProgressMode.BARS);
    assertThat(ProgressMode.choose("auto", false)).isEqualTo(ProgressMode.LINES);
  }

  @Test
  void anExplicitModeWinsWhateverTheOutput() {
    // Proves FLOTILLA_PROGRESS=bars|lines forces either mode.
    assertThat(ProgressMode.choose("bars", false)).isEqualTo(ProgressMode.BARS);
    assertThat(ProgressMode.choose(" LINES ", true)).isEqualTo(ProgressMode.LINES);
  }

  @Test
  void anUnknownModeIsRefusedNamingTheSetting() {
    // Proves a typo is reported, not silently taken for auto.
    assertThatThrownBy(() -> ProgressMode.choose("bar", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FLOTILLA_PROGRESS");
  }
}
