package dev.flotilla.engine.deployment;

/** One (step, target) execution; {@code target} is null for a step that runs on the engine. */
public record ExecutionKey(int step, String target) {}
