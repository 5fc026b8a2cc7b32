package dev.flotilla.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** One in-process run of the CLI: its exit code and everything it printed. */
record CliRun(int exitCode, String out, String err) {

  static CliRun of(String... args) {
    return with(InterruptSignal.NONE, args);
  }

  static CliRun with(InterruptSignal interrupts, String... args) {
    return with(System.getenv(), interrupts, args);
  }

  /** A run that sees {@code environment} as its process's environment. */
  static CliRun with(Map<String, String> environment, InterruptSignal interrupts, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        FlotillaCli.run(
            args, new PrintWriter(out, true), new PrintWriter(err, true), interrupts, environment);
    return new CliRun(exitCode, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit code " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
  }
}
