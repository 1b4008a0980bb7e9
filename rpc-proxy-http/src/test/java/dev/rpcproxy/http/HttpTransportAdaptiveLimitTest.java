package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.ConcurrencyLimit;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An adaptive limit against a loopback server of fixed capacity: it serves {@value #CAPACITY}
 * requests at once for {@value #SERVICE_MILLIS} ms each and queues the rest in arrival order, so
 * latency grows with what the client lets through. After one caller has warmed the connection
 * pool and the JIT for two seconds, 32 callers call in a closed loop.
 */
class HttpTransportAdaptiveLimitTest {
  static final int CAPACITY = 4;
  static final int SERVICE_MILLIS = 50;
  static final int CALLERS = 32;
  static final Duration WARM_UP = Duration.ofSeconds(2);
  static final Duration RUN = Duration.ofSeconds(6);

  interface Service {
    @GET @Path("/work")
    String work();

    @GET @Path("/work")
    CompletableFuture<String> workAsync();
  }

  static HttpServer server;
  static ExecutorService serverThreads;
  static final Semaphore capacity = new Semaphore(CAPACITY, true);
  static final AtomicInteger atServer = new AtomicInteger();
  static final AtomicInteger maxAtServer = new AtomicInteger();
  /** Run as each request arrives: the test reads the client's limit then too (see sampleLimitUntil). */
  static volatile Runnable onArrival = () -> { };

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<Integer> limits = new ArrayList<>();
  private final AtomicInteger maxLimit = new AtomicInteger();
  private final LongAdder served = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final Map<String, Integer> unexpected = new ConcurrentHashMap<>();
  private Service api;

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
    serverThreads = Executors.newFixedThreadPool(64);
    server.setExecutor(serverThreads);
    server.createContext("/work", exchange -> {
      maxAtServer.accumulateAndGet(atServer.incrementAndGet(), Math::max);
      onArrival.run();
      try {
        capacity.acquire();
        try {
          Thread.sleep(SERVICE_MILLIS);
        } finally {
          capacity.release();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // Leave the count before answering: the client frees its permit only after the answer.
      atServer.decrementAndGet();
      byte[] body = "done".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
    serverThreads.shutdownNow();
  }

  @BeforeEach
  void client() {
    api = RpcProxy.builder(Service.class).name("work")
        .transport(HttpTransport.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(10)).concurrencyLimit(ConcurrencyLimit.adaptive()).build())
        .meterRegistry(registry)
        .build();
    long end = System.nanoTime() + WARM_UP.toNanos();
    while (System.nanoTime() < end) {
      api.work();
      served.increment();
    }
    maxAtServer.set(0);
  }

  @AfterEach
  void close() {
    onArrival = () -> { };
    RpcProxy.close(api);
  }

  private int limit() {
    return (int) registry.get("rpc.client.concurrency.limit").tag("client", "work").gauge().value();
  }

  /**
   * Samples the limit every 10 ms until {@code done}; returns when it is. The largest limit is also
   * read as each request reaches the server: a sampler that sleeps 10 ms misses a short peak, and on
   * a loaded machine it can lag far behind (seen at load 23: 19 requests at the server, 11 the
   * largest limit the sampler saw).
   */
  private void sampleLimitUntil(CountDownLatch done) throws InterruptedException {
    onArrival = () -> maxLimit.accumulateAndGet(limit(), Math::max);
    while (!done.await(10, TimeUnit.MILLISECONDS)) {
      int now = limit();
      limits.add(now);
      maxLimit.accumulateAndGet(now, Math::max);
    }
  }

  private void record(Throwable failure) {
    if (failure instanceof CompletionException && failure.getCause() != null) {
      failure = failure.getCause();
    }
    if (failure instanceof BulkheadFullException) {
      rejected.increment();
    } else {
      unexpected.merge(failure.getClass().getSimpleName(), 1, Integer::sum);
    }
  }

  @Test
  void blockingCallersFindTheCapacityAndTheServerNeverSeesMoreThanTheLimit() throws Exception {
    long end = System.nanoTime() + RUN.toNanos();
    CountDownLatch done = new CountDownLatch(CALLERS);
    for (int i = 0; i < CALLERS; i++) {
      Thread caller = new Thread(() -> {
        while (System.nanoTime() < end) {
          try {
            api.work();
            served.increment();
          } catch (RuntimeException e) {
            record(e);
            pause(); // a rejected caller comes back a little later, not in a busy loop
          }
        }
        done.countDown();
      });
      caller.setDaemon(true);
      caller.start();
    }
    sampleLimitUntil(done);
    check("sync", "work");
  }

  @Test
  void asyncCallersFindTheCapacityAndTheServerNeverSeesMoreThanTheLimit() throws Exception {
    long end = System.nanoTime() + RUN.toNanos();
    CountDownLatch done = new CountDownLatch(CALLERS);
    ScheduledExecutorService again = Executors.newSingleThreadScheduledExecutor();
    try {
      for (int i = 0; i < CALLERS; i++) {
        callAsync(end, done, again);
      }
      sampleLimitUntil(done);
    } finally {
      again.shutdownNow();
    }
    check("async", "workAsync");
  }

  /** One caller's loop: the next call starts when this one ends (a rejected one, 5 ms later). */
  private void callAsync(long end, CountDownLatch done, ScheduledExecutorService again) {
    if (System.nanoTime() >= end) {
      done.countDown();
      return;
    }
    api.workAsync().whenComplete((value, error) -> {
      if (error == null) {
        served.increment();
        callAsync(end, done, again);
      } else {
        record(error);
        again.schedule(() -> callAsync(end, done, again), 5, TimeUnit.MILLISECONDS);
      }
    });
  }

  private void check(String kind, String method) {
    List<Integer> settled = limits.subList(limits.size() / 2, limits.size());
    double settledMean = settled.stream().mapToInt(Integer::intValue).average().orElseThrow();
    long successes = count(method, "success");
    long warmUp = "work".equals(method) ? 0 : count("work", "success");
    long bulkheadFull = count(method, "bulkhead_full");
    long all = registry.find("rpc.client.calls").timers().stream().mapToLong(Timer::count).sum();
    System.out.printf("[adaptive loopback %s] capacity %d: limit mean over the second half %.1f, max %d;"
            + " max at server %d; served %d, rejected %d (%.0f%%)%n", kind, CAPACITY, settledMean, maxLimit.get(),
        maxAtServer.get(), served.sum(), rejected.sum(), 100.0 * rejected.sum() / (served.sum() + rejected.sum()));

    assertThat(unexpected).isEmpty();
    assertThat(maxAtServer.get()).isLessThanOrEqualTo(maxLimit.get());
    // Near the capacity: the limit saw-tooths between about C and C x tolerance (1.5); the bound
    // is wider for the machine's own scheduling noise.
    assertThat(settledMean).isBetween(CAPACITY * 0.5, CAPACITY * 2.5);
    assertThat(successes + warmUp).isEqualTo(served.sum());
    assertThat(bulkheadFull).isEqualTo(rejected.sum());
    assertThat(all).isEqualTo(served.sum() + rejected.sum());
  }

  private long count(String method, String outcome) {
    Timer timer = registry.find("rpc.client.calls").tags("method", method, "outcome", outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  private static void pause() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
