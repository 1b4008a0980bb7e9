package dev.rpcproxy.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How statuses become exceptions, and what retry, breaker and fallback then do with them. */
class HttpTransportClassificationTest {
  record Item(String name) {}

  interface Service {
    @GET @Path("/items/{id}")
    Item item(@PathParam("id") String id);

    @GET @Path("/items/{id}")
    CompletableFuture<Item> itemAsync(@PathParam("id") String id);

    @POST @Path("/items")
    Item create(Item item);
  }

  static WireMockServer wm;
  private final List<Object> proxies = new ArrayList<>();

  @BeforeAll
  static void start() {
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
  }

  @AfterAll
  static void stop() {
    wm.stop();
  }

  @BeforeEach
  void reset() {
    wm.resetAll();
  }

  @AfterEach
  void closeProxies() {
    proxies.forEach(RpcProxy::close);
  }

  private Service client(Policy policy, dev.rpcproxy.Fallback fallback) {
    RpcProxy.Builder<Service> builder = RpcProxy.builder(Service.class)
        .transport(HttpTransport.builder().baseUrl(wm.baseUrl()).includeResponseBodyInErrors(256).build())
        .policy(policy);
    if (fallback != null) {
      builder.fallback(fallback);
    }
    Service service = builder.build();
    proxies.add(service);
    return service;
  }

