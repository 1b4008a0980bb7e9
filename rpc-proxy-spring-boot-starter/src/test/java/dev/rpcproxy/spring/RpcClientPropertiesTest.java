package dev.rpcproxy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.ClientView;
import dev.rpcproxy.ConcurrencyLimit;
import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.Endpoints;
import dev.rpcproxy.Fallback;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.spring.test.kitchen.CreateTicketRequest;
import dev.rpcproxy.spring.test.kitchen.KitchenServiceGrpc;
import dev.rpcproxy.spring.test.kitchen.Ticket;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Properties to clients, and startup failures that name the property at fault. */
class RpcClientPropertiesTest {
  @RpcClient("restaurants")
  interface RestaurantApi {
    @GET
    @Path("/restaurants/{id}")
    String restaurant(@PathParam("id") long id);

    @GET
    @Path("/menus/{id}")
    String menu(@PathParam("id") long id);
  }

  @RpcClient(value = "kitchen", grpcService = KitchenServiceGrpc.class)
  interface KitchenClient {
    Ticket createTicket(CreateTicketRequest request);
  }

  @Configuration(proxyBeanMethods = false)
  @EnableRpcClients(clients = RestaurantApi.class)
  static class RestApp {}

  @Configuration(proxyBeanMethods = false)
  @EnableRpcClients(clients = KitchenClient.class)
  static class GrpcApp {}

  @Configuration(proxyBeanMethods = false)
  static class Beans {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }

    @Bean
    Fallback emptyMenu() {
      return Fallbacks.value("{}");
    }

