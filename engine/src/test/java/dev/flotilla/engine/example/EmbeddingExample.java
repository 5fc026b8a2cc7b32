package dev.flotilla.engine.example;

import com.typesafe.config.ConfigFactory;
import dev.flotilla.engine.DeploymentHandle;
import dev.flotilla.engine.DeploymentResult;
import dev.flotilla.engine.EngineSettings;
import dev.flotilla.engine.Flotilla;
import dev.flotilla.engine.action.Action;
import dev.flotilla.engine.action.ActionResult;
import dev.flotilla.engine.action.ActionType;
import dev.flotilla.engine.action.RunningAction;
import dev.flotilla.engine.deployment.DeploymentEvent;
import dev.flotilla.engine.deployment.DeploymentListener;
import dev.flotilla.engine.model.DeploymentPlan;
import java.util.Map;

/** The embedding example of the README, verbatim between the markers; a test runs it. */
final class EmbeddingExample {

  private EmbeddingExample() {}

  static DeploymentResult run() throws Exception {
    // README:begin
    // A host-defined action type: plans name it as `type: ping`.
    ActionType ping = new ActionType() {
      @Override
      public String name() {
        return "ping";
      }

      @Override
      public Action configure(Map<String, Object> parameters) {
        return context -> {
          context.log().line("pinging " + context.target());
          return RunningAction.completed(ActionResult.success());
        };
      }
    };
    EngineSettings settings = EngineSettings.fromConfig(ConfigFactory.load()).withActionType(ping);

    try (Flotilla engine = Flotilla.start(settings)) {
      DeploymentPlan plan = engine.planLoader().parse("""
          name: hello
          targets: [{ name: "web-{1..3}", roles: [web] }]
          steps:
            - { name: Ping, roles: [web], action: { type: ping } }
            - { name: Settle, roles: [web], action: { type: simulate, duration: 50ms } }
          """, "hello.yaml", Map.of());

      DeploymentHandle handle = engine.submit(plan, new DeploymentListener() {
        @Override
        public void onEvent(DeploymentEvent event) {
          if (event instanceof DeploymentEvent.StepFinished finished) {
            System.out.println("step " + finished.step() + " " + finished.status());
          }
        }
      });
      DeploymentResult result = handle.result().toCompletableFuture().join();
      System.out.println(result.status() + " in " + result.timeline().makespanMs() + " ms");
      return result;
    }
    // README:end
  }
}
