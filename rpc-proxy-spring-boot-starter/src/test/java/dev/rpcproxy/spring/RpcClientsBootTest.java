package dev.rpcproxy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.ClientView;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.spring.app.FlakyKitchenClient;
import dev.rpcproxy.spring.app.KitchenClient;
import dev.rpcproxy.spring.app.Restaurant;
import dev.rpcproxy.spring.app.RestaurantApi;
import dev.rpcproxy.spring.app.TestApplication;
import dev.rpcproxy.spring.test.kitchen.CreateTicketRequest;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.ClassUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A default Boot 4 web application (Jackson 3 only, Actuator, embedded Tomcat on a random port)
 * whose clients come from properties alone.
 */
@SpringBootTest(classes = TestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "rpcproxy.defaults.timeout=2s",
        "rpcproxy.clients.restaurants.max-concurrent-calls=8",
        "rpcproxy.clients.restaurants.retry.max-attempts=2",
        "rpcproxy.clients.restaurants.methods.slowRestaurant.timeout=150ms",
        "rpcproxy.clients.kitchen.grpc.plaintext=true",
        "rpcproxy.clients.kitchen.timeout=20s",
        "rpcproxy.clients.flaky-kitchen.grpc.plaintext=true",
        "rpcproxy.clients.flaky-kitchen.circuit-breaker.sliding-window-size=2",
        "rpcproxy.clients.flaky-kitchen.circuit-breaker.minimum-number-of-calls=2",
        "rpcproxy.clients.flaky-kitchen.circuit-breaker.wait-duration-in-open-state=60s",
        "management.endpoints.web.exposure.include=health,rpcclients",
        "management.endpoint.health.show-details=always",
    })
class RpcClientsBootTest {
  private static final JsonMapper json = JsonMapper.builder().build();
  private static final HttpClient http = HttpClient.newHttpClient();

  @DynamicPropertySource
  static void downstream(DynamicPropertyRegistry registry) {
    registry.add("rpcproxy.clients.restaurants.base-url", Downstream::restBaseUrl);
    registry.add("rpcproxy.clients.kitchen.grpc.target", Downstream::grpcTarget);
    registry.add("rpcproxy.clients.flaky-kitchen.grpc.target", Downstream::grpcTarget);
  }

  @LocalServerPort
  int port;

  @Autowired
  RestaurantApi restaurants;

  @Autowired
  KitchenClient kitchen;

  @Autowired
  FlakyKitchenClient flakyKitchen;

  @Autowired
  MeterRegistry registry;

  @AfterEach
  void release() {
    Downstream.releaseSlow();
  }

  @Test
  void onlyJackson3IsOnTheClassPath() {
    assertThat(ClassUtils.isPresent("tools.jackson.databind.json.JsonMapper", null)).isTrue();
    assertThat(ClassUtils.isPresent("com.fasterxml.jackson.databind.ObjectMapper", null)).isFalse();
  }

  @Test
  void restClientFromPropertiesReadsJsonWithBootsJsonMapper() throws Exception {
    assertThat(restaurants.restaurant(7)).isEqualTo(new Restaurant(7, "R7"));
    assertThat(restaurants.restaurantAsync(8).get(5, TimeUnit.SECONDS)).isEqualTo(new Restaurant(8, "R8"));
  }

  @Test
  void grpcClientFromProperties() {
    assertThat(kitchen.createTicket(CreateTicketRequest.newBuilder().setRestaurantId(3).build()).getTicketId())
        .isEqualTo("t-3");
  }