    @Bean
    EndpointSource restaurantInstances() {
      return Endpoints.of("http://127.0.0.1:1", "http://127.0.0.1:2");
    }
  }

  private final ApplicationContextRunner rest = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(RpcProxyAutoConfiguration.class))
      .withUserConfiguration(RestApp.class, Beans.class)
      .withPropertyValues("rpcproxy.clients.restaurants.base-url=http://127.0.0.1:1");

  private final ApplicationContextRunner grpc = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(RpcProxyAutoConfiguration.class))
      .withUserConfiguration(GrpcApp.class)
      .withPropertyValues("rpcproxy.clients.kitchen.grpc.target=127.0.0.1:1", "rpcproxy.clients.kitchen.grpc.plaintext=true");

  @Test
  void everyGroupOfSettingsReachesThePolicy() {
    rest.withPropertyValues(
            "rpcproxy.defaults.timeout=3s",
            "rpcproxy.defaults.circuit-breaker.failure-rate-threshold=25",
            "rpcproxy.clients.restaurants.concurrency-limit=adaptive",
            "rpcproxy.clients.restaurants.attempt-timeout=300ms",
            "rpcproxy.clients.restaurants.retry.max-attempts=4",
            "rpcproxy.clients.restaurants.retry.initial-backoff=10ms",
            "rpcproxy.clients.restaurants.hedge.percentile=95",
            "rpcproxy.clients.restaurants.hedge.min-delay=5ms",
            "rpcproxy.clients.restaurants.hedge.max-delay=200ms",
            "rpcproxy.clients.restaurants.fallback=cached",
            "rpcproxy.clients.restaurants.methods.menu.timeout=700ms",
            "rpcproxy.clients.restaurants.methods.menu.retry.max-attempts=1",
            "rpcproxy.clients.restaurants.methods.menu.circuit-breaker.sliding-window-size=5",
            "rpcproxy.clients.restaurants.methods.menu.fallback=emptyMenu")
        .run(context -> {
          assertThat(context).hasNotFailed();
          ClientView view = RpcProxy.inspect(context.getBean(RestaurantApi.class));
          ClientView.MethodView restaurant = method(view, "restaurant");
          ClientView.MethodView menu = method(view, "menu");
          assertThat(restaurant.timeout()).isEqualTo(Duration.ofSeconds(3));
          assertThat(restaurant.maxAttempts()).isEqualTo(4);
          assertThat(restaurant.fallback()).isTrue();
          assertThat(restaurant.breaker()).isEqualTo("restaurants");
          assertThat(menu.timeout()).isEqualTo(Duration.ofMillis(700));
          assertThat(menu.maxAttempts()).isEqualTo(1);
          assertThat(menu.breaker()).isEqualTo("restaurants.menu");   // its own circuit-breaker settings
          assertThat(view.limit()).isEqualTo(ConcurrencyLimit.adaptive().initialLimit());
          assertThat(context.getBean(MeterRegistry.class).find("rpc.client.calls").tag("client", "restaurants").meters())
              .isNotEmpty();
        });
  }

  @Test
  void endpointsByBeanName() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RpcProxyAutoConfiguration.class))
        .withUserConfiguration(RestApp.class, Beans.class)
        .withPropertyValues("rpcproxy.clients.restaurants.endpoints=restaurantInstances")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(RpcProxy.inspect(context.getBean(RestaurantApi.class)).transport()).contains("2 endpoints");
        });
  }

  @Test
  void restEndpointsFromAListOfUrls() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RpcProxyAutoConfiguration.class))
        .withUserConfiguration(RestApp.class)
        .withPropertyValues("rpcproxy.clients.restaurants.endpoints[0]=" + Downstream.restBaseUrl(),
            "rpcproxy.clients.restaurants.timeout=10s")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(RestaurantApi.class).restaurant(5)).contains("\"name\":\"R5\"");
        });
  }

  @Test
  void grpcEndpointsGoThroughABalancedChannel() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RpcProxyAutoConfiguration.class))
        .withUserConfiguration(GrpcApp.class)
        .withPropertyValues("rpcproxy.clients.kitchen.endpoints=http://" + Downstream.grpcTarget(),
            "rpcproxy.clients.kitchen.grpc.plaintext=true", "rpcproxy.clients.kitchen.timeout=10s")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(KitchenClient.class)
              .createTicket(CreateTicketRequest.newBuilder().setRestaurantId(6).build()).getTicketId()).isEqualTo("t-6");
        });
  }

  @Test
  void aGrpcClientGetsAChannelThatClosesWithTheContext() {
    grpc.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(RpcProxy.inspect(context.getBean(KitchenClient.class)).transport()).contains("test.kitchen.KitchenService");
    });
  }

  @Test
  void restClientsWorkWithoutGrpcOnTheClassPath() {
    rest.withClassLoader(new FilteredClassLoader("io.grpc", "dev.rpcproxy.grpc"))
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RestaurantApi.class));
  }

  @Test
  void aGrpcClientWithoutGrpcOnTheClassPathSaysWhatIsMissing() {
    grpc.withClassLoader(new FilteredClassLoader("dev.rpcproxy.grpc"))
        .run(context -> assertThat(context).getFailure().rootCause()
            .hasMessageContaining(KitchenClient.class.getName())
            .hasMessageContaining("rpc-proxy-grpc is not on the class path"));
  }

  @Test
  void aRestClientWithoutOkHttpSaysWhatIsMissing() {
    rest.withClassLoader(new FilteredClassLoader("okhttp3"))
        .run(context -> assertThat(context).getFailure().rootCause()
            .hasMessageContaining("rpc-proxy-http is not on the class path"));
  }

  @Test
  void badTimeoutNamesTheProperty() {
    failsNaming(rest, "rpcproxy.clients.restaurants.timeout", "rpcproxy.clients.restaurants.timeout=-1s");
  }

  @Test
  void unreadableDurationNamesTheProperty() {
    failsNaming(rest, "rpcproxy.clients.restaurants.timeout", "rpcproxy.clients.restaurants.timeout=soon");
  }

  @Test
  void badBreakerSettingNamesTheProperty() {
    failsNaming(rest, "rpcproxy.clients.restaurants.circuit-breaker.failure-rate-threshold",
        "rpcproxy.clients.restaurants.circuit-breaker.failure-rate-threshold=150");
  }

  @Test
  void badDefaultNamesTheDefaultsProperty() {
    failsNaming(rest, "rpcproxy.defaults.retry.max-attempts", "rpcproxy.defaults.retry.max-attempts=0");
  }

  @Test
  void badConcurrencyLimitNamesTheProperty() {
    failsNaming(rest, "rpcproxy.clients.restaurants.concurrency-limit",
        "rpcproxy.clients.restaurants.concurrency-limit=lots");
    failsNaming(rest, "rpcproxy.clients.restaurants.concurrency-limit",
        "rpcproxy.clients.restaurants.concurrency-limit=8", "rpcproxy.clients.restaurants.max-concurrent-calls=8");
  }

  @Test
  void messagesUseThePropertyNamesTheUserWrote() {
    failsWith(rest, "rpcproxy.clients.restaurants.concurrency-limit=-1",
        "Property rpcproxy.clients.restaurants.concurrency-limit with value '-1' is invalid: "
            + "must be a number of calls of at least 1, or 'adaptive'");
    failsWith(rest, "rpcproxy.clients.restaurants.max-concurrent-calls=0",
        "rpcproxy.clients.restaurants.max-concurrent-calls with value '0' is invalid: "
            + "max-concurrent-calls must be at least 1");
    failsWith(rest, "rpcproxy.clients.restaurants.attempt-timeout=0s",
        "rpcproxy.clients.restaurants.attempt-timeout with value 'PT0S' is invalid: attempt-timeout must be positive");
    failsWith(rest, "rpcproxy.clients.restaurants.max-wait-for-permit=-1s",
        "max-wait-for-permit must not be negative");
  }

  private static void failsWith(ApplicationContextRunner runner, String setting, String message) {
    runner.withPropertyValues(setting).run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure())).contains(message)
          .doesNotContainPattern("\\b[a-z]+[A-Z][A-Za-z]* must");
    });
  }

  @Test
  void badHedgeNamesTheProperty() {
    failsNaming(rest, "rpcproxy.clients.restaurants.hedge.max-attempts",
        "rpcproxy.clients.restaurants.hedge.max-attempts=9");
    failsNaming(rest, "rpcproxy.clients.restaurants.hedge.min-delay",
        "rpcproxy.clients.restaurants.hedge.percentile=99");
  }

  @Test
  void faultPropertiesInjectFaultsPerClientAndAMethodMayTurnThemOff() {
    rest.withPropertyValues(
            "rpcproxy.clients.restaurants.faults.abort-percent=100",
            "rpcproxy.clients.restaurants.faults.abort-status=503",
            "rpcproxy.clients.restaurants.methods.menu.faults.abort-percent=0")
        .run(context -> {
          assertThat(context).hasNotFailed();
          RestaurantApi api = context.getBean(RestaurantApi.class);
          // Nothing listens on port 1: an aborted attempt fails before it would have found that out.
          assertThatThrownBy(() -> api.restaurant(1)).isInstanceOfSatisfying(dev.rpcproxy.RemoteCallException.class,
              e -> assertThat(e.status()).isEqualTo("503"));
          assertThatThrownBy(() -> api.menu(1)).isInstanceOf(dev.rpcproxy.RpcTransportException.class);
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          assertThat(registry.get("rpc.client.faults").tags("method", "restaurant", "kind", "abort").counter().count())
              .isEqualTo(1.0);
        });
  }

  @Test
  void badFaultsNameTheProperty() {
    failsNaming(rest, "rpcproxy.clients.restaurants.faults.abort-percent",
        "rpcproxy.clients.restaurants.faults.abort-percent=150");
    failsNaming(rest, "rpcproxy.clients.restaurants.faults.delay-percent",
        "rpcproxy.clients.restaurants.faults.delay=100ms");
  }

  @Test
  void whereToConnectIsNotADefault() {
    failsNaming(rest, "use rpcproxy.clients.<name>.base-url", "rpcproxy.defaults.base-url=http://127.0.0.1:1");
    failsNaming(rest, "use rpcproxy.clients.<name>.methods", "rpcproxy.defaults.methods.menu.timeout=1s");
    failsNaming(rest, "use rpcproxy.clients.<name>.grpc.target", "rpcproxy.defaults.grpc.target=127.0.0.1:1");
  }

  @Test
  void misspeltClientKeyFailsNamingTheNearestKey() {
    failsNaming(rest, "Property rpcproxy.clients.restaurants.timout (\"rpcproxy.clients.restaurants.timout\" from "
        + "property source \"test\") is not an rpc-proxy setting: no such property; "
        + "did you mean rpcproxy.clients.restaurants.timeout?",
        "rpcproxy.clients.restaurants.timout=1s");
  }

  @Test
  void misspeltMethodKeyFailsNamingTheNearestKey() {
    failsNaming(rest, "did you mean rpcproxy.clients.restaurants.methods.menu.max-concurrent-calls?",
        "rpcproxy.clients.restaurants.methods.menu.max-concurent-calls=2");
  }

  @Test
  void misspeltBreakerKeyFailsNamingTheNearestKey() {
    failsNaming(rest, "did you mean rpcproxy.clients.restaurants.circuit-breaker.failure-rate-threshold?",
        "rpcproxy.clients.restaurants.circuit-breaker.failure-rate-treshold=20");
    failsNaming(rest, "did you mean rpcproxy.defaults.circuit-breaker.sliding-window-size?",
        "rpcproxy.defaults.circuitBreaker.slidingWindowSise=20");
  }

  @Test
  void unknownKeyFarFromAnyListsTheKeysOfItsLevel() {
    failsNaming(rest, "the keys under rpcproxy.clients.restaurants.retry are [initial-backoff, jitter, max-attempts, "
        + "max-backoff, multiplier]", "rpcproxy.clients.restaurants.retry.budget=10");
    failsNaming(rest, "rpcproxy.clients.restaurants.timeout takes a value; it has no key 'seconds'",
        "rpcproxy.clients.restaurants.timeout.seconds=1");
  }

  @Test
  void misspeltKeyMessageLeavesTheValueOut() {
    rest.withPropertyValues("rpcproxy.clients.restaurants.header.Authorization=Bearer s3cret").run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure()))
          .contains("rpcproxy.clients.restaurants.header.authorization", "did you mean rpcproxy.clients.restaurants.headers?")
          .doesNotContain("s3cret");
    });
  }

  @Test
  void everyKnownKeyStillStarts() {
    rest.withPropertyValues(
            "rpcproxy.defaults.timeout=1s",
            "rpcproxy.defaults.headers.X-Team=orders",
            "rpcproxy.defaults.grpc.plaintext=true",
            "rpcproxy.defaults.circuit-breaker-per-method=true",
            "rpcproxy.defaults.circuitBreaker.slidingWindowSize=30",
            "rpcproxy.clients.restaurants.headers.X-Trace.Id=1",
            "rpcproxy.clients.restaurants.retry.max-attempts=2",
            "rpcproxy.clients.restaurants.hedge.delay=20ms",
            "rpcproxy.clients.restaurants.methods.menu.circuit-breaker.minimum-number-of-calls=5",
            "rpcproxy.clients.unused.timeout=1s",
            "rpcproxy.health.open-status=DOWN")
        .run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  void unknownMethodNamesTheProperty() {
    failsNaming(rest, "rpcproxy.clients.restaurants.methods.menus",
        "rpcproxy.clients.restaurants.methods.menus.timeout=1s");
  }

  @Test
  void unknownFallbackNamesTheProperty() {
    failsNaming(rest, "rpcproxy.clients.restaurants.fallback", "rpcproxy.clients.restaurants.fallback=nosuchbean");
  }

  @Test
  void badBaseUrlNamesTheProperty() {
    failsNaming(rest, "rpcproxy.clients.restaurants.base-url", "rpcproxy.clients.restaurants.base-url=ftp://x");
  }

  @Test
  void missingBaseUrlNamesTheProperty() {
    failsNaming(new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RpcProxyAutoConfiguration.class))
        .withUserConfiguration(RestApp.class), "rpcproxy.clients.restaurants.base-url");
  }

  @Test
  void missingGrpcTargetNamesTheProperty() {
    failsNaming(new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(RpcProxyAutoConfiguration.class))
        .withUserConfiguration(GrpcApp.class), "rpcproxy.clients.kitchen.grpc.target");
  }

  private static void failsNaming(ApplicationContextRunner runner, String property, String... settings) {
    runner.withPropertyValues(settings).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).satisfies(failure -> assertThat(messages(failure)).contains(property));
    });
  }

  private static String messages(Throwable failure) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append('\n');
    }
    return all.toString();
  }

  private static ClientView.MethodView method(ClientView view, String name) {
    return view.methods().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
  }
}
