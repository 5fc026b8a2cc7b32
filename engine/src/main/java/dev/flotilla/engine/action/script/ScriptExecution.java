package dev.flotilla.engine.action.script;

import dev.flotilla.engine.action.ActionContext;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.RunningAction;
import dev.flotilla.engine.variables.ServiceMessages;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * One run of a script. Everything that blocks (starting the shell, reading its output, waiting for
 * its exit) happens in one task on the runtime's blocking executor, so {@link #start} returns at
 * once.
 */
final class ScriptExecution implements RunningAction {

  private static final String SHELL = "/bin/sh";

  private final String command;
  private final ActionContext context;
  private final CompletableFuture<ActionResult> result = new CompletableFuture<>();

  // Guarded by this: a cancel either comes before the start, which then never happens, or sees
  // the process and kills it.
  private boolean cancelled;
  private Process process;

  private ScriptExecution(String command, ActionContext context) {
    this.command = command;
    this.context = context;
  }

  static RunningAction start(String command, ActionContext context) {
    ScriptExecution execution = new ScriptExecution(command, context);
    try {
      context.runtime().blockingExecutor().execute(execution::run);
    } catch (RejectedExecutionException e) {
      execution.result.complete(
          ActionResult.failure("cannot run the script: the blocking executor is shut down"));
    }
    return execution;
  }

  @Override
  public CompletionStage<ActionResult> result() {
    return result;
  }

  @Override
  public void cancel() {
    Process running;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      running = process;
    }
    if (running != null) {
      killTree(running);
    }
    // Does not wait for the killed processes to be reaped: a process stuck in the kernel must not
    // leave the execution stuck in cancelling.
    result.complete(ActionResult.failure("cancelled"));
  }

  private void run() {
    Process started = null;
    try {
      synchronized (this) {
        if (cancelled) {
          return;
        }
      }
      try {
        started = processBuilder().start();
      } catch (IOException | RuntimeException e) {
        finish(ActionResult.failure("cannot start " + SHELL + ": " + e.getMessage()));
        return;
      }
      synchronized (this) {
        process = started;
        if (cancelled) {
          // Cancelled while the shell was starting.
          killTree(started);
          return;
        }
      }
      closeInput(started);
      try (BufferedReader output = started.inputReader()) {
        for (String line = output.readLine(); line != null; line = output.readLine()) {
          context.log().line(line);
        }
      }
      int exitCode = started.waitFor();
      finish(
          exitCode == 0 ? ActionResult.success() : ActionResult.failure("exit code " + exitCode));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abandon(started, "interrupted while the script was running");
    } catch (IOException | RuntimeException e) {
      abandon(started, "the script's output could not be read: " + e.getMessage());
    }
  }

  private ProcessBuilder processBuilder() {
    ProcessBuilder builder =
        new ProcessBuilder(SHELL, "-c", ServiceMessages.withFunctions(command))
            .redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    context
        .variables()
        .forEach(
            (name, value) -> {
              if (value == null) {
                return;
              }
              try {
                environment.put(name, value);
              } catch (IllegalArgumentException e) {
                context
                    .log()
                    .line(
                        "variable \"" + name + "\" is not passed to the script: " + e.getMessage());
              }
            });
    // Set last, so that a variable of the same name cannot hide who is running.
    environment.put("FLOTILLA_DEPLOYMENT", context.deploymentId());
    environment.put("FLOTILLA_STEP", context.step());
    environment.put("FLOTILLA_TARGET", context.target() == null ? "" : context.target());
    environment.put("FLOTILLA_ATTEMPT", Integer.toString(context.attempt()));
    return builder;
  }

  /** A script reading its standard input gets end-of-file rather than waiting forever. */
  private static void closeInput(Process process) {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // The shell already exited; its exit code tells what happened.
    }
  }

  /** Completes the result unless the execution was cancelled, whose result is already given. */
  private void finish(ActionResult outcome) {
    synchronized (this) {
      if (cancelled) {
        return;
      }
    }
    result.complete(outcome);
  }

  private void abandon(Process started, String reason) {
    if (started != null) {
      killTree(started);
    }
    finish(ActionResult.failure(reason));
  }

  /**
   * Kills the shell and everything it started. The descendants are listed before the shell dies:
   * afterwards they are re-parented and can no longer be found from it. The shell is killed first
   * so it starts nothing more while its children are being killed.
   */
  private static void killTree(Process shell) {
    List<ProcessHandle> descendants = shell.descendants().toList();
    shell.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
  }
}
