package dev.flotilla.engine.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Brace ranges in target names. */
class TargetNamesTest {

  @Test
  void leavesANameWithoutRangeAsItIs() {
    // Proves plain names, and braces without "..", are names.
    assertThat(TargetNames.expand("db-01")).containsExactly("db-01");
    assertThat(TargetNames.expand("odd-{name}")).containsExactly("odd-{name}");
  }

  @Test
  void padsToTheWidthOfTheFirstBound() {
    // Proves zero padding follows the first bound as written.
    assertThat(TargetNames.expand("web-{01..03}")).containsExactly("web-01", "web-02", "web-03");
    assertThat(TargetNames.expand("web-{1..3}")).containsExactly("web-1", "web-2", "web-3");
    assertThat(TargetNames.expand("web-{8..10}")).containsExactly("web-8", "web-9", "web-10");
    assertThat(TargetNames.expand("web-{098..100}"))
        .containsExactly("web-098", "web-099", "web-100");
  }

  @Test
  void keepsTextAroundTheRange() {
    // Proves the range may sit anywhere in the name.
    assertThat(TargetNames.expand("{1..2}.eu.example.com"))
        .containsExactly("1.eu.example.com", "2.eu.example.com");
    assertThat(TargetNames.expand("web-{05..05}-blue")).containsExactly("web-05-blue");
  }

  @Test
  void rejectsRangeThatEndsBeforeItStarts() {
    // Proves ranges count up.
    assertThatThrownBy(() -> TargetNames.expand("web-{3..1}"))
        .hasMessage("range \"{3..1}\" ends before it starts");
  }

  @Test
  void rejectsNonNumericRange() {
    // Proves only numbers make a range, negative ones included.
    assertThatThrownBy(() -> TargetNames.expand("web-{a..c}"))
        .hasMessageContaining("is not a range of numbers");
    assertThatThrownBy(() -> TargetNames.expand("web-{-1..3}"))
        .hasMessageContaining("is not a range of numbers");
    assertThatThrownBy(() -> TargetNames.expand("web-{..3}"))
        .hasMessageContaining("is not a range of numbers");
  }

  @Test
  void rejectsMoreThanOneRange() {
    // Proves one range per name, so a name's expansion stays obvious.
    assertThatThrownBy(() -> TargetNames.expand("rack-{1..2}-web-{1..3}"))
        .hasMessageContaining("more than one range");
  }

  @Test
  void rejectsRangeLargerThanTheLimit() {
    // Proves a typo cannot expand to millions of targets.
    assertThat(TargetNames.expand("n{1..1000000}")).hasSize(TargetNames.MAX_RANGE_SIZE);
    assertThatThrownBy(() -> TargetNames.expand("n{1..1000001}"))
        .hasMessageContaining("at most 1000000");
    assertThatThrownBy(() -> TargetNames.expand("n{1..9999999999}"))
        .hasMessageContaining("is not a range of numbers");
  }
}
