package dev.flotilla.engine.internal.deployment;

import java.util.List;

/**
 * What one step has to do when it starts: the work per target, in queue order, and how many targets
 * it will not start at all (after a restart: the ones a failure had already held back).
 */
record StepWork(List<TargetWork> targets, int alreadyNotStarted) {}
