package dev.rpcproxy.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Broken connections, broken bodies, slow servers and oversized bodies. */
class HttpTransportFaultTest {
  record Item(String name) {}

  interface Service {
    @GET @Path("/item")
    Item item();

    @GET @Path("/item")
    CompletableFuture<Item> itemAsync();

    @GET @Path("/big")
    byte[] big();

    @GET @Path("/big")
    CompletableFuture<byte[]> bigAsync();
  }

  /** For the faults: long enough that a slow shared machine never turns them into timeouts. */
  private static final Duration GENEROUS = Duration.ofSeconds(5);
  /** For the slow server: the server's delay is 4 s. */
  private static final Duration TIMEOUT = Duration.ofMillis(800);
  /** Generous: the shared machine may be slow, but a timeout must not wait for the server. */
  private static final long SLACK_MILLIS = 1_500;

  static WireMockServer wm;
  static Service api;
  static Service impatient;

  @BeforeAll
  static void start() {
    wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    wm.start();
    api = client(wm.baseUrl(), HttpTransport.DEFAULT_MAX_RESPONSE_BYTES, GENEROUS);
    impatient = client(wm.baseUrl(), HttpTransport.DEFAULT_MAX_RESPONSE_BYTES, TIMEOUT);
    // Warm up class loading so that the first timed call measures the transport, not the JVM.
    wm.stubFor(get(anyUrl()).willReturn(okJson("{\"name\":\"warm\"}")));
    api.item();
    impatient.item();
  }

  @AfterAll
  static void stop() {
    RpcProxy.close(api);
    RpcProxy.close(impatient);
    wm.stop();
  }

  @BeforeEach
  void reset() {
    wm.resetAll();
  }

  private static Service client(String baseUrl, long maxResponseBytes, Duration timeout) {
    return RpcProxy.builder(Service.class)
        .transport(HttpTransport.builder().baseUrl(baseUrl).maxResponseBytes(maxResponseBytes).build())
        .policy(Policy.builder().timeout(timeout).build())
        .build();
  }

  @ParameterizedTest
  @EnumSource(value = Fault.class,
      names = {"CONNECTION_RESET_BY_PEER", "EMPTY_RESPONSE", "MALFORMED_RESPONSE_CHUNK", "RANDOM_DATA_THEN_CLOSE"})
  void brokenResponsesAreRetryableTransportFailures(Fault fault) throws Exception {
    wm.stubFor(get(anyUrl()).willReturn(aResponse().withFault(fault)));

    assertThatThrownBy(api::item)
        .isInstanceOfSatisfying(RpcTransportException.class, e -> assertThat(e.isRetryable()).isTrue())
        .hasCauseInstanceOf(IOException.class);
    Throwable async = catchThrowable(() -> api.itemAsync().get(5, TimeUnit.SECONDS));
    assertThat(async).isInstanceOf(ExecutionException.class).cause().isInstanceOf(RpcTransportException.class);
  }