  @Test
  void perMethodTimeoutFromPropertiesIsHonoured() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> restaurants.slowRestaurant(1)).isInstanceOf(RpcTimeoutException.class);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    // 150 ms from methods.slowRestaurant.timeout, not the client's 2 s (the server holds the answer for 10 s).
    assertThat(millis).isBetween(140L, 1_500L);
  }

  @Test
  void policiesFromPropertiesAndDefaults() {
    ClientView view = RpcProxy.inspect(restaurants);

    assertThat(view.name()).isEqualTo("restaurants");
    assertThat(view.limit()).isEqualTo(8);
    assertThat(view.methods()).filteredOn(m -> m.name().equals("restaurant")).singleElement()
        .satisfies(m -> {
          assertThat(m.timeout()).isEqualTo(Duration.ofSeconds(2));   // rpcproxy.defaults.timeout
          assertThat(m.maxAttempts()).isEqualTo(2);                    // a GET: retried
        });
    assertThat(view.methods()).filteredOn(m -> m.name().equals("slowRestaurant")).singleElement()
        .satisfies(m -> assertThat(m.timeout()).isEqualTo(Duration.ofMillis(150)));
    assertThat(RpcProxy.inspect(kitchen).methods().get(0).timeout()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void metricsGoToTheContextsRegistry() {
    restaurants.restaurant(9);
    kitchen.createTicket(CreateTicketRequest.newBuilder().setRestaurantId(4).build());

    assertThat(registry.find("rpc.client.calls").tags("client", "restaurants", "method", "restaurant",
        "outcome", "success").timer()).isNotNull()
        .satisfies(timer -> assertThat(timer.count()).isPositive());
    assertThat(registry.find("rpc.client.calls").tags("client", "kitchen", "outcome", "success").timer()).isNotNull();
    assertThat(registry.find("resilience4j.circuitbreaker.state").tags("name", "restaurants").gauges()).isNotEmpty();
  }

  @Test
  void actuatorEndpointListsEveryClient() throws Exception {
    restaurants.restaurant(1);
    JsonNode body = get("/actuator/rpcclients", 200);

    JsonNode rest = body.get("restaurants");
    assertThat(rest.get("transport").asString()).isEqualTo("rest");
    assertThat(rest.get("target").asString()).isEqualTo(Downstream.restBaseUrl());
    assertThat(rest.get("limit").asInt()).isEqualTo(8);
    assertThat(rest.get("inFlight").asInt()).isZero();
    assertThat(rest.get("methods").get("restaurant").get("maxAttempts").asInt()).isEqualTo(2);
    assertThat(rest.get("methods").get("slowRestaurant").get("timeout").asString()).isEqualTo("150ms");
    assertThat(rest.get("breakers").get("restaurants").get("state").asString()).isEqualTo("CLOSED");
    assertThat(body.get("kitchen").get("transport").asString()).isEqualTo("grpc");
    assertThat(body.get("kitchen").get("target").asString()).isEqualTo(Downstream.grpcTarget());

    assertThat(get("/actuator/rpcclients/kitchen", 200).get("api").asString()).isEqualTo(KitchenClient.class.getName());
  }

  @Test
  void actuatorWritesForceABreakerOpenAndCloseItAndRefuseUnknownStates() throws Exception {
    try {
      JsonNode forced = post("/actuator/rpcclients/restaurants", "{\"updateState\": \"FORCE_OPEN\"}", 200);
      assertThat(forced.get("breakers").get("restaurants").get("state").asString()).isEqualTo("FORCED_OPEN");
      assertThatThrownBy(() -> restaurants.restaurant(1)).isInstanceOf(dev.rpcproxy.CircuitOpenException.class);
      assertThat(get("/actuator/rpcclients/restaurants", 200).get("breakers").get("restaurants").get("state")
          .asString()).isEqualTo("FORCED_OPEN");

      post("/actuator/rpcclients/restaurants", "{\"updateState\": \"OPEN_SESAME\"}", 400);
      post("/actuator/rpcclients/nobody", "{\"updateState\": \"CLOSE\"}", 404);
      assertThat(get("/actuator/rpcclients/restaurants", 200).get("breakers").get("restaurants").get("state")
          .asString()).isEqualTo("FORCED_OPEN");
    } finally {
      JsonNode closed = post("/actuator/rpcclients/restaurants", "{\"updateState\": \"CLOSE\"}", 200);
      assertThat(closed.get("breakers").get("restaurants").get("state").asString()).isEqualTo("CLOSED");
    }
    assertThat(restaurants.restaurant(1)).isNotNull();
  }

  @Test
  void healthShowsBreakersAndAnOpenBreakerDoesNotTakeTheApplicationDown() throws Exception {
    JsonNode before = get("/actuator/health/rpcClients", 200);
    assertThat(before.get("details").get("kitchen").get("breakers").get("kitchen").get("state").asString())
        .isEqualTo("CLOSED");

    CreateTicketRequest failing = CreateTicketRequest.newBuilder().setRestaurantId(-1).build();
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> flakyKitchen.createTicket(failing)).isInstanceOf(RemoteCallException.class);
    }

    JsonNode component = get("/actuator/health/rpcClients", 200);
    assertThat(component.get("status").asString()).isEqualTo("CIRCUIT_OPEN");
    assertThat(component.get("details").get("flaky-kitchen").get("breakers").get("flaky-kitchen").get("state")
        .asString()).isEqualTo("OPEN");
    assertThat(get("/actuator/health", 200).get("status").asString()).isEqualTo("UP");
  }

  private JsonNode post(String path, String body, int status) throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(status);
    return response.body().isEmpty() ? null : json.readTree(response.body());
  }

  private JsonNode get(String path, int status) throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(status);
    return json.readTree(response.body());
  }
}
