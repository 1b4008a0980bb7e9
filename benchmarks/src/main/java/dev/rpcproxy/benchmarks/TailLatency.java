package dev.rpcproxy.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.HedgePolicy;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.benchmarks.EndToEnd.QuotesGrpc;
import dev.rpcproxy.benchmarks.EndToEnd.QuotesRest;
import dev.rpcproxy.benchmarks.grpc.Quote;
import dev.rpcproxy.benchmarks.grpc.QuoteRequest;
import dev.rpcproxy.benchmarks.grpc.QuoteServiceGrpc;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongUnaryOperator;

/**
 * Tail latency end to end over loopback: servers where a share of requests stall 200 ms (the
 * others answer after ~1 ms), and the p50/p99/p99.9 a caller sees with and without hedging, with
 * the extra requests the server received for it.
 *
 * <p>Contenders, each with a fresh client on the same servers, in one run:
 *
 * <ul>
 *   <li>REST (rpc-proxy {@code HttpTransport} on OkHttp): no hedging; a hedge after each fixed delay;
 *       a hedge after the method's recent p95 latency (within 2..500 ms).
 *   <li>gRPC (Netty): the same three through {@code GrpcTransport}, and grpc-java's own hedging
 *       policy (service config {@code hedgingPolicy}, same attempts and fixed delays) on the
 *       blocking stub.
 *   <li>Resilience4j's hedge module is not published on Maven Central (2.2.0 to 2.4.0): no row.
 * </ul>
 *
 * <p>A closed loop: {@code callers} threads each make blocking calls back to back until
 * {@code requests} calls are measured, after {@code warmup} unmeasured calls that also fill the
 * adaptive delay's histogram. The server counts every request it receives; "extra" is that count
 * over the calls, minus one. Every call has a 1 s deadline. A first pass without stalls gives the
 * unstalled p99 each transport is judged against (goal: p99 within 3x of it, at most 8% extra).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.rpcproxy.benchmarks.TailLatency}
 * (options {@code --requests 10000 --warmup 1000 --callers 4 --delays-ms 15,3 --stalls 5,1}; each
 * fixed delay gets an rpc-proxy row per transport and a grpc-java row).
 */
public final class TailLatency {
  static final long STALL_MILLIS = 200;
  static final Duration DEADLINE = Duration.ofSeconds(1);
  static final String SERVICE = "dev.rpcproxy.benchmarks.grpc.QuoteService";

  private final int requests;
  private final int warmup;
  private final int callers;
  private final List<Duration> hedgeDelays;
  private final StallingServers servers;
  private final List<String> rows = new ArrayList<>();

  private TailLatency(int requests, int warmup, int callers, List<Duration> hedgeDelays) throws IOException {
    this.requests = requests;
    this.warmup = warmup;
    this.callers = callers;
    this.hedgeDelays = List.copyOf(hedgeDelays);
    this.servers = new StallingServers();
  }

  public static void main(String[] args) throws Exception {
    // The JDK HttpServer otherwise waits for the client's delayed ACK (Nagle): ~40 ms per answer.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    int requests = 10_000;
    int warmup = 1_000;
    int callers = 4;
    long[] delaysMs = {15, 3};
    int[] stalls = {5, 1};
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--requests" -> requests = Integer.parseInt(args[i + 1]);
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        case "--callers" -> callers = Integer.parseInt(args[i + 1]);
        case "--delays-ms" -> delaysMs = Arrays.stream(args[i + 1].split(",")).mapToLong(Long::parseLong).toArray();
        case "--stalls" -> stalls = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    TailLatency bench = new TailLatency(requests, warmup, callers,
        Arrays.stream(delaysMs).mapToObj(Duration::ofMillis).toList());
    try {
      bench.run(stalls);
    } finally {
      bench.servers.close();
    }
    System.exit(0);
  }

