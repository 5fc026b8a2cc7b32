package dev.flotilla.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentStatus;
import dev.flotilla.engine.deployment.ExecutionStatus;
import dev.flotilla.engine.deployment.StepStatus;
import dev.flotilla.engine.internal.deployment.DeploymentState;
import dev.flotilla.engine.model.ActionSpec;
import dev.flotilla.engine.model.DeploymentPlan;
import dev.flotilla.engine.model.RunCondition;
import dev.flotilla.engine.model.StartTrigger;
import dev.flotilla.engine.model.Step;
import dev.flotilla.engine.model.Target;
import dev.flotilla.engine.model.TargetIsolation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every event type, and the snapshot, survive the journal's serialization unchanged. */
class EventSerializationTest {

  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
  private static final Serialization serialization =
      SerializationExtension.get(
          org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(testKit.system()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static DeploymentPlan richPlan() {
    Step rolling =
        new Step(
            "Roll",
            List.of("web"),
            StartTrigger.WITH_PREVIOUS,
            RunCondition.variable("Go"),
            null,
            0,
            null,
            null,
            false,
            null,
            3,
            List.of(
                Step.of(
                    "Drain", new ActionSpec("simulate", Map.of("duration", "1s", "jitter", 0.1))),
                Step.of(
                    "Restart",
                    new ActionSpec(
                        "simulate", Map.of("failOn", List.of("web-07"), "failureRate", 0.25)))));
    Step deploy =
        Step.of(
                "Deploy",
                new ActionSpec("script", Map.of("run", "echo hi", "estimate", "2s")),
                "web")
            .withMaxParallelism(5)
            .withRetries(2, Duration.ofMillis(500))
            .withTimeout(Duration.ofMinutes(1))
            .withCondition(RunCondition.ALWAYS);
    return new DeploymentPlan(
        "rich",
        "shop",
        "production",
        7,
        TargetIsolation.SHARED,
        Map.of("Greeting", "hello", "Go", "True"),
        List.of(
            // The connection is journaled with the plan (hostKeys: acceptNew among it).
            new Target(
                "web-07",
                List.of("web", "edge"),
                Map.of("host", "web-{01..40}.internal", "port", "2222", "hostKeys", "acceptNew")),
            new Target("db-01", List.of("db"))),
        List.of(deploy, rolling, Step.onServer("Notify", new ActionSpec("simulate", Map.of()))),
        42L,
        DeploymentPlan.InterruptPolicy.FAIL);
  }

  static Stream<DeploymentEvent> everyEventType() {
    return Stream.concat(
        singleEvents(),
        // A batch carries events of every type, each still itself after the round trip.
        Stream.of(new DeploymentEvent.Batch(singleEvents().toList(), 13L)));
  }

  static Stream<DeploymentEvent> singleEvents() {
    return Stream.of(
        new DeploymentEvent.DeploymentAccepted("d-1", richPlan(), 1L),
        new DeploymentEvent.DeploymentStarted(2L),
        new DeploymentEvent.BlockStarted(1, 3L),
        new DeploymentEvent.StepStarted(0, 4L),
        new DeploymentEvent.StepSkipped(2, "condition success not met", 5L),
        new DeploymentEvent.ExecutionWaiting(0, "web-07", 1, "deployment d-0 step \"Deploy\"", 6L),
        new DeploymentEvent.ExecutionStarted(0, "web-07", 1, 7L),
        new DeploymentEvent.ExecutionStarted(4, null, 1, 7L),
        new DeploymentEvent.ExecutionFinished(
            0,
            "web-07",
            1,
            ExecutionStatus.TIMED_OUT,
            "timed out after 1m",
            List.of("line 1", "line 2"),
            false,
            8L),
        new DeploymentEvent.ExecutionInterrupted(0, "web-07", 2, true, 9L),
        new DeploymentEvent.StepFinished(0, StepStatus.FAILED, 3, 10L),
        new DeploymentEvent.CancelRequested("operator said stop", 11L),
        new DeploymentEvent.DeploymentAborted(
            "the deployment's actor failed: journal unavailable", 11L),
        new DeploymentEvent.DeploymentFinished(DeploymentStatus.CANCELLED, 12L),
        new DeploymentEvent.InterventionRaised(
            1,
            0,
            "web-07",
            2,
            ExecutionStatus.TIMED_OUT,
            "timed out after 1m",
            List.of(
                dev.flotilla.engine.deployment.InterventionDecision.RETRY,
                dev.flotilla.engine.deployment.InterventionDecision.FAIL),
            null,
            null,
            13L),
        new DeploymentEvent.InterventionAnswered(
            2,
            dev.flotilla.engine.deployment.InterventionDecision.PROCEED,
            "alice",
            "staging looks fine",
            Map.of("Manual.Approved", "True"),
            14L));
  }

  @Test
  void coversEveryEventType() {
    // Proves the list below is complete: a new event type must get a round-trip case.
    long types = everyEventType().map(Object::getClass).distinct().count();
    assertThat(types).isEqualTo(DeploymentEvent.class.getPermittedSubclasses().length);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyEventType")
  void eventSurvivesTheJournalUnchanged(DeploymentEvent event) {
    Serializer serializer = serialization.findSerializerFor(event);
    assertThat(serializer.getClass().getSimpleName()).isEqualTo("JacksonCborSerializer");
    assertThat(roundTrip(event)).isEqualTo(event);
  }

  @Test
  void snapshotOfTheStateSurvivesTheJournalUnchanged() {
    DeploymentState state = DeploymentState.empty();
    for (DeploymentEvent event : everyEventType().limit(9).toList()) {
      state = state.apply(event);
    }
    DeploymentState copy = (DeploymentState) roundTrip(state);
    assertThat(copy.deploymentId()).isEqualTo("d-1");
    assertThat(copy.layout().plan()).isEqualTo(state.layout().plan());
    assertThat(copy.running()).isEqualTo(state.running());
    assertThat(copy.lastAttempt()).isEqualTo(state.lastAttempt());
    assertThat(copy.finished()).isEqualTo(state.finished());
    assertThat(copy.currentBlock()).isEqualTo(1);
    assertThat(copy.step(0)).isEqualTo(state.step(0));
    assertThat(copy.status()).isEqualTo(DeploymentStatus.RUNNING);
    assertThat(copy.events()).isEqualTo(9);
  }

  @Test
  void aSnapshotTakenBeforeTheStateMovedToTheInternalPackageStillReads() {
    // Proves the migration: a snapshot names the class it was written as, and the state's class has
    // moved since.
    DeploymentState state = DeploymentState.empty();
    for (DeploymentEvent event : everyEventType().limit(9).toList()) {
      state = state.apply(event);
    }
    SerializerWithStringManifest serializer =
        (SerializerWithStringManifest) serialization.findSerializerFor(state);
    byte[] bytes = serializer.toBinary(state);
    assertThat(serializer.manifest(state)).isEqualTo(DeploymentState.class.getName());
    Object read =
        serialization
            .deserialize(
                bytes, serializer.identifier(), "dev.flotilla.engine.deployment.DeploymentState")
            .get();
    assertThat(read)
        .isInstanceOfSatisfying(
            DeploymentState.class,
            copy -> {
              assertThat(copy.deploymentId()).isEqualTo("d-1");
              assertThat(copy.events()).isEqualTo(9);
            });
  }

  private static Object roundTrip(Object value) {
    Serializer serializer = serialization.findSerializerFor(value);
    byte[] bytes = serializer.toBinary(value);
    String manifest =
        serializer instanceof SerializerWithStringManifest withManifest
            ? withManifest.manifest(value)
            : "";
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  @Test
  void anEventWrittenBeforeAFieldExistedStillReads() throws Exception {
    // Proves the evolution rule: a field added later reads as its default from an older journal.
    DeploymentEvent accepted = new DeploymentEvent.DeploymentAccepted("d-old", richPlan(), 1L);
    SerializerWithStringManifest serializer =
        (SerializerWithStringManifest) serialization.findSerializerFor(accepted);
    com.fasterxml.jackson.databind.ObjectMapper cbor =
        new com.fasterxml.jackson.databind.ObjectMapper(
            new com.fasterxml.jackson.dataformat.cbor.CBORFactory());
    com.fasterxml.jackson.databind.node.ObjectNode tree =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            cbor.readTree(serializer.toBinary(accepted));
    ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("plan")).remove("onInterrupted");
    byte[] older = cbor.writeValueAsBytes(tree);

    DeploymentEvent.DeploymentAccepted read =
        (DeploymentEvent.DeploymentAccepted)
            serialization
                .deserialize(older, serializer.identifier(), serializer.manifest(accepted))
                .get();
    assertThat(read.plan().onInterrupted()).isEqualTo(DeploymentPlan.InterruptPolicy.RERUN);
    assertThat(read.plan().steps()).isEqualTo(richPlan().steps());
  }

  @Test
  void aSnapshotTakenBeforeTheEventCountExistedStillReads() throws Exception {
    DeploymentState state = DeploymentState.empty();
    for (DeploymentEvent event : singleEvents().limit(9).toList()) {
      state = state.apply(event);
    }
    SerializerWithStringManifest serializer =
        (SerializerWithStringManifest) serialization.findSerializerFor(state);
    com.fasterxml.jackson.databind.ObjectMapper cbor =
        new com.fasterxml.jackson.databind.ObjectMapper(
            new com.fasterxml.jackson.dataformat.cbor.CBORFactory());
    com.fasterxml.jackson.databind.node.ObjectNode tree =
        (com.fasterxml.jackson.databind.node.ObjectNode) cbor.readTree(serializer.toBinary(state));
    assertThat(tree.has("events")).isTrue();
    tree.remove("events");
    byte[] older = cbor.writeValueAsBytes(tree);

    DeploymentState read =
        (DeploymentState)
            serialization
                .deserialize(older, serializer.identifier(), serializer.manifest(state))
                .get();
    assertThat(read.events()).isZero();
    assertThat(read.finished()).isEqualTo(state.finished());
    assertThat(read.running()).isEqualTo(state.running());
  }
}
