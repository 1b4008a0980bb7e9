package dev.rpcproxy.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.ClientView;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.spring.app.Restaurant;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.annotation.HttpExchange;

/** A Spring HTTP interface, as a team already has it, becomes an {@code @RpcClient} bean with its policy. */
class SpringHttpInterfaceClientTest {
  @RpcClient("restaurants")
  @HttpExchange(url = "/restaurants", accept = "application/json")
  interface Restaurants {
    @GetExchange("/{id}")
    Restaurant restaurant(@PathVariable("id") long id);
  }

  @Configuration(proxyBeanMethods = false)
  @EnableRpcClients(clients = Restaurants.class)
  static class App {}

  @Test
  void anHttpExchangeInterfaceIsAClientWithThePropertiesPolicy() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RpcProxyAutoConfiguration.class))
        .withUserConfiguration(App.class)
        .withPropertyValues("rpcproxy.clients.restaurants.base-url=" + Downstream.restBaseUrl(),
            "rpcproxy.clients.restaurants.timeout=2s", "rpcproxy.clients.restaurants.retry.max-attempts=3")
        .run(context -> {
          assertThat(context).hasNotFailed();
          Restaurants restaurants = context.getBean(Restaurants.class);
          assertThat(restaurants.restaurant(7)).isEqualTo(new Restaurant(7, "R7"));
          ClientView.MethodView method = RpcProxy.inspect(restaurants).methods().get(0);
          assertThat(method.timeout()).isEqualTo(Duration.ofSeconds(2));
          assertThat(method.maxAttempts()).isEqualTo(3); // a GET exchange is idempotent: retried
        });
  }
}
