package dev.rpcproxy.http;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A timed-out or cancelled call stops: no running OkHttp call and no leaked connection remains. */
class HttpTransportCancellationTest {
  record Item(String name) {}

  interface Service {
    @GET @Path("/slow")
    Item slow();

    @GET @Path("/slow")
    CompletableFuture<Item> slowAsync();
  }

  static WireMockServer wm;
  OkHttpClient client;

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
  void setUp() {
    wm.resetAll();
    wm.stubFor(get(anyUrl()).willReturn(okJson("{\"name\":\"late\"}").withFixedDelay(30_000)));
    // Limits already high, so the transport uses this very client and we can watch it.
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(2048);
    dispatcher.setMaxRequestsPerHost(2048);
    client = new OkHttpClient.Builder().dispatcher(dispatcher).build();
  }

  @AfterEach
  void tearDown() {
    client.dispatcher().executorService().shutdownNow();
    client.connectionPool().evictAll();
  }

  private Service service(Duration timeout) {
    return RpcProxy.builder(Service.class)
        .transport(HttpTransport.builder().baseUrl(wm.baseUrl()).client(client).build())
        .policy(Policy.builder().timeout(timeout).build())
        .build();
  }

  @Test
  void blockingTimeoutCancelsTheCall() {
    Service api = service(Duration.ofMillis(500));

    assertThatThrownBy(api::slow).isInstanceOf(RpcTimeoutException.class);

    assertNothingLeft();
  }

  @Test
  void asyncTimeoutCancelsTheCall() {
    Service api = service(Duration.ofMillis(500));

    Throwable failure = catchThrowable(() -> api.slowAsync().get(5, TimeUnit.SECONDS));

    assertThat(failure).cause().isInstanceOf(RpcTimeoutException.class);
    assertNothingLeft();
  }

  @Test
  void cancellingTheFutureCancelsTheCall() {
    Service api = service(Duration.ofSeconds(30));
    CompletableFuture<Item> future = api.slowAsync();
    Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> wm.findAll(anyRequestedFor(anyUrl())).size() == 1);
    assertThat(client.dispatcher().runningCallsCount()).isEqualTo(1);

    assertThat(future.cancel(true)).isTrue();

    assertNothingLeft();
  }

  @Test
  void closeLeavesAGivenClientAlone() {
    Service api = service(Duration.ofSeconds(1));
    RpcProxy.close(api);

    assertThat(client.dispatcher().executorService().isShutdown()).isFalse();
  }

  @Test
  void aGivenClientWithDefaultLimitsIsDerivedWithRaisedLimitsAndItsExecutor() {
    OkHttpClient plain = new OkHttpClient();
    HttpTransport transport = HttpTransport.builder().baseUrl(wm.baseUrl()).client(plain).build();

    OkHttpClient used = transport.okHttpClient();
    assertThat(used).isNotSameAs(plain);
    assertThat(used.dispatcher().getMaxRequestsPerHost()).isGreaterThanOrEqualTo(1024);
    assertThat(used.dispatcher().getMaxRequests()).isGreaterThanOrEqualTo(1024);
    assertThat(used.dispatcher().executorService()).isSameAs(plain.dispatcher().executorService());
    assertThat(used.connectionPool()).isSameAs(plain.connectionPool());

    transport.close();
    assertThat(plain.dispatcher().executorService().isShutdown()).isFalse();
    plain.dispatcher().executorService().shutdown();
  }

  @Test
  void closeShutsDownTheTransportsOwnClient() {
    HttpTransport transport = HttpTransport.builder().baseUrl(wm.baseUrl()).build();
    OkHttpClient own = transport.okHttpClient();
    assertThat(own.dispatcher().getMaxRequestsPerHost()).isEqualTo(Integer.MAX_VALUE);

    transport.close();

    assertThat(own.dispatcher().executorService().isShutdown()).isTrue();
  }

  /** No running call; after evicting idle connections, none is left in use either (well before the 30 s delay). */
  private void assertNothingLeft() {
    Awaitility.await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
      assertThat(client.dispatcher().runningCallsCount()).isZero();
      client.connectionPool().evictAll();
      assertThat(client.connectionPool().connectionCount()).isZero();
    });
  }
}
