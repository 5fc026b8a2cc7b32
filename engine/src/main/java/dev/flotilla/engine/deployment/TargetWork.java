package dev.flotilla.engine.deployment;

import java.util.List;

/**
 * What one per-target actor does: run {@code steps} in order on {@code target}. One step for a
 * plain step; a rolling step's children for a rolling one. This description is what throttles
 * queue; the actor exists only while the work runs.
 *
 * @param target null for a step that runs on the engine
 * @param steps layout indices, in order
 */
record TargetWork(String target, List<Integer> steps) {}
