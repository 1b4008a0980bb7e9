package dev.rpcproxy.samples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** The sample starts as its README says, places orders through its three clients, and shows them in Actuator. */
class BootDemoApplicationTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void placesOrdersAndListsItsClients() throws Exception {
    // Deadlines long enough for a cold JVM on a loaded machine: this checks the wiring, not latency.
    try (ConfigurableApplicationContext context = BootDemoApplication.run("--server.port=0",
        "--server.address=127.0.0.1", "--rpcproxy.clients.restaurants.timeout=10s",
        "--rpcproxy.clients.consumers.timeout=10s", "--rpcproxy.clients.kitchen.methods.createTicket.timeout=10s")) {
      String base = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");

      HttpResponse<String> order = send(HttpRequest.newBuilder(URI.create(base + "/orders?consumer=1&restaurant=1&item=1-1"))
          .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(order.statusCode()).as(order.body()).isEqualTo(200);
      assertThat(order.body()).contains("\"ticketId\"").contains("Chicken Vindaloo");

      // The consumer service refuses consumer 0 (FAILED_PRECONDITION): the caller's error, 422.
      HttpResponse<String> refused = send(HttpRequest.newBuilder(URI.create(base + "/orders?consumer=0&restaurant=1&item=1-1"))
          .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
      assertThat(refused.body()).contains("\"FAILED_PRECONDITION\"", "\"consumers\"");

      HttpResponse<String> clients = send(HttpRequest.newBuilder(URI.create(base + "/actuator/rpcclients")));
      assertThat(clients.statusCode()).isEqualTo(200);
      assertThat(clients.body()).contains("\"restaurants\"", "\"consumers\"", "\"kitchen\"", "\"CLOSED\"");

      HttpResponse<String> health = send(HttpRequest.newBuilder(URI.create(base + "/actuator/health")));
      assertThat(health.body()).contains("\"rpcClients\"");

      // The kitchen fails every call (UNAVAILABLE): the service's failure, 503.
      send(HttpRequest.newBuilder(URI.create(base + "/faults/kitchen?errors=1")).POST(HttpRequest.BodyPublishers.noBody()));
      HttpResponse<String> failed = send(HttpRequest.newBuilder(URI.create(base + "/orders?consumer=1&restaurant=1&item=1-1"))
          .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(failed.statusCode()).as(failed.body()).isEqualTo(503);
      assertThat(failed.body()).contains("\"kitchen\"");
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
