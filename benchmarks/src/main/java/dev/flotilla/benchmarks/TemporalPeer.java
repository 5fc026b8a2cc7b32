package dev.flotilla.benchmarks;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Temporal, in its in-memory test service, running the workload the way a Temporal user would write
 * it: one workflow, one activity per execution, and per step a window of {@code cap} activities
 * (start up to cap, wait for any to complete, start the next). Time skipping is off: activities
 * take real time. Temporal has no per-target mutex across workflows (only a mutex-workflow
 * pattern); within this one workflow no target runs twice at once by construction.
 */
public final class TemporalPeer implements AutoCloseable {

  private static final String TASK_QUEUE = "fleet";

  /**
   * The deployment: steps in order, each over every target with at most {@code cap} activities at
   * once.
   */
  @WorkflowInterface
  public interface FleetWorkflow {
    @WorkflowMethod
    void deploy(List<String> targets, int steps, int cap, long durationMs);
  }

  /** One execution on one target. */
  @ActivityInterface
  public interface TargetActivities {
    @ActivityMethod
    void execute(String target, String step, long durationMs);
  }

  /** The workflow code; Temporal instantiates it per run. */
  public static final class FleetWorkflowImpl implements FleetWorkflow {
    private final TargetActivities activities =
        Workflow.newActivityStub(
            TargetActivities.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(5)).build());

    @Override
    public void deploy(List<String> targets, int steps, int cap, long durationMs) {
      for (int s = 0; s < steps; s++) {
        String step = Workload.stepName(s);
        List<Promise<Void>> running = new ArrayList<>(cap);
        for (String target : targets) {
          if (running.size() >= cap) {
            Promise.anyOf(running).get();
            running.removeIf(Promise::isCompleted);
          }
          running.add(Async.procedure(activities::execute, target, step, durationMs));
        }
        Promise.allOf(running).get();
      }
    }
  }

  /** The activity: appends its own start and end to the ledger. */
  private static final class LedgerActivities implements TargetActivities {
    private final Ledger ledger;

    LedgerActivities(Ledger ledger) {
      this.ledger = ledger;
    }

    @Override
    public void execute(String target, String step, long durationMs) {
      long start = System.nanoTime();
      if (durationMs > 0) {
        try {
          Thread.sleep(durationMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      ledger.record(start, System.nanoTime(), target, step);
    }
  }

  private final TestWorkflowEnvironment environment;

  TemporalPeer(Ledger ledger) {
    environment =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker worker = environment.newWorker(TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(FleetWorkflowImpl.class);
    worker.registerActivitiesImplementations(new LedgerActivities(ledger));
    environment.start();
  }

  /** Runs the workload as one workflow and returns once it has completed. */
  void run(Workload workload, List<String> targets) {
    FleetWorkflow workflow =
        environment
            .getWorkflowClient()
            .newWorkflowStub(
                FleetWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TASK_QUEUE)
                    .setWorkflowId("fleet-" + UUID.randomUUID())
                    .build());
    workflow.deploy(targets, workload.steps(), workload.cap(), workload.durationMs());
  }

  @Override
  public void close() {
    environment.close();
  }
}
