package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.ConcurrencyLimit;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 27: 32 callers against a loopback server that serves 6 at a time (20 ms each), with an
 * adaptive limit, while CPU-bound threads in the same JVM keep the machine's cores busy (a busy
 * neighbour). On a 2-core machine with a second busy process the limit once stood at 80. Only the
 * invariants that hold on any machine are asserted: the limit never stands above twice the most
 * calls that wanted to be in flight at once (here the 32 callers), and the server never sees more
 * calls than the limit let through.
 */
@Timeout(60)
class HttpAdaptiveLimitBusyNeighbourTest {
  static final int CAPACITY = 6;
  static final int SERVICE_MILLIS = 20;
  static final int CALLERS = 32;
  static final Duration RUN = Duration.ofSeconds(6);

  interface Service {
    @GET @Path("/work")
    String work();
  }

  @Test
  void theLimitStaysWithinTwiceThePeakDemandWithABusyNeighbour() throws Exception {
    Semaphore capacity = new Semaphore(CAPACITY, true);
    AtomicInteger atServer = new AtomicInteger();
    AtomicInteger maxAtServer = new AtomicInteger();
    ExecutorService serverThreads = Executors.newFixedThreadPool(CALLERS + 8);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
    server.setExecutor(serverThreads);
    server.createContext("/work", exchange -> {
      maxAtServer.accumulateAndGet(atServer.incrementAndGet(), Math::max);
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
      atServer.decrementAndGet();
      byte[] body = "done".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Service api = RpcProxy.builder(Service.class).name("work")
        .transport(HttpTransport.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(10)).concurrencyLimit(ConcurrencyLimit.adaptive()).build())
        .meterRegistry(registry)
        .build();
    int cores = Runtime.getRuntime().availableProcessors();
    ExecutorService burners = Executors.newFixedThreadPool(cores);
    LongAdder served = new LongAdder();
    LongAdder rejected = new LongAdder();
    Map<String, Integer> unexpected = new ConcurrentHashMap<>();
    int maxLimit = 0;
    try {
      long end = System.nanoTime() + RUN.toNanos();
      // The busy neighbour: one spinning thread per core, each stopping by itself at the end.
      for (int i = 0; i < cores; i++) {
        burners.execute(() -> {
          long spin = 0;
          while (System.nanoTime() < end) {
            spin += Long.numberOfTrailingZeros(spin + System.nanoTime());
          }
          if (spin == 42) {
            System.out.print(""); // keeps the loop from being optimised away
          }
        });
      }
      CountDownLatch done = new CountDownLatch(CALLERS);
      for (int i = 0; i < CALLERS; i++) {
        Thread caller = new Thread(() -> {
          while (System.nanoTime() < end) {
            try {
              api.work();
              served.increment();
            } catch (BulkheadFullException e) {
              rejected.increment();
              try {
                Thread.sleep(5); // a rejected caller comes back a little later
              } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
              }
            } catch (RuntimeException e) {
              unexpected.merge(e.getClass().getSimpleName(), 1, Integer::sum);
            }
          }
          done.countDown();
        });
        caller.setDaemon(true);
        caller.start();
      }
      while (!done.await(10, TimeUnit.MILLISECONDS)) {
        maxLimit = Math.max(maxLimit,
            (int) registry.get("rpc.client.concurrency.limit").tag("client", "work").gauge().value());
      }
    } finally {
      burners.shutdownNow();
      RpcProxy.close(api);
      server.stop(0);
      serverThreads.shutdownNow();
    }
    System.out.printf("[adaptive loopback, busy neighbour] capacity %d, %d callers: limit max %d; max at server %d;"
        + " served %d, rejected %d%n", CAPACITY, CALLERS, maxLimit, maxAtServer.get(), served.sum(), rejected.sum());
    assertThat(unexpected).isEmpty();
    assertThat(served.sum()).isPositive();
    assertThat(maxLimit).isLessThanOrEqualTo(2 * CALLERS);
    assertThat(maxAtServer.get()).isLessThanOrEqualTo(maxLimit);
  }
}