  @Test
  void connectionRefusedIsARetryableTransportFailure() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Service refused = client("http://127.0.0.1:" + closedPort, 1024, GENEROUS);
    try {
      assertThatThrownBy(refused::item)
          .isInstanceOfSatisfying(RpcTransportException.class, e -> assertThat(e.isRetryable()).isTrue())
          .hasCauseInstanceOf(java.net.ConnectException.class);
    } finally {
      RpcProxy.close(refused);
    }
  }

  @Test
  void malformedJsonIsANonRetryableTransportFailureWithoutTheBody() {
    wm.stubFor(get(anyUrl()).willReturn(okJson("{\"name\": SECRET-BODY-TEXT")));

    assertThatThrownBy(api::item)
        .isInstanceOfSatisfying(RpcTransportException.class, e -> assertThat(e.isRetryable()).isFalse())
        .hasCauseInstanceOf(JsonProcessingException.class)
        .hasMessageContaining("not valid JSON")
        .hasMessageNotContaining("SECRET-BODY-TEXT");
  }

  @Test
  void fixedDelayBeyondTheTimeoutTimesOutNearTheDeadline() {
    wm.stubFor(get(anyUrl()).willReturn(okJson("{\"name\":\"late\"}").withFixedDelay(4_000)));

    long start = System.nanoTime();
    assertThatThrownBy(impatient::item)
        .isInstanceOfSatisfying(RpcTimeoutException.class, e -> assertThat(e.timeout()).isEqualTo(TIMEOUT));
    assertThat(millisSince(start)).isLessThan(TIMEOUT.toMillis() + SLACK_MILLIS);

    start = System.nanoTime();
    Throwable async = catchThrowable(() -> impatient.itemAsync().get(5, TimeUnit.SECONDS));
    assertThat(async).cause().isInstanceOf(RpcTimeoutException.class);
    assertThat(millisSince(start)).isLessThan(TIMEOUT.toMillis() + SLACK_MILLIS);
  }

  @Test
  void slowlyDribbledBodyTimesOut() {
    wm.stubFor(get(anyUrl()).willReturn(okJson("{\"name\":\"" + "x".repeat(200) + "\"}")
        .withChunkedDribbleDelay(10, 4_000)));

    long start = System.nanoTime();
    assertThatThrownBy(impatient::item).isInstanceOf(RpcTimeoutException.class);
    assertThat(millisSince(start)).isLessThan(TIMEOUT.toMillis() + SLACK_MILLIS);
  }

  /** A JDK server that declares or streams 50 MB and records how much it managed to write. */
  @Test
  void oversizedBodiesAreRejectedWithoutReadingThemWhole() throws Exception {
    long fiftyMb = 50L * 1024 * 1024;
    AtomicLong written = new AtomicLong(-1);
    CountDownLatch release = new CountDownLatch(1);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ExecutorService executor = Executors.newCachedThreadPool();
    server.setExecutor(executor);
    server.createContext("/big", exchange -> {
      boolean chunked = exchange.getRequestURI().getQuery() == null;
      long total = 0;
      byte[] chunk = new byte[16 * 1024];
      try (OutputStream out = exchange.getResponseBody()) {
        exchange.sendResponseHeaders(200, chunked ? 0 : fiftyMb);
        if (!chunked) {
          out.write(chunk);
          out.flush();
          release.await(5, TimeUnit.SECONDS);
        } else {
          while (total < fiftyMb) {
            out.write(chunk);
            total += chunk.length;
          }
        }
      } catch (IOException | InterruptedException clientWentAway) {
        // expected: the client closed the connection
      } finally {
        written.set(total);
      }
    });
    server.start();
    String baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    Service small = RpcProxy.builder(Service.class)
        .transport(HttpTransport.builder().baseUrl(baseUrl).maxResponseBytes(64 * 1024).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(10)).build())
        .build();
    interface Declared {
      @GET @Path("/big") @jakarta.ws.rs.Produces("application/octet-stream")
      byte[] big(@jakarta.ws.rs.QueryParam("declared") String declared);
    }
    Declared declared = RpcProxy.builder(Declared.class)
        .transport(HttpTransport.builder().baseUrl(baseUrl).maxResponseBytes(64 * 1024).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(10)).build())
        .build();
    try {
      long start = System.nanoTime();
      assertThatThrownBy(() -> declared.big("yes"))
          .isInstanceOfSatisfying(RpcTransportException.class, e -> assertThat(e.isRetryable()).isFalse())
          .hasMessageContaining("declares 52428800 bytes");
      assertThat(millisSince(start)).isLessThan(2_000);
      release.countDown();

      start = System.nanoTime();
      assertThatThrownBy(small::big)
          .isInstanceOf(RpcTransportException.class)
          .hasMessageContaining("maxResponseBytes");
      Throwable async = catchThrowable(() -> small.bigAsync().get(10, TimeUnit.SECONDS));
      assertThat(async).cause().isInstanceOf(RpcTransportException.class);
      assertThat(millisSince(start)).isLessThan(5_000);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> written.get() >= 0);
      assertThat(written.get()).as("bytes the server wrote before the client hung up").isLessThan(fiftyMb);
    } finally {
      release.countDown();
      RpcProxy.close(small);
      RpcProxy.close(declared);
      server.stop(0);
      executor.shutdownNow();
    }
  }

  private static long millisSince(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }
}
