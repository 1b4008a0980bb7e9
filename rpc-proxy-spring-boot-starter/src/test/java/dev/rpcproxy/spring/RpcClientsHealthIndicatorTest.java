package dev.rpcproxy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.RpcTransportException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** The health contributor's status while a breaker is open: not DOWN unless the user says so. */
class RpcClientsHealthIndicatorTest {
  @RpcClient("refused")
  interface RefusedApi {
    @GET
    @Path("/anything")
    String get();
  }

  @Configuration(proxyBeanMethods = false)
  @EnableRpcClients(clients = RefusedApi.class)
  static class App {}

  // Port 1 on loopback refuses connections at once: each call is a transport failure.
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(RpcProxyAutoConfiguration.class, RpcProxyActuatorAutoConfiguration.class))
      .withUserConfiguration(App.class)
      .withPropertyValues("rpcproxy.clients.refused.base-url=http://127.0.0.1:1",
          "rpcproxy.clients.refused.circuit-breaker.sliding-window-size=2",
          "rpcproxy.clients.refused.circuit-breaker.minimum-number-of-calls=2",
          "rpcproxy.clients.refused.circuit-breaker.wait-duration-in-open-state=60s");

  @Test
  void upWhileClosedAndCircuitOpenByDefault() {
    runner.run(context -> {
      RpcClientsHealthIndicator health = context.getBean(RpcClientsHealthIndicator.class);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);

      openTheBreaker(context.getBean(RefusedApi.class));

      assertThat(health.health().getStatus().getCode()).isEqualTo("CIRCUIT_OPEN");
      assertThat(health.health().getDetails()).containsKey("refused");
    });
  }

  @Test
  void downWhenTheUserSaysSo() {
    runner.withPropertyValues("rpcproxy.health.open-status=DOWN").run(context -> {
      openTheBreaker(context.getBean(RefusedApi.class));

      assertThat(context.getBean(RpcClientsHealthIndicator.class).health().getStatus()).isEqualTo(Status.DOWN);
    });
  }

  @Test
  void canBeTurnedOff() {
    runner.withPropertyValues("management.health.rpcclients.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(RpcClientsHealthIndicator.class));
  }

  private static void openTheBreaker(RefusedApi api) {
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(api::get).isInstanceOf(RpcTransportException.class);
    }
  }
}
