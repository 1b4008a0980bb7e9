package dev.rpcproxy.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Credentials and bodies never reach logs or exception messages. slf4j-simple writes DEBUG for
 * {@code dev.rpcproxy} to {@code System.err} (see {@code simplelogger.properties}), which the test
 * captures while it calls.
 */
class HttpTransportSecretsTest {
  record Item(String name) {}

  interface Service {
    @GET @Path("/secure/{status}")
    Item get(@jakarta.ws.rs.PathParam("status") String status, @HeaderParam("Authorization") String auth,
        @HeaderParam("Cookie") String cookie);

    @GET @Path("/secure/{status}")
    CompletableFuture<Item> getAsync(@jakarta.ws.rs.PathParam("status") String status,
        @HeaderParam("Authorization") String auth);

    @POST @Path("/secure/{status}")
    Item post(@jakarta.ws.rs.PathParam("status") String status, @HeaderParam("Proxy-Authorization") String auth,
        Item body);
  }

  private static final String DEFAULT_SECRET = "Bearer DEFAULT-SECRET-4711";
  private static final String CALL_SECRET = "Bearer CALL-SECRET-0815";
  private static final String COOKIE_SECRET = "session=COOKIE-SECRET-42";
  private static final String BODY_SECRET = "BODY-SECRET-1234";
  private static final List<String> SECRETS =
      List.of("DEFAULT-SECRET-4711", "CALL-SECRET-0815", "COOKIE-SECRET-42", BODY_SECRET);

  static WireMockServer wm;
  static Service api;

  @BeforeAll
  static void start() {
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
    wm.stubFor(any(urlPathEqualTo("/secure/200")).willReturn(okJson("{\"name\":\"ok\"}")));
    wm.stubFor(any(urlPathEqualTo("/secure/401")).willReturn(aResponse().withStatus(401).withBody("denied")));
    wm.stubFor(any(urlPathEqualTo("/secure/503")).willReturn(aResponse().withStatus(503).withBody("down")));
    wm.stubFor(any(urlPathEqualTo("/secure/bad")).willReturn(okJson("{not json")));
    wm.stubFor(any(urlPathEqualTo("/secure/reset"))
        .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    wm.stubFor(any(urlPathEqualTo("/secure/slow")).willReturn(okJson("{\"name\":\"late\"}").withFixedDelay(20_000)));
    api = RpcProxy.builder(Service.class)
        .transport(HttpTransport.builder().baseUrl(wm.baseUrl()).header("Authorization", DEFAULT_SECRET).build())
        // The timeout only has to end the "slow" stub's calls (20 s): well clear of how long a cold first
        // call takes on a loaded machine (3.6 s seen at load 25, when it was 3 s).
        .policy(Policy.builder().timeout(Duration.ofSeconds(10))
            // Keep the breaker closed so that every failure below goes down its own path.
            .circuitBreaker(io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
                .slidingWindowSize(1000).minimumNumberOfCalls(1000).build())
            .build())
        .build();
  }

  @AfterAll
  static void stop() {
    RpcProxy.close(api);
    wm.stop();
  }

  @Test
  void secretsAppearNeitherInLogsNorInExceptions() throws Exception {
    List<Throwable> failures = new ArrayList<>();
    String logs = capturingStandardError(() -> {
      assertThat(api.get("200", CALL_SECRET, COOKIE_SECRET)).isEqualTo(new Item("ok"));
      assertThat(api.getAsync("200", CALL_SECRET).get(30, TimeUnit.SECONDS)).isEqualTo(new Item("ok"));
      assertThat(api.post("200", CALL_SECRET, new Item(BODY_SECRET))).isEqualTo(new Item("ok"));
      for (String status : List.of("401", "503", "bad", "reset", "slow")) {
        failures.add(catchThrowable(() -> api.get(status, CALL_SECRET, COOKIE_SECRET)));
        failures.add(catchThrowable(() -> api.post(status, CALL_SECRET, new Item(BODY_SECRET))));
      }
      failures.add(catchThrowable(() -> api.getAsync("503", CALL_SECRET).get(30, TimeUnit.SECONDS)));
      // A header value OkHttp refuses: its own message would quote the value.
      failures.add(catchThrowable(() -> api.get("200", CALL_SECRET + "\nX-Injected: 1", null)));
      failures.add(catchThrowable(() -> api.post("200", "x\u0000" + CALL_SECRET, new Item(BODY_SECRET))));
      return null;
    });

    assertThat(logs).as("the capture works").contains("GET /secure/{status} -> 200");
    assertThat(logs).contains("POST /secure/{status} -> 503");
    for (String secret : SECRETS) {
      assertThat(logs).doesNotContain(secret);
    }
    assertThat(failures).hasSize(13).doesNotContainNull()
        .noneMatch(f -> f instanceof dev.rpcproxy.CircuitOpenException);
    assertThat(failures.subList(11, 13)).allSatisfy(f -> assertThat(f)
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not allowed in a header"));
    for (Throwable failure : failures) {
      String everything = stackTrace(failure);
      for (String secret : SECRETS) {
        assertThat(everything).as("exception chain of %s", failure.getClass().getSimpleName()).doesNotContain(secret);
      }
    }
    assertThat(wm.findAll(anyRequestedFor(anyUrl())))
        .as("the server did get the credentials")
        .anySatisfy(r -> assertThat(r.getHeaders().getHeader("Authorization").values())
            .contains(DEFAULT_SECRET, CALL_SECRET));
  }

  private interface Body {
    Object run() throws Exception;
  }

  private static String capturingStandardError(Body body) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setErr(original);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    original.print(text);
    return text;
  }

  private static String stackTrace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out + " " + t;
  }
}
