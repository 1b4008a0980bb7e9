package dev.rpcproxy.benchmarks.amplification;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.Deadlines;
import dev.rpcproxy.HedgePolicy;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.http.HttpTransport;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Retry amplification in a three-tier chain (issue 27): a driver calls A, A calls B, B calls C,
 * each hop through rpc-proxy over REST (JDK {@code HttpServer} on 127.0.0.1). C fails 50% of its
 * requests at once (503), or stalls (answers nothing for 2 s). Counted: requests that reach each
 * tier per request the driver makes.
 *
 * <p>Every hop has the same per-hop policy (call timeout 1 s, attempt timeout 300 ms, up to 3
 * attempts, 1-5 ms backoff; breaker and bulkhead out of the way) and differs only in:
 *
 * <ul>
 *   <li>{@code naive}: no retry budget (ratio 100, floor 100,000/s), the deadline does not travel:
 *       each tier starts its own 1 s when a request arrives. 3 attempts on each of 3 hops: 27 in
 *       theory.
 *   <li>{@code rpc-proxy}: the default retry budget (20% of calls over 10 s, plus 10/s), and the
 *       deadline travels: each attempt sends its time left in {@code X-Request-Timeout}, and each
 *       tier's handler runs its call inside {@code Deadlines.fromHeader(...)}.
 *   <li>{@code rpc-proxy + hedging}: the same, and a hedge after 50 ms (at most 2 attempts in
 *       flight) on every hop.
 * </ul>
 *
 * <pre>
 * mvn -B -ntp -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.rpcproxy.benchmarks.amplification.Amplification [rate/s] [seconds]
 * </pre>
 *
 * Defaults: 40 requests/s from the driver (open loop, async) for 10 s per case, after 3 s of
 * warm-up at the same rate with C healthy (not counted); after each case the run waits until
 * nothing is in flight anywhere (at most 5 s) before counting.
 */
public final class Amplification {

  /** A tier, declared the way a user would. */
  public interface Tier {
    @GET
    @Path("/work")
    String work();

    @GET
    @Path("/work")
    CompletableFuture<String> workAsync();
  }

  enum Fault { FAIL_HALF, STALL }

  enum Mode { NAIVE, RPC_PROXY, RPC_PROXY_HEDGING }

  static final String DEADLINE_HEADER = "X-Request-Timeout";

  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private final List<HttpServer> servers = new ArrayList<>();
  private final List<ExecutorService> pools = new ArrayList<>();
  private final List<Object> clients = new ArrayList<>();
  private final LongAdder[] hits = {new LongAdder(), new LongAdder(), new LongAdder()}; // A, B, C
  private final AtomicLong inFlight = new AtomicLong();
  private volatile String firstFailure;
  /** Off during the warm-up. */
  private volatile boolean faulty;

