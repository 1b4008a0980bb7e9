package dev.rpcproxy.benchmarks.limits;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.ConcurrencyLimit;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.http.HttpTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Limits on outstanding calls against a loopback server of fixed capacity: it serves C calls at
 * once for a fixed service time and queues the rest in arrival order, so latency grows with what
 * the client lets through. 4 x C callers call in a closed loop (a rejected caller comes back after
 * one service time). Contenders: fixed limits C/2, C, 4C, rpc-proxy's adaptive limit, and as references
 * Netflix concurrency-limits' Gradient2 and Vegas (in front of the same proxy, whose own limit is
 * then out of reach). Then the capacity drops to C/3 for 10 s and comes back: how long each
 * adaptive limit takes to follow.
 *
 * <pre>
 * mvn -B -ntp -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.rpcproxy.benchmarks.limits.LimiterBenchmark [C] [service ms] [seconds per run] [contender]
 * </pre>
 *
 * Defaults: C = 16, service time 20 ms, 15 s per run (after 3 s of warm-up), every contender
 * (else those whose name contains the fourth argument). {@code -Dlimits.trace=true} prints the
 * limit every 0.5 s.
 */
public final class LimiterBenchmark {

  /** The service, declared the way a user would. */
  public interface Work {
    @GET
    @Path("/work")
    String work();
  }

  /** A semaphore whose permits can be taken away and given back (capacity changes). */
  static final class Capacity extends Semaphore {
    Capacity(int permits) {
      super(permits, true);
    }

    void shrink(int by) {
      reducePermits(by);
    }
  }

  /** A contender: how a caller gets a permit (or none) and gives it back. */
  interface Gate {
    /** Runs one call; returns false if it was rejected. */
    boolean call(Work api);

    int limit();
  }

  private final int capacity;
  private final int serviceMillis;
  private final Duration run;
  private final Capacity slots;
  private final HttpServer server;
  private final ExecutorService serverThreads = Executors.newFixedThreadPool(256);
  private final boolean trace = Boolean.getBoolean("limits.trace");
  private String only = "";