  private static Policy retrying() {
    return Policy.builder()
        .timeout(Duration.ofSeconds(5))
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ZERO, Duration.ZERO).build())
        .circuitBreaker(smallBreaker())
        .build();
  }

  private static CircuitBreakerConfig smallBreaker() {
    return CircuitBreakerConfig.custom()
        .slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMinutes(5))
        .build();
  }

  private static int requests() {
    return wm.findAll(anyRequestedFor(anyUrl())).size();
  }

  @ParameterizedTest
  @CsvSource({"400", "401", "403", "404", "409", "422"})
  void clientErrorsAreNotRetriedNotCountedAndNotAnsweredByAFallback(int status) {
    wm.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(status).withBody("{\"error\":\"no such item\"}")));
    Service api = client(retrying(), Fallbacks.value(new Item("fallback")));

    for (int i = 0; i < 8; i++) {
      assertThatThrownBy(() -> api.item("x"))
          .isInstanceOfSatisfying(RemoteCallException.class, e -> {
            assertThat(e.status()).isEqualTo(Integer.toString(status));
            assertThat(e.isClientError()).isTrue();
            assertThat(e.isRetryable()).isFalse();
            assertThat(e.detail()).contains("{\"error\":\"no such item\"}");
          });
    }
    assertThat(requests()).as("one request per call, and the breaker never opened").isEqualTo(8);
  }

  @ParameterizedTest
  @CsvSource({"500,true", "502,true", "503,true", "504,true", "408,true", "429,true", "501,false", "505,false"})
  void serviceErrorsAreFailures(int status, boolean retryable) {
    wm.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(status)));
    Service api = client(Policy.builder().build(), null);

    assertThatThrownBy(() -> api.item("x"))
        .isInstanceOfSatisfying(RemoteCallException.class, e -> {
          assertThat(e.status()).isEqualTo(Integer.toString(status));
          assertThat(e.isClientError()).isFalse();
          assertThat(e.isRetryable()).isEqualTo(retryable);
        });
  }

  @Test
  void unavailableIsRetriedForGetButNotForPost() {
    wm.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(503)));
    wm.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(503)));
    Service api = client(retrying(), null);

    assertThatThrownBy(() -> api.item("x")).isInstanceOf(RemoteCallException.class);
    assertThat(wm.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(anyUrl()))).hasSize(3);

    Service fresh = client(retrying(), null);
    assertThatThrownBy(() -> fresh.create(new Item("n"))).isInstanceOf(RemoteCallException.class);
    assertThat(wm.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(anyUrl()))).hasSize(1);
  }

  @Test
  void asyncGetIsRetriedToo() throws Exception {
    wm.stubFor(get(anyUrl()).inScenario("flaky").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(502)).willSetStateTo("second"));
    wm.stubFor(get(anyUrl()).inScenario("flaky").whenScenarioStateIs("second")
        .willReturn(okJson("{\"name\":\"ok\"}")));
    Service api = client(retrying(), null);

    assertThat(api.itemAsync("x").get(5, TimeUnit.SECONDS)).isEqualTo(new Item("ok"));
    assertThat(requests()).isEqualTo(2);
  }

  @Test
  void retryAfterIsReadAndHonoured() {
    wm.stubFor(get(anyUrl()).inScenario("busy").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")).willSetStateTo("free"));
    wm.stubFor(get(anyUrl()).inScenario("busy").whenScenarioStateIs("free")
        .willReturn(okJson("{\"name\":\"ok\"}")));
    FakeTime time = new FakeTime();
    Service api = RpcProxy.builder(Service.class).timeSource(time)
        .transport(HttpTransport.builder().baseUrl(wm.baseUrl()).build())
        .policy(retrying()).build();
    proxies.add(api);

    assertThat(api.item("x")).isEqualTo(new Item("ok"));
    assertThat(time.slept()).as("waited for Retry-After: 1 although the backoff is zero")
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(requests()).isEqualTo(2);
  }

  @Test
  void retryAfterZeroRetriesAtOnce() {
    wm.stubFor(get(anyUrl()).inScenario("busy").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "0")).willSetStateTo("free"));
    wm.stubFor(get(anyUrl()).inScenario("busy").whenScenarioStateIs("free")
        .willReturn(okJson("{\"name\":\"ok\"}")));

    assertThat(client(retrying(), null).item("x")).isEqualTo(new Item("ok"));
    assertThat(requests()).isEqualTo(2);
  }

  @Test
  void retryAfterBeyondTheDeadlineIsNotWaitedFor() {
    wm.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(503).withHeader("Retry-After", "120")));

    assertThatThrownBy(() -> client(retrying(), null).item("x"))
        .isInstanceOfSatisfying(RemoteCallException.class,
            e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(120)));
    assertThat(requests()).isEqualTo(1);
  }

  @Test
  void breakerOpensAfterServiceErrorsAndStopsTraffic() {
    wm.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(500)));
    Service api = client(Policy.builder().circuitBreaker(smallBreaker()).build(), null);

    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> api.item("x")).isInstanceOf(RemoteCallException.class);
    }
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> api.item("x")).isInstanceOf(CircuitOpenException.class);
    }
    assertThat(requests()).isEqualTo(4);
  }

  @Test
  void cachedFallbackServesTheLastGoodValueAfterUnavailable() {
    wm.stubFor(get(anyUrl()).willReturn(okJson("{\"name\":\"fresh\"}")));
    Service api = client(Policy.builder().build(), Fallbacks.cached());
    assertThat(api.item("7")).isEqualTo(new Item("fresh"));

    wm.resetAll();
    wm.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(503)));
    assertThat(api.item("7")).isEqualTo(new Item("fresh"));
    assertThatThrownBy(() -> api.item("8")).isInstanceOf(RemoteCallException.class);
  }

  @Test
  void errorDetailIsABoundedSnippet() {
    wm.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(500).withBody("é".repeat(5_000) + "\n")));

    assertThatThrownBy(() -> client(Policy.builder().build(), null).item("x"))
        .isInstanceOfSatisfying(RemoteCallException.class, e -> {
          assertThat(e.detail()).isPresent();
          assertThat(e.detail().get()).hasSizeLessThanOrEqualTo(256).startsWith("éé");
        });
  }

  @Test
  void unfollowedRedirectIsANonRetryableFailure() {
    wm.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(304)));

    assertThatThrownBy(() -> client(retrying(), null).item("x"))
        .isInstanceOfSatisfying(RemoteCallException.class, e -> {
          assertThat(e.isClientError()).isFalse();
          assertThat(e.isRetryable()).isFalse();
        });
    assertThat(requests()).isEqualTo(1);
  }
}
