package dev.flotilla.server.waterfall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Opens a page in headless Chromium as a separate process and returns the DOM after its scripts
 * ran. A missing Chromium fails the test, never skips it: the waterfall is only proven in a browser
 * ({@code ./test} installs the Debian package {@code chromium} when it is missing).
 */
final class HeadlessChromium {

  static final Path EXECUTABLE = Path.of("/usr/bin/chromium");
  private static final long TIMEOUT_SECONDS = 90;

  private HeadlessChromium() {}

  /** The page's DOM, serialized once the page has loaded and its scripts have run. */
  static String dumpDom(Path page, Path scratch) throws IOException, InterruptedException {
    return dumpDom(page.toUri().toString(), List.of(), scratch);
  }

  /**
   * The DOM of a page a service serves, serialized once {@code virtualTime} of the page's own time
   * has passed: Chromium runs its timers on virtual time, which stands still while a fetch is in
   * flight, so what the page fetched and drew by then is there, however slow the machine.
   */
  static String dumpDom(String url, Duration virtualTime, Path scratch)
      throws IOException, InterruptedException {
    return dumpDom(url, List.of("--virtual-time-budget=" + virtualTime.toMillis()), scratch);
  }

  private static String dumpDom(String url, List<String> flags, Path scratch)
      throws IOException, InterruptedException {
    assertThat(Files.isExecutable(EXECUTABLE))
        .as(
            "headless Chromium is needed at %s to check the waterfall in a browser: install it with "
                + "'./test' (which installs it on Debian) or 'apt-get update && apt-get install -y chromium'",
            EXECUTABLE)
        .isTrue();
    // A fresh profile per run: no state from an earlier run, and no lock held by another Chromium.
    Path profile = Files.createTempDirectory(scratch, "chromium-profile");
    Path log = scratch.resolve(profile.getFileName() + ".log");
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            EXECUTABLE.toString(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--user-data-dir=" + profile,
            "--dump-dom"));
    command.addAll(flags);
    command.add(url);
    Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
    // Read stdout while Chromium writes it: a large DOM would fill the pipe and block it.
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      fail(
          "Chromium did not finish within %d s; its log: %s",
          TIMEOUT_SECONDS, Files.readString(log));
    }
    assertThat(process.exitValue())
        .as("Chromium's exit code; its log: %s", Files.readString(log))
        .isZero();
    return out.join();
  }

  private static String readAll(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
