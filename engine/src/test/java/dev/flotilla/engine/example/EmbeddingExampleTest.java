package dev.flotilla.engine.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.deployment.DeploymentStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingExampleTest {

  @Test
  void theReadmeExampleRunsADeploymentToTheEnd() throws Exception {
    DeploymentResult result = EmbeddingExample.run();
    assertThat(result.status()).isEqualTo(DeploymentStatus.SUCCEEDED);
    assertThat(result.timeline().executions()).hasSize(6);
  }

  @Test
  void theReadmeShowsExactlyTheExampleThatRuns() throws Exception {
    Path source = Path.of("src/test/java/dev/flotilla/engine/example/EmbeddingExample.java");
    List<String> lines = Files.readAllLines(source);
    int begin = lines.indexOf("    // README:begin");
    int end = lines.indexOf("    // README:end");
    assertThat(begin).isPositive();
    assertThat(end).isGreaterThan(begin);
    String example =
        lines.subList(begin + 1, end).stream()
            .map(line -> line.length() >= 4 ? line.substring(4) : line.strip())
            .collect(java.util.stream.Collectors.joining("\n"));
    String readme = Files.readString(Path.of("../README.md"));
    assertThat(readme).as("the README's embedding example").contains(example);
    String imports =
        lines.stream()
            .filter(line -> line.startsWith("import "))
            .collect(java.util.stream.Collectors.joining("\n"));
    assertThat(readme).as("the README's embedding imports").contains(imports);
  }
}