  private void run(int[] stallPercents) throws Exception {
    System.out.printf(Locale.ROOT, "JDK %s (%s), %s %s, %d cores, load average at start: %s%n",
        System.getProperty("java.version"), System.getProperty("java.vm.name"), System.getProperty("os.name"),
        System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), loadAverage());
    System.out.printf(Locale.ROOT,
        "%d measured calls per row after %d warm-up calls, %d callers (closed loop), deadline %d ms, stall %d ms, fixed hedge delays %s ms%n%n",
        requests, warmup, callers, DEADLINE.toMillis(), STALL_MILLIS,
        hedgeDelays.stream().map(d -> Long.toString(d.toMillis())).toList());
    long began = System.nanoTime();

    // JIT warm-up of both paths, not reported; a long deadline while classes load and connections open.
    servers.stallPercent(0);
    try (Contender rest = restContender("warm", null, Duration.ofSeconds(30));
        Contender grpc = grpcContender("warm", null, Duration.ofSeconds(30))) {
      measure(rest, 3 * warmup);
      measure(grpc, 3 * warmup);
    }

    System.out.println("| stalls | transport | contender | p50 ms | p99 ms | p99.9 ms | max ms | extra requests | hedges sent | p99 / unstalled p99 |");
    System.out.println("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
    double restBase = row(0, restContender("no hedging", null), 0);
    double grpcBase = row(0, grpcContender("no hedging", null), 0);
    for (int stall : stallPercents) {
      servers.stallPercent(stall);
      row(stall, restContender("no hedging", null), restBase);
      for (Duration delay : hedgeDelays) {
        row(stall, restContender("rpc-proxy hedge, fixed " + delay.toMillis() + " ms", fixed(delay)), restBase);
      }
      row(stall, restContender("rpc-proxy hedge, p95 in [2, 500] ms", percentile()), restBase);
      row(stall, grpcContender("no hedging", null), grpcBase);
      for (Duration delay : hedgeDelays) {
        row(stall, grpcContender("rpc-proxy hedge, fixed " + delay.toMillis() + " ms", fixed(delay)), grpcBase);
      }
      row(stall, grpcContender("rpc-proxy hedge, p95 in [2, 500] ms", percentile()), grpcBase);
      for (Duration delay : hedgeDelays) {
        row(stall, grpcJavaHedging(delay), grpcBase);
      }
    }
    System.out.printf(Locale.ROOT, "%nResilience4j hedge: io.github.resilience4j:resilience4j-hedge is not on Maven Central (2.2.0 to 2.4.0), not measured.%n");
    System.out.printf(Locale.ROOT, "Total %.0f s, load average at end: %s%n", (System.nanoTime() - began) / 1e9, loadAverage());
  }

  private static HedgePolicy fixed(Duration delay) {
    return HedgePolicy.builder().maxAttempts(2).delay(delay).build();
  }

  private static HedgePolicy percentile() {
    return HedgePolicy.builder().maxAttempts(2)
        .delayAtPercentile(95, Duration.ofMillis(2), Duration.ofMillis(500)).build();
  }

  /** Warms the contender up, measures it, prints its row; returns its p99 in ms. */
  private double row(int stallPercent, Contender contender, double baseP99) throws Exception {
    try (contender) {
      measure(contender, warmup);
      double hedgesBefore = contender.hedgesSent();
      Thread.sleep(STALL_MILLIS + 100); // losers of the warm-up reach the server before counting starts
      long receivedBefore = servers.received();
      long[] latencies = measure(contender, requests);
      Thread.sleep(100); // hedges sent just before the last calls ended still reach the server
      long extra = servers.received() - receivedBefore - requests;
      double hedges = contender.hedgesSent() - hedgesBefore;
      Arrays.sort(latencies);
      double p99 = ms(quantile(latencies, 0.99));
      System.out.printf(Locale.ROOT, "| %d%% | %s | %s | %.2f | %.2f | %.2f | %.2f | %.1f%% | %s | %s |%n",
          stallPercent, contender.transport, contender.name,
          ms(quantile(latencies, 0.50)), p99, ms(quantile(latencies, 0.999)), ms(latencies[latencies.length - 1]),
          100.0 * extra / requests, Double.isNaN(hedges) ? "n/a" : String.format(Locale.ROOT, "%.0f", hedges),
          baseP99 > 0 ? String.format(Locale.ROOT, "%.1fx", p99 / baseP99) : "");
      return p99;
    }
  }

