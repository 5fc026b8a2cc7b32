package dev.flotilla.cli;

import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.deployment.InterventionDecision;
import dev.flotilla.engine.deployment.InterventionReply;
import dev.flotilla.engine.timeline.Timeline;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The interactive side of {@code flotilla deploy} in a terminal: a person answers the deployment's
 * interventions by typing {@code [N] DECISION [note]} (a decision's first letter will do; N may be
 * left out while one intervention waits). Each line is answered at once: taken, or why not. Reads
 * on a daemon thread of its own until the input ends.
 */
final class InterventionPrompt {

  /** The longest an answer may take to be recorded before the prompt says so and goes on. */
  private static final long ANSWER_TIMEOUT_SECONDS = 30;

  private final DeploymentHandle handle;
  private final BufferedReader input;
  private final BiConsumer<String, String> say;
  private final String by;

  /**
   * @param say prints a line with a label, between the deployment's own lines
   * @param by who answers, for the record: the user running the command
   */
  InterventionPrompt(
      DeploymentHandle handle, BufferedReader input, BiConsumer<String, String> say, String by) {
    this.handle = handle;
    this.input = input;
    this.say = say;
    this.by = by;
  }

  /** How to answer intervention {@code number} at this prompt, for the progress lines. */
  static String hint(int number, String choices) {
    return "type \"" + number + " " + choices + " [note]\" and Enter";
  }

  /** Reads and answers on a daemon thread until the input ends. */
  void start() {
    Thread reader = new Thread(this::readLoop, "flotilla-prompt");
    reader.setDaemon(true);
    reader.start();
  }

  private void readLoop() {
    try {
      for (String line = input.readLine(); line != null; line = input.readLine()) {
        if (!line.isBlank()) {
          answer(line);
        }
      }
    } catch (IOException e) {
      say.accept("prompt", "cannot read the terminal any more: " + e.getMessage());
    }
  }

  /** Answers one typed line; says what happened. */
  void answer(String line) {
    List<Timeline.InterventionEntry> pending = handle.interventions();
    String[] words = line.trim().split("\\s+", 3);
    int next = 0;
    Integer number = null;
    if (words[0].matches("\\d+")) {
      number = Integer.parseInt(words[0]);
      next = 1;
    } else if (pending.size() == 1) {
      number = pending.get(0).number();
    }
    if (number == null || next >= words.length) {
      say.accept(
          "prompt",
          pending.isEmpty()
              ? "no intervention waits now"
              : "type N DECISION [note], N one of "
                  + pending.stream().map(p -> String.valueOf(p.number())).toList());
      return;
    }
    InterventionDecision decision = decision(words[next]);
    if (decision == null) {
      say.accept(
          "prompt",
          "\""
              + words[next]
              + "\" is not a decision; type one of retry, ignore, exclude, fail, proceed, abort"
              + " (or its first letter)");
      return;
    }
    String note = next + 1 < words.length ? String.join(" ", tail(words, next + 1)) : null;
    InterventionReply reply;
    try {
      reply =
          handle
              .answer(number, decision, by, note)
              .toCompletableFuture()
              .get(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      say.accept("prompt", "the answer was not recorded in time; type it again");
      return;
    }
    say.accept(reply.accepted() ? "answered" : "refused", reply.message());
  }

  private static List<String> tail(String[] words, int from) {
    return List.of(words).subList(from, words.length);
  }

  /** A decision by its name or its first letter. */
  static InterventionDecision decision(String word) {
    InterventionDecision named = InterventionDecision.parse(word);
    if (named != null || word.length() != 1) {
      return named;
    }
    String letter = word.toLowerCase(Locale.ROOT);
    for (InterventionDecision decision : InterventionDecision.values()) {
      if (decision.wireName().startsWith(letter)) {
        return decision;
      }
    }
    return null;
  }
}
