package dev.flotilla.engine.action;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Threads the engine lends to actions, so that no action blocks an actor's dispatcher.
 *
 * @param timer a precise timer for delays (not the actor scheduler, whose ticks are 10 ms apart)
 * @param blockingExecutor a dedicated pool for blocking work such as reading a process's output
 */
public record ActionRuntime(ScheduledExecutorService timer, Executor blockingExecutor) {}