  /** Runs {@code count} calls on {@link #callers} threads; each call's latency in nanoseconds. */
  private long[] measure(Contender contender, int count) throws InterruptedException {
    long[] latencies = new long[count];
    AtomicInteger next = new AtomicInteger();
    AtomicLong failures = new AtomicLong();
    AtomicReference<RuntimeException> firstFailure = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(callers);
    for (int t = 0; t < callers; t++) {
      Thread thread = new Thread(() -> {
        try {
          for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
            long start = System.nanoTime();
            try {
              contender.call.applyAsLong(i);
            } catch (RuntimeException e) {
              failures.incrementAndGet();
              firstFailure.compareAndSet(null, e);
            }
            latencies[i] = System.nanoTime() - start;
          }
        } finally {
          done.countDown();
        }
      }, "caller-" + t);
      thread.start();
    }
    done.await();
    if (failures.get() > 0) {
      System.out.printf(Locale.ROOT, "  (%s %s: %d of %d calls failed, the first with %s; their time is counted)%n",
          contender.transport, contender.name, failures.get(), count, firstFailure.get());
    }
    return latencies;
  }

  private Contender restContender(String name, HedgePolicy hedge) {
    return restContender(name, hedge, DEADLINE);
  }

  private Contender restContender(String name, HedgePolicy hedge, Duration deadline) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HttpTransport transport = HttpTransport.builder().baseUrl(servers.restUrl()).build();
    QuotesRest client = RpcProxy.builder(QuotesRest.class).name("rest")
        .transport(transport).policy(policy(hedge, deadline)).meterRegistry(registry).build();
    return new Contender("REST", name, id -> client.quote(id).price(), registry, transport::close);
  }

  private Contender grpcContender(String name, HedgePolicy hedge) {
    return grpcContender(name, hedge, DEADLINE);
  }

  private Contender grpcContender(String name, HedgePolicy hedge, Duration deadline) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", servers.grpcPort()).usePlaintext().build();
    QuotesGrpc client = RpcProxy.builder(QuotesGrpc.class).name("grpc")
        .transport(GrpcTransport.builder(channel, QuoteServiceGrpc.getServiceDescriptor()).build())
        .policy(policy(hedge, deadline)).meterRegistry(registry).build();
    return new Contender("gRPC", name, id -> client.getQuote(QuoteRequest.newBuilder().setId(id).build()).getPrice(),
        registry, () -> shutdown(channel));
  }

  /** grpc-java's own hedging: service config on the channel, the generated blocking stub, same deadline. */
  private Contender grpcJavaHedging(Duration hedgeDelay) {
    Map<String, Object> hedging = Map.of(
        "maxAttempts", 2.0,
        "hedgingDelay", String.format(Locale.ROOT, "%.3fs", hedgeDelay.toMillis() / 1000.0),
        "nonFatalStatusCodes", List.of());
    Map<String, Object> methodConfig = Map.of(
        "name", List.of(Map.of("service", SERVICE)),
        "hedgingPolicy", hedging);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", servers.grpcPort()).usePlaintext()
        .defaultServiceConfig(Map.of("methodConfig", List.of(methodConfig)))
        .enableRetry()
        .build();
    QuoteServiceGrpc.QuoteServiceBlockingStub stub = QuoteServiceGrpc.newBlockingStub(channel);
    return new Contender("gRPC", "grpc-java hedgingPolicy, fixed " + hedgeDelay.toMillis() + " ms",
        id -> stub.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .getQuote(QuoteRequest.newBuilder().setId(id).build()).getPrice(),
        null, () -> shutdown(channel));
  }

  /** The deadline, bulkhead 64 (more than the callers), the default breaker; a hedge if given. */
  private static Policy policy(HedgePolicy hedge, Duration deadline) {
    Policy.Builder policy = Policy.builder().timeout(deadline).maxConcurrentCalls(64);
    if (hedge != null) {
      policy.hedge(hedge);
    }
    return policy.build();
  }

  private static void shutdown(ManagedChannel channel) {
    try {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long quantile(long[] sorted, double q) {
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  /** One client under test: how to make a call, and where its hedges are counted. */
  private static final class Contender implements AutoCloseable {
    final String transport;
    final String name;
    final LongUnaryOperator call;
    private final SimpleMeterRegistry registry;
    private final Runnable close;

    Contender(String transport, String name, LongUnaryOperator call, SimpleMeterRegistry registry, Runnable close) {
      this.transport = transport;
      this.name = name;
      this.call = call;
      this.registry = registry;
      this.close = close;
    }

    /** {@code rpc.client.attempts{kind=hedge}}; NaN where the client does not count them. */
    double hedgesSent() {
      if (registry == null) {
        return Double.NaN;
      }
      Counter counter = registry.find("rpc.client.attempts").tag("kind", "hedge").counter();
      return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
      close.run();
    }
  }

  /**
   * A JDK HttpServer and a Netty gRPC server on 127.0.0.1 answering a fixed quote after ~1 ms, or
   * after {@link #STALL_MILLIS} for the given share of requests (drawn per request). Both count
   * every request they receive.
   */
  private static final class StallingServers implements AutoCloseable {
    private static final byte[] BODY = "{\"id\":42,\"price\":1999}".getBytes(StandardCharsets.UTF_8);

    private final AtomicLong received = new AtomicLong();
    private final HttpServer http;
    private final ExecutorService httpThreads;
    private final Server grpc;
    private final ScheduledExecutorService timer;
    private volatile double stallShare;

    StallingServers() throws IOException {
      httpThreads = Executors.newCachedThreadPool(daemon("http-server"));
      http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
      http.setExecutor(httpThreads);
      http.createContext("/quotes/", exchange -> {
        received.incrementAndGet();
        try {
          Thread.sleep(serviceMillis());
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, BODY.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(BODY);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (IOException e) {
          // the client cancelled this request (a hedge won) and closed the connection
        } finally {
          exchange.close();
        }
      });
      http.start();

      timer = Executors.newScheduledThreadPool(2, daemon("grpc-server-timer"));
      grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addService(new QuoteServiceGrpc.QuoteServiceImplBase() {
            @Override
            public void getQuote(QuoteRequest request, StreamObserver<Quote> response) {
              received.incrementAndGet();
              ServerCallStreamObserver<Quote> call = (ServerCallStreamObserver<Quote>) response;
              call.setOnCancelHandler(() -> {});
              timer.schedule(() -> {
                if (!call.isCancelled()) {
                  call.onNext(Quote.newBuilder().setId(request.getId()).setPrice(1999).build());
                  call.onCompleted();
                }
              }, serviceMillis(), TimeUnit.MILLISECONDS);
            }
          })
          .build().start();
    }

    void stallPercent(int percent) {
      stallShare = percent / 100.0;
    }

    long received() {
      return received.get();
    }

    String restUrl() {
      return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    int grpcPort() {
      return grpc.getPort();
    }

    private long serviceMillis() {
      return ThreadLocalRandom.current().nextDouble() < stallShare ? STALL_MILLIS : 1;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
      AtomicInteger n = new AtomicInteger();
      return r -> {
        Thread t = new Thread(r, name + "-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
    }

    @Override
    public void close() throws InterruptedException {
      grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      http.stop(0);
      httpThreads.shutdownNow();
      timer.shutdownNow();
    }
  }
}
