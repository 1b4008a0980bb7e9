package dev.rpcproxy.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.ClientView;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.benchmarks.EndToEnd.QuotesGrpc;
import dev.rpcproxy.benchmarks.EndToEnd.QuotesRest;
import dev.rpcproxy.benchmarks.grpc.Quote;
import dev.rpcproxy.benchmarks.grpc.QuoteRequest;
import dev.rpcproxy.benchmarks.grpc.QuoteServiceGrpc;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * Blocking calls from many virtual threads, as a new user would make them: {@code threads} virtual
 * threads each make {@code calls} blocking calls through one rpc-proxy client whose policy is a
 * bulkhead of {@code limit} with a permit wait (everything else default), against loopback
 * servers that answer after {@code service-ms}. Reports per run: calls/s, the time calls took
 * (p50, p99, max; permit wait included), the most calls holding a
 * permit at once (sampled every millisecond), the most and the mean
 * number of requests the server was serving at once (the mean by Little's law: time spent in the
 * handler over wall time), the TCP connections the server accepted, and how calls ended
 * (bulkhead full, timeout, circuit open, other) with the breaker's trips.
 *
 * <p>Needs JDK 21+ (virtual threads); the project compiles for 17, so the virtual-thread executor
 * is looked up reflectively and the run exits at once, saying so, on an older JDK.
 *
 * <p>Run: {@code JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 $JAVA_HOME/bin/java -cp
 * benchmarks/target/benchmarks.jar dev.rpcproxy.benchmarks.VirtualThreads} (options
 * {@code --transports rest,grpc --runs 3 --threads 2000 --calls 20 --limit 64 --permit-wait-ms 2000
 * --service-ms 5 --backlog 0 --nodelay true}; a backlog of 0 is the system's default, as
 * {@code HttpServer.create(address, 0)}; {@code --nodelay false} leaves the JDK HttpServer's
 * {@code sun.net.httpserver.nodelay} at its default).
 */
public final class VirtualThreads {
  private static final byte[] BODY = "{\"id\":42,\"price\":1999}".getBytes(StandardCharsets.UTF_8);

  private final int threads;
  private final int calls;
  private final int limit;
  private final Duration permitWait;
  private final long serviceMillis;
  private final ExecutorService virtualThreads;

  private VirtualThreads(int threads, int calls, int limit, Duration permitWait, long serviceMillis,
      ExecutorService virtualThreads) {
    this.threads = threads;
    this.calls = calls;
    this.limit = limit;
    this.permitWait = permitWait;
    this.serviceMillis = serviceMillis;
    this.virtualThreads = virtualThreads;
  }

  public static void main(String[] args) throws Exception {
    ExecutorService virtual = newVirtualThreadPerTaskExecutor();
    if (virtual == null) {
      System.out.println("VirtualThreads needs JDK 21 or later (this is " + Runtime.version()
          + "); run it with JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64. Skipped.");
      return;
    }
    List<String> transports = List.of("rest", "grpc");
    int runs = 3;
    int threads = 2000;
    int calls = 20;
    int limit = 64;
    long permitWaitMs = 2000;
    long serviceMs = 5;
    int backlog = 0;
    boolean noDelay = true;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--transports" -> transports = List.of(args[i + 1].split(","));
        case "--runs" -> runs = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--calls" -> calls = Integer.parseInt(args[i + 1]);
        case "--limit" -> limit = Integer.parseInt(args[i + 1]);
        case "--permit-wait-ms" -> permitWaitMs = Long.parseLong(args[i + 1]);
        case "--service-ms" -> serviceMs = Long.parseLong(args[i + 1]);
        case "--backlog" -> backlog = Integer.parseInt(args[i + 1]);
        case "--nodelay" -> noDelay = Boolean.parseBoolean(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    // Without it the JDK HttpServer's answer waits for the client's delayed ACK (Nagle) on a
    // connection past its first few segments: ~40 ms per answer.
    System.setProperty("sun.net.httpserver.nodelay", Boolean.toString(noDelay));
    VirtualThreads bench = new VirtualThreads(threads, calls, limit, Duration.ofMillis(permitWaitMs), serviceMs, virtual);
    System.out.printf(Locale.ROOT, "JDK %s (%s), %s %s, %d cores, load average at start: %s%n",
        System.getProperty("java.version"), System.getProperty("java.vm.name"), System.getProperty("os.name"),
        System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), loadAverage());
    System.out.printf(Locale.ROOT,
        "%d virtual threads x %d blocking calls, bulkhead %d with permit wait %d ms (policy otherwise default), server answers after %d ms, HTTP accept backlog %s, TCP_NODELAY %s%n%n",
        threads, calls, limit, permitWaitMs, serviceMs, backlog > 0 ? Integer.toString(backlog) : "default", noDelay);
    System.out.println("| transport | run | calls/s | call p50 ms | call p99 ms | call max ms | permits held, max | server max at once | server mean at once | connections accepted | ok | bulkhead full | timeout | circuit open | other | breaker trips |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    try (Servers servers = new Servers(serviceMs, backlog, virtual)) {
      for (String transport : transports) {
        for (int run = 0; run <= runs; run++) {
          // Run 0 warms the JIT up and is not printed.
          bench.run(servers, transport, run);
        }
      }
    }
    System.out.printf(Locale.ROOT, "%nload average at end: %s%n", loadAverage());
    System.exit(0);
  }

