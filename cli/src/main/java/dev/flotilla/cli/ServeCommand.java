package dev.flotilla.cli;

import picocli.CommandLine.Command;

/**
 * {@code flotilla serve}: the older name of {@link NodeCommand}, kept for the scripts that run it.
 * The same options ({@code --port} among them), the same behaviour, its messages under its own
 * name.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "The older name of 'flotilla node', kept: the same command, the same options (--port is --http-port).",
      "Runs Flotilla as a server: an engine and its HTTP service (submit plans, follow their events, read their "
          + "timelines, cancel them, open their waterfall pages), listening on 127.0.0.1 unless --http-host says otherwise.",
      "Every request needs the node's token: FLOTILLA_TOKEN if set, else a new one generated at each start and "
          + "written to the token file, readable by you only (the clients of this user read it there).",
      "Runs until Ctrl-C or SIGTERM, then stops: open event streams end, the HTTP server stops, then the engine, "
          + "and it says what became of the deployments still running."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the service ran until it was stopped (Ctrl-C or SIGTERM)",
      "1:the service could not start (port in use, journal unavailable, token file not writable)",
      "2:invalid options"
    })
final class ServeCommand extends NodeCommand {}
