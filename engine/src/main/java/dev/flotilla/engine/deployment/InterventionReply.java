package dev.flotilla.engine.deployment;

/**
 * What answering an intervention did.
 *
 * @param outcome whether the answer was taken, and if not, why
 * @param message for people: what was taken, or why not and what to do
 */
public record InterventionReply(Outcome outcome, String message) {

  /** Whether an answer was taken; every refusal leaves the deployment as it was. */
  public enum Outcome {
    /** Recorded: the deployment acts on it. */
    ACCEPTED,
    /** The intervention was answered before (by this answer or another): nothing changes. */
    ALREADY_ANSWERED,
    /** This decision is not among the intervention's allowed decisions. */
    NOT_ALLOWED,
    /** The deployment has no intervention of that number. */
    UNKNOWN_INTERVENTION,
    /** The engine runs no deployment of that id. */
    UNKNOWN_DEPLOYMENT,
    /** The deployment has finished: its interventions closed with it. */
    DEPLOYMENT_FINISHED
  }

  public boolean accepted() {
    return outcome == Outcome.ACCEPTED;
  }

  public static InterventionReply of(Outcome outcome, String message) {
    return new InterventionReply(outcome, message);
  }
}
