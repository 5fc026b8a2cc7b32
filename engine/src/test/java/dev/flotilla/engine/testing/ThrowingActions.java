package dev.flotilla.engine.testing;

import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.RunningAction;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An action type that misbehaves where its parameter {@code at} says: {@code start} (start throws),
 * {@code result} (result() throws), {@code future} (its result fails), {@code cancel} (it never
 * ends by itself, and cancel() throws), {@code error} (start throws an Error, which takes its
 * per-target actor down). Type name {@code throwing}.
 */
public final class ThrowingActions implements ActionType {

  public static final String NAME = "throwing";

  private final CountDownLatch started = new CountDownLatch(1);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Action configure(Map<String, Object> parameters) {
    String at = String.valueOf(parameters.get("at"));
    return context -> {
      started.countDown();
      switch (at) {
        case "start":
          throw new IllegalStateException("boom at start");
        case "error":
          throw new AssertionError("boom, an Error at start");
        case "result":
          return new RunningAction() {
            @Override
            public CompletionStage<ActionResult> result() {
              throw new IllegalStateException("boom in result");
            }

            @Override
            public void cancel() {}
          };
        case "future":
          return RunningAction.of(
              CompletableFuture.supplyAsync(
                  () -> {
                    throw new IllegalStateException("boom in future");
                  }),
              () -> {});
        case "cancel":
          return RunningAction.of(
              new CompletableFuture<>(),
              () -> {
                throw new IllegalStateException("boom in cancel");
              });
        default:
          throw new IllegalArgumentException("unknown point " + at);
      }
    };
  }

  /** Waits until an execution has started; fails the test if none does within 10 s. */
  public void awaitStart() throws InterruptedException {
    if (!started.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("no execution started within 10 s");
    }
  }
}