  LimiterBenchmark(int capacity, int serviceMillis, Duration run) throws IOException {
    this.capacity = capacity;
    this.serviceMillis = serviceMillis;
    this.run = run;
    this.slots = new Capacity(capacity);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    server.setExecutor(serverThreads);
    server.createContext("/work", exchange -> {
      try {
        slots.acquire();
        try {
          Thread.sleep(serviceMillis);
        } finally {
          slots.release();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] body = "done".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  public static void main(String[] args) throws Exception {
    // The JDK HttpServer otherwise waits for the client's delayed ACK: ~40 ms per answer.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    int capacity = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    int serviceMillis = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    Duration run = Duration.ofSeconds(args.length > 2 ? Integer.parseInt(args[2]) : 15);
    LimiterBenchmark bench = new LimiterBenchmark(capacity, serviceMillis, run);
    bench.only = args.length > 3 ? args[3] : "";
    try {
      bench.runAll();
    } finally {
      bench.server.stop(0);
      bench.serverThreads.shutdownNow();
    }
  }

  private Work proxy(ConcurrencyLimit limit, SimpleMeterRegistry registry) {
    return RpcProxy.builder(Work.class).name("work")
        .transport(HttpTransport.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(30)).concurrencyLimit(limit).build())
        .meterRegistry(registry)
        .build();
  }

  private static Gate ours(SimpleMeterRegistry registry) {
    return new Gate() {
      @Override
      public boolean call(Work api) {
        try {
          api.work();
          return true;
        } catch (BulkheadFullException e) {
          return false;
        }
      }

      @Override
      public int limit() {
        return (int) registry.get("rpc.client.concurrency.limit").gauge().value();
      }
    };
  }

  private static Gate netflix(Limiter<Void> limiter, IntSupplier limit) {
    return new Gate() {
      @Override
      public boolean call(Work api) {
        Optional<Limiter.Listener> listener = limiter.acquire(null);
        if (listener.isEmpty()) {
          return false;
        }
        try {
          api.work();
          listener.get().onSuccess();
        } catch (RuntimeException e) {
          listener.get().onDropped();
        }
        return true;
      }

      @Override
      public int limit() {
        return limit.getAsInt();
      }
    };
  }

  private void runAll() throws Exception {
    System.out.printf("capacity C = %d, service time %d ms, %d callers, %d s per run; %d cores%n%n",
        capacity, serviceMillis, 4 * capacity, run.toSeconds(), Runtime.getRuntime().availableProcessors());

    SimpleMeterRegistry unloadedRegistry = new SimpleMeterRegistry();
    Work unloadedApi = proxy(ConcurrencyLimit.fixed(capacity), unloadedRegistry);
    Result unloaded = measure("unloaded (1 caller)", unloadedApi, ours(unloadedRegistry), 1, run, false);
    RpcProxy.close(unloadedApi);

    List<Result> results = new ArrayList<>();
    results.add(unloaded);
    for (int fixed : new int[] {Math.max(1, capacity / 2), capacity, 4 * capacity}) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      Work api = proxy(ConcurrencyLimit.fixed(fixed), registry);
      results.add(measure("fixed " + fixed, api, ours(registry), 4 * capacity, run, false));
      RpcProxy.close(api);
    }
    List<Result> follows = new ArrayList<>();
    {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      Work api = proxy(ConcurrencyLimit.adaptive(), registry);
      results.add(measure("rpc-proxy adaptive", api, ours(registry), 4 * capacity, run, true));
      RpcProxy.close(api);
    }
    {
      Gradient2Limit limit = Gradient2Limit.newDefault();
      Limiter<Void> limiter = SimpleLimiter.newBuilder().limit(limit).build();
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      Work api = proxy(ConcurrencyLimit.fixed(100_000), registry);
      results.add(measure("concurrency-limits Gradient2 (reference)", api, netflix(limiter, limit::getLimit),
          4 * capacity, run, true));
      RpcProxy.close(api);
    }
    {
      VegasLimit limit = VegasLimit.newDefault();
      Limiter<Void> limiter = SimpleLimiter.newBuilder().limit(limit).build();
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      Work api = proxy(ConcurrencyLimit.fixed(100_000), registry);
      results.add(measure("concurrency-limits Vegas (reference)", api, netflix(limiter, limit::getLimit),
          4 * capacity, run, true));
      RpcProxy.close(api);
    }

    results.removeIf(r -> r == null);
    double best = results.stream().filter(r -> r.name.startsWith("fixed")).mapToDouble(r -> r.goodput).max()
        .orElse(1);
    System.out.println();
    System.out.println("| contender | goodput (calls/s) | of best fixed | p50 ms | p99 ms | p99 / unloaded p99 |"
        + " rejected | limit (mean) | C/3: limit follows down, s | C back: follows up, s |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (Result r : results) {
      System.out.printf("| %s | %.0f | %.0f%% | %.1f | %.1f | %.2f | %.0f%% | %s | %s | %s |%n", r.name, r.goodput,
          100 * r.goodput / best, r.p50, r.p99, r.p99 / unloaded.p99, 100 * r.rejectedShare,
          Double.isNaN(r.meanLimit) ? "" : String.format("%.1f", r.meanLimit),
          r.followDown < 0 ? (r.followed ? "> 10" : "") : String.format("%.1f", r.followDown),
          r.followUp < 0 ? (r.followed ? "> 10" : "") : String.format("%.1f", r.followUp));
    }
  }

  static final class Result {
    String name;
    double goodput;
    double p50;
    double p99;
    double rejectedShare;
    double meanLimit = Double.NaN;
    boolean followed;
    double followDown = -1;
    double followUp = -1;
  }

  /** Closed-loop callers for warm-up + {@code run}; then, if asked, the capacity change. */
  private Result measure(String name, Work api, Gate gate, int callers, Duration run, boolean follow)
      throws InterruptedException {
    Result result = new Result();
    result.name = name;
    if (!name.startsWith("unloaded") && !name.contains(only)) {
      return null;
    }
    System.out.println("running " + name + " ...");
    result.name = name;
    long[][] latencies = new long[callers][];
    int[] counts = new int[callers];
    LongAdder rejected = new LongAdder();
    LongAdder served = new LongAdder();
    long warmUpEnd = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    long measureEnd = warmUpEnd + run.toNanos();
    long end = follow ? measureEnd + Duration.ofSeconds(25).toNanos() : measureEnd;
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < callers; c++) {
      int me = c;
      latencies[me] = new long[1 << 16];
      Thread t = new Thread(() -> {
        while (true) {
          long now = System.nanoTime();
          if (now >= end) {
            return;
          }
          boolean measuring = now >= warmUpEnd && now < measureEnd;
          boolean ok = gate.call(api);
          long took = System.nanoTime() - now;
          if (!ok) {
            if (measuring) {
              rejected.increment();
            }
            pause(serviceMillis);
          } else if (measuring) {
            served.increment();
            if (counts[me] == latencies[me].length) {
              latencies[me] = Arrays.copyOf(latencies[me], counts[me] * 2);
            }
            latencies[me][counts[me]++] = took;
          }
        }
      }, "caller-" + c);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    // The limit, sampled every 50 ms while measuring; then through the capacity change.
    List<long[]> limits = new ArrayList<>();
    long dropAt = measureEnd + Duration.ofSeconds(2).toNanos();
    long backAt = dropAt + Duration.ofSeconds(10).toNanos();
    boolean dropped = false;
    boolean back = false;
    int shrinkBy = capacity - Math.max(1, capacity / 3);
    while (System.nanoTime() < end) {
      Thread.sleep(50);
      long now = System.nanoTime();
      limits.add(new long[] {now, gate.limit()});
      if (trace && limits.size() % 10 == 0) {
        System.out.printf("  %5.1f s  limit %d%n", (now - warmUpEnd) / 1e9, gate.limit());
      }
      if (follow && !dropped && now >= dropAt) {
        slots.shrink(shrinkBy);
        dropped = true;
      }
      if (follow && !back && now >= backAt) {
        slots.release(shrinkBy);
        back = true;
      }
    }
    for (Thread t : threads) {
      t.join();
    }
    long[] all = new long[Arrays.stream(counts).sum()];
    int at = 0;
    for (int c = 0; c < callers; c++) {
      System.arraycopy(latencies[c], 0, all, at, counts[c]);
      at += counts[c];
    }
    Arrays.sort(all);
    result.goodput = served.sum() / (double) run.toSeconds();
    result.p50 = percentile(all, 50);
    result.p99 = percentile(all, 99);
    result.rejectedShare = rejected.sum() / (double) Math.max(1, served.sum() + rejected.sum());
    if (follow) {
      result.meanLimit = limits.stream().filter(l -> l[0] >= warmUpEnd && l[0] < measureEnd)
          .mapToLong(l -> l[1]).average().orElse(Double.NaN);
      result.followed = true;
      double lowTarget = 1.5 * Math.max(1, capacity / 3);
      result.followDown = firstAfter(limits, dropAt, l -> l <= lowTarget, backAt);
      result.followUp = firstAfter(limits, backAt, l -> l >= capacity, end);
    }
    return result;
  }

  private static double firstAfter(List<long[]> limits, long from, java.util.function.LongPredicate test, long until) {
    for (long[] l : limits) {
      if (l[0] >= from && l[0] < until && test.test(l[1])) {
        return (l[0] - from) / 1e9;
      }
    }
    return -1;
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1));
    return sorted[index] / 1e6;
  }

  private static void pause(int millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