  private static Policy policy(Mode mode) {
    RetryPolicy.Builder retry = RetryPolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(5));
    if (mode == Mode.NAIVE) {
      retry.budget(100.0, 100_000, Duration.ofSeconds(1)); // no budget to speak of
    }
    Policy.Builder policy = Policy.builder()
        .timeout(Duration.ofSeconds(1))
        .attemptTimeout(Duration.ofMillis(300))
        .retry(retry.build())
        .maxConcurrentCalls(100_000)
        // The breaker would stop a storm of its own; kept out to measure retries and deadlines alone.
        .circuitBreaker(CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED).slidingWindowSize(1)
            .minimumNumberOfCalls(Integer.MAX_VALUE).build());
    if (mode == Mode.RPC_PROXY_HEDGING) {
      policy.hedge(HedgePolicy.builder().maxAttempts(2).delay(Duration.ofMillis(50)).build());
    }
    return policy.build();
  }

  private Tier client(String url, Mode mode) {
    HttpTransport.Builder transport = HttpTransport.builder().baseUrl(url);
    if (mode != Mode.NAIVE) {
      transport.deadlineHeader(DEADLINE_HEADER);
    }
    Tier tier = RpcProxy.builder(Tier.class).name("tier").transport(transport.build()).policy(policy(mode)).build();
    clients.add(tier);
    return tier;
  }

  private String serve(HttpServerHandler handler) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    ExecutorService pool = Executors.newCachedThreadPool();
    server.setExecutor(pool);
    server.createContext("/work", exchange -> {
      inFlight.incrementAndGet();
      try {
        handler.handle(exchange);
      } catch (RuntimeException | IOException e) {
        exchange.close();
        inFlight.decrementAndGet();
      }
    });
    server.start();
    servers.add(server);
    pools.add(pool);
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  interface HttpServerHandler {
    void handle(HttpExchange exchange) throws IOException;
  }

  private void answer(HttpExchange exchange, int status) {
    try {
      byte[] body = (status == 200 ? "ok" : "failed").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException e) {
      // the caller gave up and hung up
    } finally {
      exchange.close();
      inFlight.decrementAndGet();
    }
  }

  /** A tier that calls the next one: 200 if that call succeeded, else 503 (a retryable failure). */
  private String middle(int index, Tier next, Mode mode) throws IOException {
    return serve(exchange -> {
      hits[index].increment();
      String left = mode == Mode.NAIVE ? null : exchange.getRequestHeaders().getFirst(DEADLINE_HEADER);
      int status;
      try (Deadlines.Scope scope = Deadlines.fromHeader(left)) {
        next.work();
        status = 200;
      } catch (RuntimeException e) {
        status = 503;
      }
      answer(exchange, status);
    });
  }

  private String last(Fault fault) throws IOException {
    return serve(exchange -> {
      hits[2].increment();
      if (!faulty) {
        answer(exchange, 200);
      } else if (fault == Fault.STALL) {
        scheduler.schedule(() -> answer(exchange, 200), 2, TimeUnit.SECONDS);
      } else {
        answer(exchange, ThreadLocalRandom.current().nextBoolean() ? 200 : 503);
      }
    });
  }

  private String[] run(Fault fault, Mode mode, int rate, int seconds) throws Exception {
    String c = last(fault);
    String b = middle(1, client(c, mode), mode);
    String a = middle(0, client(b, mode), mode);
    Tier driver = client(a, mode);
    // Warm-up: 3 s at the same rate with C healthy (connections, JIT), not counted.
    drive(driver, rate, 3, new LongAdder(), new LongAdder());
    for (LongAdder hit : hits) {
      hit.reset();
    }
    firstFailure = null;
    faulty = true;
    LongAdder ok = new LongAdder();
    LongAdder failed = new LongAdder();
    int requests = drive(driver, rate, seconds, ok, failed);
    String[] row = {
        fault == Fault.FAIL_HALF ? "C fails 50%" : "C stalls", label(mode), Integer.toString(requests),
        String.format("%.2f", hits[0].sum() / (double) requests), String.format("%.2f", hits[1].sum() / (double) requests),
        String.format("%.2f", hits[2].sum() / (double) requests),
        String.format("%.0f%%", 100.0 * ok.sum() / requests)};
    stopAll();
    return row;
  }

  /** Sends {@code rate x seconds} calls at a steady rate, then waits (at most 5 s) until all have ended. */
  private int drive(Tier driver, int rate, int seconds, LongAdder ok, LongAdder failed) throws InterruptedException {
    int requests = rate * seconds;
    long start = System.nanoTime();
    for (int i = 0; i < requests; i++) {
      long due = start + TimeUnit.SECONDS.toNanos(i) / rate;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      driver.workAsync().whenComplete((value, error) -> {
        (error == null ? ok : failed).increment();
        if (error != null && firstFailure == null) {
          firstFailure = error.toString();
        }
      });
    }
    long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while ((ok.sum() + failed.sum() < requests || inFlight.get() > 0) && System.nanoTime() < drainUntil) {
      Thread.sleep(20);
    }
    return requests;
  }

  private static String label(Mode mode) {
    return switch (mode) {
      case NAIVE -> "naive: 3 attempts per hop, no budget, no travelling deadline";
      case RPC_PROXY -> "rpc-proxy: budget + deadline that travels";
      case RPC_PROXY_HEDGING -> "rpc-proxy + hedging (2, after 50 ms)";
    };
  }

  private void stopAll() {
    for (Object client : clients) {
      RpcProxy.close(client);
    }
    clients.clear();
    for (HttpServer server : servers) {
      server.stop(0);
    }
    servers.clear();
    for (ExecutorService pool : pools) {
      pool.shutdownNow();
    }
    pools.clear();
    for (LongAdder hit : hits) {
      hit.reset();
    }
    inFlight.set(0);
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    List<String[]> rows = new ArrayList<>();
    for (Fault fault : Fault.values()) {
      for (Mode mode : Mode.values()) {
        Amplification run = new Amplification();
        try {
          String[] row = run.run(fault, mode, rate, seconds);
          rows.add(row);
          System.out.println(String.join(" | ", row) + "   (first failure: " + run.firstFailure + ")");
        } finally {
          run.stopAll();
          run.scheduler.shutdownNow();
        }
      }
    }
    System.out.printf("%n%d requests/s from the driver for %d s per case%n%n", rate, seconds);
    System.out.println("| C | hops | driver requests | reach A per request | reach B per request | reach C per request | driver's calls ok |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (String[] row : rows) {
      System.out.println("| " + String.join(" | ", row) + " |");
    }
  }
}
