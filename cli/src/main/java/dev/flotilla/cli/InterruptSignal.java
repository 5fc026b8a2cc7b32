package dev.flotilla.cli;

/**
 * Where the CLI hears that the user wants to stop a running deployment. In a real process that is
 * Ctrl-C; a test raises it itself.
 */
interface InterruptSignal {

  /** Why a deployment is cancelled when the user presses Ctrl-C. */
  String CTRL_C_REASON = "interrupted (Ctrl-C)";

  /**
   * Reacts to the interrupt, on the signal's thread; returns the exit code the process ends with.
   */
  @FunctionalInterface
  interface Handler {
    int onInterrupt();
  }

  /** Stops listening; safe to call at any time, even while the handler runs. */
  @FunctionalInterface
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  Registration register(Handler handler);

  /** Never fires: for hosts and tests that run the CLI in-process. */
  InterruptSignal NONE = handler -> () -> {};

  /**
   * Ctrl-C (and any other signal that shuts the JVM down): a shutdown hook runs the handler and
   * then ends the process with the handler's exit code, instead of the signal's conventional 128 +
   * n. The hook is removed again once the run is over, so a normal exit never runs it.
   */
  InterruptSignal JVM_SHUTDOWN =
      handler -> {
        Thread hook =
            new Thread(
                () -> {
                  int exitCode = handler.onInterrupt();
                  System.out.flush();
                  System.err.flush();
                  // The main thread is parked in System.exit (or about to be): halt is the only way
                  // to pick the code.
                  Runtime.getRuntime().halt(exitCode);
                },
                "flotilla-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        return () -> {
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException shutdownInProgress) {
            // The JVM is already shutting down: the hook runs (or ran) and ends the process.
          }
        };
      };
}
