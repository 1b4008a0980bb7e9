package dev.rpcproxy.compat.json;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.http.HttpTransport;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import java.io.File;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * JSON through rpc-proxy beside WireMock, on the Jackson 2 jars Maven chose for this project's POM
 * (the POM is the thing under test; the same test runs in every JSON compat project). WireMock's own
 * start-up and its JSON matching use the same Jackson, so a skewed resolution fails here too.
 */
class JsonBesideWireMockTest {
  public record Greeting(String text, int length) {}

  public record NewGreeting(String name) {}

  @Path("/greetings")
  interface Greetings {
    @GET @Path("/{name}") @Produces("application/json")
    Greeting greet(@PathParam("name") String name);

    @POST @Produces("application/json")
    Greeting create(NewGreeting body);
  }

  private WireMockServer wireMock;

  @BeforeEach
  void startWireMock() {
    wireMock = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
    wireMock.start();
  }

  @AfterEach
  void stopWireMock() {
    wireMock.stop();
  }

  @Test
  void jsonRoundTripThroughRpcProxy() {
    wireMock.stubFor(get(urlEqualTo("/greetings/ada")).willReturn(okJson("{\"text\":\"hello ada\",\"length\":3}")));
    wireMock.stubFor(post(urlEqualTo("/greetings")).withRequestBody(equalToJson("{\"name\":\"grace\"}"))
        .willReturn(okJson("{\"text\":\"hello grace\",\"length\":5,\"unknown\":true}")));
    Greetings client = RpcProxy.builder(Greetings.class)
        .transport(HttpTransport.builder().baseUrl(wireMock.baseUrl()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(10)).build())
        .build();

    assertEquals(new Greeting("hello ada", 3), client.greet("ada"));
    assertEquals(new Greeting("hello grace", 5), client.create(new NewGreeting("grace")));
  }

  /**
   * The Jackson jars are the ones this POM's resolution is expected to pick (system property
   * {@code expected.jars}: {@code class=jar-file-name,...}), so the test runs the case it names.
   */
  @Test
  void jacksonJarsAreTheOnesThisProjectExpects() throws Exception {
    String expected = System.getProperty("expected.jars", "");
    assertFalse(expected.isBlank(), "the project's POM sets expected.jars");
    for (String pair : expected.split(",")) {
      String[] parts = pair.trim().split("=");
      Class<?> type = Class.forName(parts[0], false, getClass().getClassLoader());
      String jar = new File(type.getProtectionDomain().getCodeSource().getLocation().toURI()).getName();
      assertEquals(parts[1], jar, parts[0] + " is loaded from " + jar);
    }
  }
}