  /** One run with a fresh client (and its own connections) against the same servers. */
  private void run(Servers servers, String transport, int run) throws Exception {
    Policy policy = Policy.builder().maxConcurrentCalls(limit).maxWaitForPermit(permitWait).build();
    AutoCloseable close;
    LongConsumer call;
    Object proxy;
    String name = transport + "-" + run;
    if (transport.equals("rest")) {
      HttpTransport http = HttpTransport.builder().baseUrl(servers.restUrl()).build();
      QuotesRest client = RpcProxy.builder(QuotesRest.class).name(name)
          .transport(http).policy(policy).build();
      call = id -> client.quote(id);
      proxy = client;
      close = http;
    } else if (transport.equals("grpc")) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", servers.grpcPort()).usePlaintext().build();
      QuotesGrpc client = RpcProxy.builder(QuotesGrpc.class).name(name)
          .transport(GrpcTransport.builder(channel, QuoteServiceGrpc.getServiceDescriptor()).build())
          .policy(policy).build();
      QuoteRequest request = QuoteRequest.newBuilder().setId(42).build();
      call = id -> client.getQuote(request);
      proxy = client;
      close = () -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } else {
      throw new IllegalArgumentException("unknown transport " + transport + " (rest or grpc)");
    }

    long[] latencies = new long[threads * calls];
    LongAdder ok = new LongAdder();
    LongAdder bulkheadFull = new LongAdder();
    LongAdder timeout = new LongAdder();
    LongAdder circuitOpen = new LongAdder();
    LongAdder other = new LongAdder();
    Set<String> otherKinds = ConcurrentHashMap.newKeySet();
    servers.reset();
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    try {
      for (int t = 0; t < threads; t++) {
        int first = t * calls;
        virtualThreads.execute(() -> {
          try {
            ready.countDown();
            go.await();
            for (int i = 0; i < calls; i++) {
              long began = System.nanoTime();
              try {
                call.accept(i);
                ok.increment();
              } catch (BulkheadFullException e) {
                bulkheadFull.increment();
              } catch (RpcTimeoutException e) {
                timeout.increment();
              } catch (CircuitOpenException e) {
                circuitOpen.increment();
              } catch (RuntimeException e) {
                other.increment();
                otherKinds.add(e.getClass().getSimpleName() + ": " + e.getMessage());
              }
              latencies[first + i] = System.nanoTime() - began;
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            done.countDown();
          }
        });
      }
      ready.await();
      ClientWatch watch = new ClientWatch(proxy);
      long start = System.nanoTime();
      servers.startClock();
      go.countDown();
      done.await();
      long wall = System.nanoTime() - start;
      watch.stop();
      if (run == 0) {
        return;
      }
      Arrays.sort(latencies);
      System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.1f | %.1f | %.1f | %d | %d | %.1f | %d | %d | %d | %d | %d | %d | %d |%n",
          transport.equals("rest") ? "REST" : "gRPC", run, (double) threads * calls / (wall / 1e9),
          millis(latencies, 0.50), millis(latencies, 0.99), millis(latencies, 1.0), watch.maxInFlight(),
          servers.maxInFlight(), servers.meanInFlight(wall), servers.connections(transport),
          ok.sum(), bulkheadFull.sum(), timeout.sum(), circuitOpen.sum(), other.sum(), watch.trips());
      if (!otherKinds.isEmpty()) {
        System.out.println("  other failures: " + otherKinds.stream().limit(3).toList());
      }
    } finally {
      close.close();
    }
  }

  /**
   * Samples the client every millisecond on a thread of its own: counts its breaker opening and
   * the most calls holding a bulkhead permit at once.
   */
  private static final class ClientWatch {
    private final Thread thread;
    private final AtomicInteger trips = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile boolean stopped;

    ClientWatch(Object proxy) {
      thread = new Thread(() -> {
        boolean open = false;
        while (!stopped) {
          ClientView view = RpcProxy.inspect(proxy);
          boolean nowOpen = view.breakers().stream().anyMatch(b -> b.state() == CircuitBreaker.State.OPEN);
          if (nowOpen && !open) {
            trips.incrementAndGet();
          }
          open = nowOpen;
          maxInFlight.accumulateAndGet(view.inFlight(), Math::max);
          LockSupport.parkNanos(1_000_000);
        }
      }, "client-watch");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      stopped = true;
      thread.join();
    }

    int trips() {
      return trips.get();
    }

    int maxInFlight() {
      return maxInFlight.get();
    }
  }

  /** The {@code q} quantile of sorted nanoseconds, in milliseconds. */
  private static double millis(long[] sorted, double q) {
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }

  /** {@code Executors.newVirtualThreadPerTaskExecutor()} on JDK 21+, else {@code null}. */
  static ExecutorService newVirtualThreadPerTaskExecutor() {
    if (Runtime.version().feature() < 21) {
      return null;
    }
    try {
      return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  /**
   * A JDK HttpServer (a virtual thread per exchange) and a Netty gRPC server on 127.0.0.1, each
   * answering after the service time, counting requests in progress and the connections opened.
   */
  private static final class Servers implements AutoCloseable {
    private final long serviceMillis;
    private final HttpServer http;
    private final Server grpc;
    private final ScheduledExecutorService timer;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicLong busyNanos = new AtomicLong();
    // Each TCP connection has its own client port: distinct remote addresses are connections.
    private final Set<InetSocketAddress> restConnections = ConcurrentHashMap.newKeySet();
    private final Set<java.net.SocketAddress> grpcConnections = ConcurrentHashMap.newKeySet();

    Servers(long serviceMillis, int backlog, ExecutorService virtual) throws IOException {
      this.serviceMillis = serviceMillis;
      http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), backlog);
      http.setExecutor(virtual);
      http.createContext("/quotes/", exchange -> {
        restConnections.add(exchange.getRemoteAddress());
        long began = enter();
        try {
          try {
            Thread.sleep(serviceMillis);
          } finally {
            exit(began); // before answering: the client may send its next request as soon as it reads this answer
          }
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, BODY.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(BODY);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (IOException e) {
          // the client gave up on this request and closed the connection
        } finally {
          exchange.close();
        }
      });
      http.start();

      timer = Executors.newScheduledThreadPool(2);
      grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addTransportFilter(new io.grpc.ServerTransportFilter() {
            @Override
            public io.grpc.Attributes transportReady(io.grpc.Attributes attributes) {
              grpcConnections.add(attributes.get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
              return attributes;
            }
          })
          .addService(new QuoteServiceGrpc.QuoteServiceImplBase() {
            @Override
            public void getQuote(QuoteRequest request, StreamObserver<Quote> response) {
              long began = enter();
              timer.schedule(() -> {
                exit(began);
                response.onNext(Quote.newBuilder().setId(request.getId()).setPrice(1999).build());
                response.onCompleted();
              }, serviceMillis, TimeUnit.MILLISECONDS);
            }
          })
          .build().start();
    }

    private long enter() {
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      return System.nanoTime();
    }

    private void exit(long began) {
      busyNanos.addAndGet(System.nanoTime() - began);
      inFlight.decrementAndGet();
    }

    void reset() {
      maxInFlight.set(0);
      busyNanos.set(0);
      restConnections.clear();
      grpcConnections.clear();
    }

    void startClock() {
      busyNanos.set(0);
    }

    int maxInFlight() {
      return maxInFlight.get();
    }

    double meanInFlight(long wallNanos) {
      return (double) busyNanos.get() / wallNanos;
    }

    int connections(String transport) {
      return transport.equals("rest") ? restConnections.size() : grpcConnections.size();
    }

    String restUrl() {
      return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    int grpcPort() {
      return grpc.getPort();
    }

    @Override
    public void close() throws InterruptedException {
      grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      http.stop(0);
      timer.shutdownNow();
    }
  }
}
