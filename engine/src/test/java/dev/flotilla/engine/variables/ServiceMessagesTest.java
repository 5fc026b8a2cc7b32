package dev.flotilla.engine.variables;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Octopus's setVariable service message, as printed by scripts and recognised by the engine. */
class ServiceMessagesTest {

  @Test
  void readsOctopusBase64Form() {
    // Proves the exact form Octopus scripts print: base64 name and value, optional sensitive.
    assertThat(ServiceMessages.parse("##octopus[setVariable name='QnVpbGQ=' value='NDI=']"))
        .isEqualTo(new ServiceMessages.Output("Build", "42", false));
    assertThat(
            ServiceMessages.parse(
                "##octopus[setVariable name='S2V5' value='czNjcmV0' sensitive='VHJ1ZQ==']"))
        .isEqualTo(new ServiceMessages.Output("Key", "s3cret", true));
  }

  @Test
  void writesWhatItReads() {
    // Proves the SPI's form round-trips, unicode and spaces included.
    String line = ServiceMessages.setVariable("Release Notes", "größer = 2", true);
    assertThat(ServiceMessages.parse(line))
        .isEqualTo(new ServiceMessages.Output("Release Notes", "größer = 2", true));
  }

  @Test
  void otherLinesAreNotOutputs() {
    // Proves ordinary output and malformed messages stay lines of the log.
    assertThat(ServiceMessages.parse("hello")).isNull();
    assertThat(ServiceMessages.parse("##octopus[setVariable name='***' value='NDI=']")).isNull();
    assertThat(ServiceMessages.parse("say ##octopus[setVariable name='QnVpbGQ=' value='NDI=']"))
        .isNull();
  }

  @Test
  void theShellFunctionPrintsTheMessage() throws Exception {
    // Proves set_octopusvariable, as prepended to scripts, prints what the engine reads.
    Process process =
        new ProcessBuilder(
                List.of(
                    "/bin/sh",
                    "-c",
                    ServiceMessages.withFunctions(
                        "set_octopusvariable Build 'v 1.2'; set_octopusvariable Key k -sensitive")))
            .redirectErrorStream(true)
            .start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    process.getInputStream().transferTo(out);
    assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines)
        .extracting(ServiceMessages::parse)
        .containsExactly(
            new ServiceMessages.Output("Build", "v 1.2", false),
            new ServiceMessages.Output("Key", "k", true));
  }
}
