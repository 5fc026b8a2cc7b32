package dev.flotilla.engine.plan;

import static dev.flotilla.engine.plan.PlanFixtures.onlyProblemOf;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * YAML syntax errors name their line and column and the slip that probably caused them, instead of
 * the parser's own terms ({@code found '?'}). One slip per test, each as a user would make it.
 */
class PlanLoaderYamlSyntaxTest {

  @Test
  void keyInTheColumnOfTheListDashesIsReportedAsIndentation() {
    // Proves the parser's "expected <block end>, but found '?'" reads as an indentation slip with
    // the block's start.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        steps:
          - name: Deploy
          roles: [web]
        """);
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:4: not valid YAML: at column 3, a key that does not line up"
                + " with the block it is in (line 3, column 3): probably wrong indentation; the keys of one mapping,"
                + " and the \"- \" of one list, start in the same column");
    assertThat(problem.message()).doesNotContain("'?'");
  }

  @Test
  void keyIndentedLessThanItsSiblingsIsReportedAsIndentation() {
    // Proves a key between the dash and its item's first key is an indentation slip, not '<block
    // mapping start>'.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        steps:
          - name: Deploy
           roles: [web]
        """);
    assertThat(problem.line()).isEqualTo(4);
    assertThat(problem.message())
        .startsWith("not valid YAML: at column 4, a key that does not line up with the block")
        .contains("probably wrong indentation")
        .doesNotContain("<block mapping start>");
  }

  @Test
  void keyIndentedDeeperThanTheLineAboveIsReportedAsIndentation() {
    // Proves "mapping values are not allowed here" after a deeper indent names the line it seems to
    // continue.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        steps:
          - name: Deploy
              roles: [web]
        """);
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:4: not valid YAML: at column 12, a key indented deeper than"
                + " line 3, as if it went on with the value there: probably wrong indentation; the keys of one mapping"
                + " start in the same column");
  }

  @Test
  void tabInTheIndentationIsNamed() {
    // Proves a tab is reported with its column and the fix, not as a character that "cannot start
    // any token".
    PlanProblem problem = onlyProblemOf("name: p\nsteps:\n  - name: Deploy\n  \troles: [web]\n");
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:4: not valid YAML: at column 3, a tab: YAML indents and"
                + " separates with spaces only; replace the tab with spaces");
  }

  @Test
  void tabBeforeAValueIsNamed() {
    // Proves a tab after a key's colon gets the same explanation, at its own column.
    PlanProblem problem = onlyProblemOf("name: p\nsteps:\n  - name: Deploy\n    roles:\t[web]\n");
    assertThat(problem.line()).isEqualTo(4);
    assertThat(problem.message()).startsWith("not valid YAML: at column 11, a tab:");
  }

  @Test
  void unclosedQuoteNamesWhereItOpened() {
    // Proves a string left open is reported where the file ends, naming the line and column of its
    // opening quote.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        steps:
          - name: "Deploy
            roles: [web]
        """);
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:5: not valid YAML: at column 1, the file ends inside a"
                + " quoted value: the \" opened on line 3, column 11 is never closed (probably a missing closing \")");
  }

  @Test
  void unclosedSingleQuoteNamesItsQuote() {
    // Proves the message names the quote character actually used.
    PlanProblem problem = onlyProblemOf("name: 'p\nsteps: []\n");
    assertThat(problem.message())
        .contains("the ' opened on line 1, column 7 is never closed")
        .endsWith("(probably a missing closing ')");
  }

  @Test
  void keyWithoutColonBeforeANestedBlockIsNamed() {
    // Proves "could not find expected ':'" names the key that lacks its colon and its line.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        steps:
          - name: Deploy
            roles [web]
            action: { type: simulate }
        """);
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:5: not valid YAML: at column 5, no ':' after \"roles [web]\""
                + " (line 4, column 5): probably a missing ':' after a key (write key: value)");
  }

  @Test
  void keyWithoutColonBeforeAnotherKeyIsNamed() {
    // Proves a line read as going on with the line above, which lacks its colon, names that line.
    PlanProblem problem =
        onlyProblemOf(
            """
        name p
        steps: []
        """);
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:2: not valid YAML: at column 6, line 1 has no ':', so this"
                + " line reads as going on with it: probably a missing ':' after the key on line 1 (write key: value)");
  }

  @Test
  void valueHoldingColonSpaceIsToldToBeQuoted() {
    // Proves a second ": " on one line is explained as a value that needs quotes.
    PlanProblem problem = onlyProblemOf("name: release: 2\nsteps: []\n");
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:1: not valid YAML: at column 14, a second ':' on this line:"
                + " a value that contains \": \" must be quoted");
  }

  @Test
  void unclosedFlowListNamesWhereItOpened() {
    // Proves a [ left open names its line and column and the two probable slips.
    PlanProblem problem =
        onlyProblemOf(
            """
        name: p
        targets: [{ name: a, roles: [web] }
        steps: []
        """);
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:3: not valid YAML: at column 1, the [ opened on line 2,"
                + " column 10 is not closed here: probably a missing ']' or a missing ',' between its items");
  }

  @Test
  void unclosedFlowMappingNamesWhereItOpened() {
    // Proves a { closed by the wrong bracket names the { and the missing '}'.
    PlanProblem problem =
        onlyProblemOf("name: p\ntargets: [{ name: a, roles: [web] ]\nsteps: []\n");
    assertThat(problem.line()).isEqualTo(2);
    assertThat(problem.message())
        .isEqualTo(
            "not valid YAML: at column 35, the { opened on line 2, column 11 is not"
                + " closed here: probably a missing '}' or a missing ',' between its entries");
  }

  @Test
  void reservedFirstCharacterIsToldToBeQuoted() {
    // Proves a value starting with @ is explained as needing quotes.
    PlanProblem problem = onlyProblemOf("name: @release\nsteps: []\n");
    assertThat(problem.toString())
        .isEqualTo(
            "plan.yaml:1: not valid YAML: at column 7, a value cannot start with '@'"
                + " unless it is quoted");
  }

  @Test
  void otherSyntaxErrorsKeepTheParsersWordsWithTheColumn() {
    // Proves an error of no known shape keeps SnakeYAML's text, now with its column.
    PlanProblem problem = onlyProblemOf("name: *missing\nsteps: []\n");
    assertThat(problem.toString())
        .isEqualTo("plan.yaml:1: not valid YAML: at column 7, found undefined alias missing");
  }
}
