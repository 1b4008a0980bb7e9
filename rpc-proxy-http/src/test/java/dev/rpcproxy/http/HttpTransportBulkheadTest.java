package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bulkhead, not OkHttp's dispatcher, bounds concurrency: a local server holds every request
 * on a latch and counts how many it holds at once.
 */
class HttpTransportBulkheadTest {
  interface Service {
    @GET @Path("/hold")
    String hold();

    @GET @Path("/hold")
    CompletableFuture<String> holdAsync();
  }

  static HttpServer server;
  static ExecutorService serverThreads;
  static final AtomicInteger inFlight = new AtomicInteger();
  static final AtomicInteger maxInFlight = new AtomicInteger();
  static volatile CountDownLatch release = new CountDownLatch(1);

  private final List<Object> proxies = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
    serverThreads = Executors.newCachedThreadPool();
    server.setExecutor(serverThreads);
    server.createContext("/hold", exchange -> {
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // Leave the count before answering: the client frees its permit only after the answer.
      inFlight.decrementAndGet();
      byte[] body = "held".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @AfterAll
  static void stop() {
    release.countDown();
    server.stop(0);
    serverThreads.shutdownNow();
  }

  @BeforeEach
  void reset() {
    release = new CountDownLatch(1);
    inFlight.set(0);
    maxInFlight.set(0);
  }

  @AfterEach
  void closeProxies() {
    release.countDown();
    proxies.forEach(RpcProxy::close);
  }

  private Service client(int maxConcurrentCalls, OkHttpClient given) {
    HttpTransport.Builder transport = HttpTransport.builder()
        .baseUrl("http://127.0.0.1:" + server.getAddress().getPort());
    if (given != null) {
      transport.client(given);
    }
    Service service = RpcProxy.builder(Service.class)
        .transport(transport.build())
        .policy(Policy.builder().maxConcurrentCalls(maxConcurrentCalls).timeout(Duration.ofSeconds(20)).build())
        .build();
    proxies.add(service);
    return service;
  }

  @Test
  void asyncCallsBeyondTheBulkheadAreRejectedAndTheServerNeverSeesMore() throws Exception {
    int n = 4;
    Service api = client(n, null);

    List<CompletableFuture<String>> futures = new ArrayList<>();
    for (int i = 0; i < 3 * n; i++) {
      futures.add(api.holdAsync());
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> inFlight.get() == n);
    long rejected = futures.stream().filter(f -> f.isCompletedExceptionally()
        && causeOf(f) instanceof BulkheadFullException).count();
    assertThat(rejected).isEqualTo(2L * n);

    release.countDown();
    for (CompletableFuture<String> f : futures) {
      if (!f.isCompletedExceptionally()) {
        assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("held");
      }
    }
    assertThat(maxInFlight.get()).isEqualTo(n);
  }

  @Test
  void blockingCallsFromManyThreadsNeverExceedTheBulkhead() throws Exception {
    int n = 3;
    Service api = client(n, null);
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        results.add(callers.submit(() -> {
          try {
            return api.hold();
          } catch (BulkheadFullException e) {
            return "rejected";
          }
        }));
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> inFlight.get() == n);
      release.countDown();
      int served = 0;
      for (Future<String> result : results) {
        if (result.get(20, TimeUnit.SECONDS).equals("held")) {
          served++;
        }
      }
      assertThat(served).isGreaterThanOrEqualTo(n);
      assertThat(maxInFlight.get()).isEqualTo(n);
    } finally {
      callers.shutdownNow();
    }
  }

  /** OkHttp's default dispatcher allows 5 calls per host; it must not cap a bulkhead of 20. */
  @Test
  void twentyAsyncCallsReachTheServerTogetherWithOurOwnClient() throws Exception {
    assertTwentyReachTheServer(client(20, null));
  }

  @Test
  void twentyAsyncCallsReachTheServerTogetherWithAGivenDefaultClient() throws Exception {
    OkHttpClient given = new OkHttpClient();
    try {
      assertTwentyReachTheServer(client(20, given));
    } finally {
      given.dispatcher().executorService().shutdown();
      given.connectionPool().evictAll();
    }
  }

  private void assertTwentyReachTheServer(Service api) throws Exception {
    List<CompletableFuture<String>> futures = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      futures.add(api.holdAsync());
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> inFlight.get() == 20);
    release.countDown();
    for (CompletableFuture<String> f : futures) {
      assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("held");
    }
  }

  private static Throwable causeOf(CompletableFuture<?> future) {
    try {
      future.join();
      return null;
    } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
      return e.getCause();
    }
  }

}
