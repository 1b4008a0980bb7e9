package dev.rpcproxy.reliability;

import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import dev.rpcproxy.reliability.proto.InventoryGrpc;
import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ItemRequest;
import dev.rpcproxy.reliability.faultproxy.FaultProxy;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import okhttp3.Call;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;

/**
 * Many threads call a REST and a gRPC service through rpc-proxy clients while a {@link
 * FaultInjector} breaks the services in every way it knows, alternating healthy and outage phases.
 * {@link #run} returns a {@link Result} with the figures and every broken invariant.
 */
final class ChaosHarness {
  static final String REST = "rest-inventory";
  static final String GRPC = "grpc-inventory";
  private static final int IDS = 64;
  /** Server-side slack for abandoned calls whose hang-up the server has not seen yet (see collect). */
  static final int ABANDONED_ALLOWANCE = 2;

  /** What to run. */
  /**
   * What to run. The run lasts {@code duration}, or, when {@code targetCalls} is positive, until
   * both clients together have issued that many calls (ending after a healthy phase), at most
   * {@code maxDuration}. With {@code viaProxy} both clients reach their servers through a
   * {@link dev.rpcproxy.reliability.faultproxy.FaultProxy} and each outage phase adds a network
   * fault ({@link NetworkChaos}).
   */
  record Config(Duration duration, int threads, long seed, Duration healthyPhase, Duration outagePhase,
      Duration timeout, int maxConcurrentCalls, Duration breakerOpenWait, long maxOvershootMillis,
      long maxHeapGrowthBytes, int thinkMicros, boolean viaProxy, long targetCalls, Duration maxDuration,
      boolean secondRound) {

    /**
     * Requests of one call the servers may see at once: with {@code secondRound} (hedging, attempt
     * timeouts and an adaptive limit, see {@link HarnessPolicy}) a call may have a hedge in flight.
     */
    int attemptsPerCall() {
      return secondRound ? HarnessPolicy.HEDGE_ATTEMPTS : 1;
    }

    /** The same run with the second round's policies switched on. */
    Config withSecondRound() {
      return new Config(duration, threads, seed, healthyPhase, outagePhase, timeout, maxConcurrentCalls,
          breakerOpenWait, maxOvershootMillis, maxHeapGrowthBytes, thinkMicros, viaProxy, targetCalls, maxDuration, true);
    }

    /**
     * The default-build subset: a few seconds, fixed seed; on a loaded machine up to 30 s, while the
     * run has not yet taken every path its test asks for ({@link ChaosHarness#run(java.util.function.Predicate)}).
     */
    static Config fast(long seed) {
      return new Config(Duration.ofMillis(6_500), 8, seed, Duration.ofMillis(1_500), Duration.ofMillis(1_000),
          Duration.ofMillis(300), 6, Duration.ofMillis(250), 200, 64L << 20, 4_000, false, 0, Duration.ofSeconds(30),
          false);
    }

    /**
     * The soak, from system properties {@code soak.duration}, {@code soak.threads}, {@code soak.seed},
     * {@code soak.healthyPhase}, {@code soak.outagePhase}, {@code soak.thinkMicros}, {@code soak.viaProxy},
     * {@code soak.calls} (a call count instead of a duration), {@code soak.maxDuration} (its safety bound)
     * and {@code soak.secondRound} (hedging, attempt timeouts, adaptive limit; default on).
     */
    static Config soak() {
      Duration duration = Duration.parse(System.getProperty("soak.duration", "PT3M"));
      return new Config(
          duration,
          Integer.getInteger("soak.threads", 16),
          Long.getLong("soak.seed", 20260101L),
          Duration.parse(System.getProperty("soak.healthyPhase", "PT15S")),
          Duration.parse(System.getProperty("soak.outagePhase", "PT8S")),
          Duration.ofMillis(300), 8, Duration.ofMillis(1_000), 200, 64L << 20,
          Integer.getInteger("soak.thinkMicros", 8_000),
          Boolean.getBoolean("soak.viaProxy"),
          Long.getLong("soak.calls", 0L),
          Duration.parse(System.getProperty("soak.maxDuration", "PT40M")),
          Boolean.parseBoolean(System.getProperty("soak.secondRound", "true")));
    }
  }

  /** How a call ended, as its caller saw it. Exactly one per call. */
  enum Seen {
    SUCCESS, FALLBACK, TIMEOUT, BULKHEAD_FULL, CIRCUIT_OPEN, REMOTE_FAILURE, TRANSPORT, CLIENT_ERROR,
    CANCELLED, UNEXPECTED
  }

  /** Figures of one client. */
  static final class ClientFigures {
    final String name;
    final LongAdder issued = new LongAdder();
    final EnumMap<Seen, LongAdder> seen = new EnumMap<>(Seen.class);
    final LongAccumulator maxOvershootNanos = new LongAccumulator(Math::max, 0);
    final LongAccumulator maxElapsedNanos = new LongAccumulator(Math::max, 0);
    final LongAccumulator coldStartMaxNanos = new LongAccumulator(Math::max, 0);
    final java.util.concurrent.atomic.AtomicReference<String> slowest = new java.util.concurrent.atomic.AtomicReference<>("none");
    final MarkingFallback fallback = new MarkingFallback();
    long timerCount;
    /** {@code rpc.client.attempts} by kind: first, retry, hedge. */
    long attemptsFirst;
    long attemptsRetry;
    long attemptsHedge;
    final Map<String, Long> timerByOutcome = new LinkedHashMap<>();
    long fallbackCounter;
    /** Through the proxy: connections the proxy accepted for this client. */
    long connectionsOpened = -1;
    /** Attempts in flight at the transport (OkHttp call / gRPC client call), the peak. */
    int clientMaxInFlight;
    int bulkheadMax;
    int serverMaxInFlight;
    long arrivalsOverBulkhead;
    long serverRequests;
    int breakerOpenings;
    boolean openSeenInEveryOutage;
    boolean closedAfterEveryOutage;
    String finalBreakerState;
    /** Outage phases in which enough calls ended to judge the breaker, of all outage phases. */
    int outagesJudged;
    int outages;
    /** Healthy phases after an outage in whose second half enough calls ended to judge the breaker, of all. */
    int recoveriesJudged;
    int recoveries;
    /** The deadline invariant, judged against the machine's stalls and GC pauses around each call. */
    DeadlineJudge.Verdict deadlines;

    ClientFigures(String name) {
      this.name = name;
      for (Seen s : Seen.values()) {
        seen.put(s, new LongAdder());
      }
    }

    long seen(Seen s) {
      return seen.get(s).sum();
    }

    long seenTotal() {
      return seen.values().stream().mapToLong(LongAdder::sum).sum();
    }
  }

  /** Everything a run measured. */
  static final class Result {
    final Config config;
    final ClientFigures rest = new ClientFigures(REST);
    final ClientFigures grpc = new ClientFigures(GRPC);
    /** The gRPC client's streams (also counted in {@link #grpc}). */
    final ChaosStreams.Figures streams = new ChaosStreams.Figures();
    final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    final List<String> leaks = new ArrayList<>();
    final Map<String, Long> faultsInjected = new LinkedHashMap<>();
    long heapAfterWarmup;
    long heapAtEnd;
    /** Longest a sleep of the stall probe ({@link MachinePauses}) overslept after warm-up: a machine or JVM stall. */
    long maxStallNanos;
    /** The longest GC pause after warm-up, and all GC pauses during the run added up. */
    long maxGcPauseNanos;
    long gcPauseNanos;
    /** Time the JVM's collectors reported spending during the run. */
    long gcMillis;
    int threadsBefore;
    int threadsAfter;
    List<String> lingeringThreads = List.of();
    long wallMillis;
    int phases;
    /** Phases run past the configured duration because the run had not yet taken every path. */
    int extraPhases;
    String networkFaults = "";
    Map<String, Map<String, Long>> proxyStats = new LinkedHashMap<>();

    Result(Config config) {
      this.config = config;
    }

    /** The largest overshoot past a deadline as measured, warm calls and streams. */
    long maxOvershootMillis() {
      return TimeUnit.NANOSECONDS.toMillis(Math.max(rest.maxOvershootNanos.get(), grpc.maxOvershootNanos.get()));
    }

    /**
     * The largest overshoot past a deadline once the time the machine lost around each call (its
     * stalls and GC pauses, see {@link DeadlineJudge}) is taken off: what the deadline bound is checked
     * against. Equal to {@link #maxOvershootMillis()} wherever the machine was quiet.
     */
    long worstNetOvershootMillis() {
      long worst = 0;
      for (DeadlineJudge.Verdict verdict : List.of(rest.deadlines, grpc.deadlines, streams.blocking.deadlines,
          streams.publisher.deadlines)) {
        worst = Math.max(worst, verdict == null ? 0 : verdict.worstNetMillis());
      }
      return worst;
    }

    /** The summary as a Markdown table. */
    String table() {
      StringBuilder out = new StringBuilder();
      out.append(String.format(Locale.ROOT, "run: %d ms wall, %d threads, seed %d, %d phases (healthy %d ms / outage %d ms), "
              + "timeout %d ms, bulkhead %d%s%n%n", wallMillis, config.threads(), config.seed(), phases,
          config.healthyPhase().toMillis(), config.outagePhase().toMillis(), config.timeout().toMillis(),
          config.maxConcurrentCalls(),
          extraPhases == 0 ? "" : ", " + extraPhases + " phases past the planned duration to take every path"));
      out.append("| figure | ").append(REST).append(" | ").append(GRPC).append(" |\n|---|---:|---:|\n");
      row(out, "calls issued", rest.issued.sum(), grpc.issued.sum());
      for (Seen s : Seen.values()) {
        row(out, "seen " + s.name().toLowerCase(Locale.ROOT), rest.seen(s), grpc.seen(s));
      }
      row(out, "sum of rpc.client.calls counts", rest.timerCount, grpc.timerCount);
      out.append(String.format(Locale.ROOT, "| rpc.client.attempts first / retry / hedge | %d / %d / %d | %d / %d / %d |%n",
          rest.attemptsFirst, rest.attemptsRetry, rest.attemptsHedge, grpc.attemptsFirst, grpc.attemptsRetry,
          grpc.attemptsHedge));
      for (String outcome : rest.timerByOutcome.keySet()) {
        row(out, "  outcome=" + outcome, rest.timerByOutcome.get(outcome), grpc.timerByOutcome.getOrDefault(outcome, 0L));
      }
      row(out, "rpc.client.fallbacks counter", rest.fallbackCounter, grpc.fallbackCounter);
      row(out, "fallback answers produced", rest.fallback.answers.sum(), grpc.fallback.answers.sum());
      row(out, "server requests (attempts)", rest.serverRequests, grpc.serverRequests);
      if (config.viaProxy()) {
        row(out, "connections opened (proxy count)", rest.connectionsOpened, grpc.connectionsOpened);
        row(out, "attempts on a reused connection (attempts - connections opened)",
            Math.max(0, rest.serverRequests - rest.connectionsOpened), Math.max(0, grpc.serverRequests - grpc.connectionsOpened));
      }
      out.append(String.format(Locale.ROOT, "| client-side attempts in flight, max / bulkhead | %d / %d | %d / %d |%n",
          rest.clientMaxInFlight, rest.bulkheadMax, grpc.clientMaxInFlight, grpc.bulkheadMax));
      out.append(String.format(Locale.ROOT, "| server max in flight / bulkhead | %d / %d | %d / %d |%n",
          rest.serverMaxInFlight, rest.bulkheadMax, grpc.serverMaxInFlight, grpc.bulkheadMax));
      row(out, "server arrivals above the bulkhead (abandoned calls not yet noticed)", rest.arrivalsOverBulkhead, grpc.arrivalsOverBulkhead);
      out.append(String.format(Locale.ROOT, "| max call time, warm (ms) | %.1f | %.1f |%n",
          rest.maxElapsedNanos.get() / 1e6, grpc.maxElapsedNanos.get() / 1e6));
      out.append(String.format(Locale.ROOT, "| max overshoot past deadline, warm (ms) | %.1f | %.1f |%n",
          rest.maxOvershootNanos.get() / 1e6, grpc.maxOvershootNanos.get() / 1e6));
      out.append(String.format(Locale.ROOT, "| calls past the %d ms bound / excused by stalls or GC around them (most lost, ms) | %s | %s |%n",
          config.maxOvershootMillis(), excusedCell(rest.deadlines), excusedCell(grpc.deadlines)));
      out.append(String.format(Locale.ROOT, "| slowest call in the first second (cold JVM) (ms) | %.1f | %.1f |%n",
          rest.coldStartMaxNanos.get() / 1e6, grpc.coldStartMaxNanos.get() / 1e6));
      out.append("| slowest call | ").append(rest.slowest.get()).append(" | ").append(grpc.slowest.get()).append(" |\n");
      row(out, "breaker openings observed", rest.breakerOpenings, grpc.breakerOpenings);
      out.append(String.format(Locale.ROOT, "| breaker open in every outage / closed after each | %s / %s | %s / %s |%n",
          rest.openSeenInEveryOutage, rest.closedAfterEveryOutage, grpc.openSeenInEveryOutage, grpc.closedAfterEveryOutage));
      out.append(String.format(Locale.ROOT, "| outages / recoveries judged (attempts sent: window + in flight / calls recorded >= %d) | %d of %d / %d of %d | %d of %d / %d of %d |%n",
          HarnessPolicy.BREAKER_WINDOW, rest.outagesJudged, rest.outages, rest.recoveriesJudged, rest.recoveries,
          grpc.outagesJudged, grpc.outages, grpc.recoveriesJudged, grpc.recoveries));
      out.append(String.format(Locale.ROOT, "| breaker state at end | %s | %s |%n", rest.finalBreakerState, grpc.finalBreakerState));
      out.append(streams.table());
      out.append(String.format(Locale.ROOT, "%n| process | value |%n|---|---:|%n"));
      out.append(String.format(Locale.ROOT, "| heap used after GC, after warm-up | %.1f MiB |%n", heapAfterWarmup / 1048576.0));
      out.append(String.format(Locale.ROOT, "| heap used after GC, at end | %.1f MiB |%n", heapAtEnd / 1048576.0));
      out.append(String.format(Locale.ROOT, "| longest stall of a %d ms sleep, warm (machine/JVM, not rpc-proxy) | %.1f ms |%n",
          MachinePauses.PERIOD_MILLIS, maxStallNanos / 1e6));
      out.append(String.format(Locale.ROOT, "| longest GC pause, warm / all GC pauses of the run | %.1f ms / %.0f ms |%n",
          maxGcPauseNanos / 1e6, gcPauseNanos / 1e6));
      out.append(String.format(Locale.ROOT, "| system load average at the end | %.1f |%n",
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
      out.append(String.format(Locale.ROOT, "| GC time during the run | %d ms |%n", gcMillis));
      out.append(String.format(Locale.ROOT, "| live threads before / after teardown | %d / %d |%n", threadsBefore, threadsAfter));
      out.append(String.format(Locale.ROOT, "| leaks found | %d |%n", leaks.size()));
      out.append(String.format(Locale.ROOT, "| invariant violations | %d |%n", violations.size()));
      out.append("\nfaults injected: ").append(faultsInjected).append('\n');
      if (!networkFaults.isEmpty()) {
        out.append('\n').append(networkFaults).append('\n');
        proxyStats.forEach((name, stats) -> out.append("proxy ").append(name).append(": ").append(stats).append('\n'));
      }
      if (!lingeringThreads.isEmpty()) {
        out.append("process-wide threads still alive (not leaks, see RELIABILITY.md): ").append(lingeringThreads).append('\n');
      }
      for (String leak : leaks) {
        out.append("LEAK: ").append(leak).append('\n');
      }
      synchronized (violations) {
        violations.stream().limit(20).forEach(v -> out.append("VIOLATION: ").append(v).append('\n'));
      }
      return out.toString();
    }

    private static String excusedCell(DeadlineJudge.Verdict verdict) {
      return verdict == null ? "-" : String.format(Locale.ROOT, "%d / %d (%.1f)", verdict.pastBound(), verdict.excused(),
          verdict.largestLostNanos() / 1e6);
    }

    private static void row(StringBuilder out, String name, long a, long b) {
      out.append("| ").append(name).append(" | ").append(a).append(" | ").append(b).append(" |\n");
    }
  }

  /** Threads every JVM process keeps, started by libraries on first use; they are not per-client. */
  private static final List<String> PROCESS_WIDE_THREADS = List.of(
      "rpc-proxy-timer", "Okio Watchdog", "OkHttp TaskRunner", "ForkJoinPool.commonPool-worker",
      "process reaper", "Attach Listener", "surefire-forkedjvm");

  private final Config config;
  private final Result result;
  private volatile long runStart;
  private volatile long warmEnd = Long.MAX_VALUE;
  private volatile boolean stop;
  private volatile long runEnd;
  private volatile MeterRegistry registry;
  private final MachinePauses pauses = MachinePauses.start();
  final DeadlineJudge deadlines;

  ChaosHarness(Config config) {
    this.config = config;
    this.result = new Result(config);
    this.deadlines = new DeadlineJudge(config.timeout().toNanos(), config.maxOvershootMillis(), pauses);
  }

  Result run() throws Exception {
    return run(figures -> true);
  }

  /**
   * Runs, and past the configured duration (never past {@code maxDuration}) goes on with another
   * outage and healthy phase while {@code enough} says the run has not yet taken every path its
   * test asks for, nor judged the breaker in an outage of each client: on a loaded machine fewer
   * calls end in the same wall-clock time, and a run that did not exercise a promise proves nothing.
   * {@code enough} reads the figures as they are filled in (calls, outcomes, streams).
   */
  Result run(java.util.function.Predicate<Result> enough) throws Exception {
    long wallStart = System.nanoTime();
    Map<Long, String> threadsBefore = liveThreads();
    result.threadsBefore = threadsBefore.size();

    MeterRegistry registry = new SimpleMeterRegistry();
    this.registry = registry;
    FaultInjector restFaults = new FaultInjector(config.seed());
    FaultInjector grpcFaults = new FaultInjector(config.seed() + 1);
    ChaosRestServer restServer = new ChaosRestServer(restFaults);
    ChaosGrpcServer grpcServer = new ChaosGrpcServer(grpcFaults);
    FaultProxy restProxy = config.viaProxy() ? new FaultProxy("rest", restServer.http.port()) : null;
    FaultProxy grpcProxy = config.viaProxy() ? new FaultProxy("grpc", grpcServer.port()) : null;

    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(1024);
    dispatcher.setMaxRequestsPerHost(1024);
    RestCallsInFlight restInFlight = new RestCallsInFlight();
    OkHttpClient okHttp = new OkHttpClient.Builder().dispatcher(dispatcher).retryOnConnectionFailure(false)
        .readTimeout(Duration.ZERO).writeTimeout(Duration.ZERO).eventListenerFactory(restInFlight).build();
    ActiveCalls grpcActive = new ActiveCalls();
    NettyChannelBuilder channelBuilder = NettyChannelBuilder
        .forAddress("127.0.0.1", grpcProxy != null ? grpcProxy.port() : grpcServer.port()).usePlaintext();
    if (config.viaProxy()) {
      // What a user behind NATs and load balancers would set: ping after 10 s without reads (the
      // minimum grpc-java allows), give up 1 s later, also with no call open.
      channelBuilder.keepAliveTime(10, TimeUnit.SECONDS).keepAliveTimeout(1, TimeUnit.SECONDS).keepAliveWithoutCalls(true);
    }
    ManagedChannel channel = channelBuilder.build();

    RestInventory rest = RpcProxy.builder(RestInventory.class)
        .name(REST)
        .transport(HttpTransport.builder().baseUrl(restProxy != null ? restProxy.url() : restServer.http.baseUrl())
            .client(okHttp).build())
        .policy(HarnessPolicy.forClients(config))
        .fallback("item", result.rest.fallback)
        .fallback("itemAsync", result.rest.fallback)
        .meterRegistry(registry)
        .build();
    GrpcInventory grpc = RpcProxy.builder(GrpcInventory.class)
        .name(GRPC)
        .transport(GrpcTransport.builder(channel, InventoryGrpc.getServiceDescriptor())
            .interceptors(grpcActive, result.streams.attempts).build())
        .policy(HarnessPolicy.forClients(config))
        .fallback("getItem", result.grpc.fallback)
        .fallback("getItemAsync", result.grpc.fallback)
        .fallback(ChaosStreams.BLOCKING, result.grpc.fallback)
        .fallback(ChaosStreams.PUBLISHER, result.grpc.fallback)
        .meterRegistry(registry)
        .build();
    result.rest.bulkheadMax = config.maxConcurrentCalls();
    result.grpc.bulkheadMax = config.maxConcurrentCalls();
    NetworkChaos network = config.viaProxy()
        ? new NetworkChaos(config.seed() + 2, new NetworkChaos.Target(result.rest, restProxy),
            new NetworkChaos.Target(result.grpc, grpcProxy))
        : null;

    long start = System.nanoTime();
    runStart = start;
    long end = start + config.duration().toNanos();
    long hardEnd = start + config.maxDuration().toNanos();
    long healthyNanos = config.healthyPhase().toNanos();
    long outageNanos = config.outagePhase().toNanos();
    warmEnd = Math.min(start + healthyNanos, start + TimeUnit.SECONDS.toNanos(1));
    ChaosStreams streams = new ChaosStreams(this, config, result.grpc, result.streams, result.violations);
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < config.threads(); i++) {
      Random random = new Random(config.seed() * 31 + i);
      Thread worker = new Thread(() -> work(random, rest, grpc, streams), "chaos-worker-" + i);
      worker.setDaemon(true);
      workers.add(worker);
    }
    workers.forEach(Thread::start);

    // Phases: healthy, outage, healthy, ... always ending healthy so the breakers must close again.
    // By duration: an outage starts only if half a healthy phase fits after it; the last healthy
    // phase runs to the end. By call count: the run ends after the healthy phase in which the
    // count was reached (or maxDuration passed).
    // Attempts a client may have in flight at once: its bulkhead x attempts per call (+ abandoned ones).
    int inFlightBound = config.maxConcurrentCalls() * config.attemptsPerCall() + ABANDONED_ALLOWANCE;
    BreakerWatch restWatch = new BreakerWatch(BreakerWatch.gauges(registry, REST),
        () -> attemptsSoFar(REST, null), outcomes(registry, REST, RECORDED), HarnessPolicy.BREAKER_WINDOW + inFlightBound);
    BreakerWatch grpcWatch = new BreakerWatch(BreakerWatch.gauges(registry, GRPC),
        () -> attemptsSoFar(GRPC, null), outcomes(registry, GRPC, RECORDED), HarnessPolicy.BREAKER_WINDOW + inFlightBound);
    boolean warmedUp = false;
    long gcBefore = gcMillis();
    long phaseStart = start;
    for (int phase = 0; ; phase++) {
      boolean outage = phase % 2 == 1;
      long phaseEnd = phaseStart + (outage ? outageNanos : healthyNanos);
      boolean last = false;
      if (!outage && config.targetCalls() <= 0 && end - phaseEnd < outageNanos + healthyNanos / 2) {
        phaseEnd = Math.max(phaseEnd, end);
        last = true;
      }
      restFaults.outage(outage);
      grpcFaults.outage(outage);
      restFaults.off(phase == 0);
      grpcFaults.off(phase == 0);
      if (network != null && outage) {
        network.outageStarts();
      }
      while (System.nanoTime() < phaseEnd) {
        long phaseElapsed = System.nanoTime() - phaseStart;
        boolean lateInPhase = phaseElapsed > (phaseEnd - phaseStart) / 2;
        restWatch.sample(phase, lateInPhase);
        grpcWatch.sample(phase, lateInPhase);
        if (!warmedUp && phaseElapsed > (phaseEnd - phaseStart) * 3 / 4) {
          result.heapAfterWarmup = heapAfterGc();
          warmedUp = true;
        }
        Thread.sleep(10);
      }
      if (network != null && outage) {
        network.outageEnds();
      }
      phaseStart = phaseEnd;
      result.phases = phase + 1;
      if (!outage && config.targetCalls() > 0
          && (result.rest.issued.sum() + result.grpc.issued.sum() >= config.targetCalls() || System.nanoTime() > hardEnd)) {
        last = true;
      }
      if (last && !outage && config.targetCalls() <= 0 && System.nanoTime() < hardEnd
          && !(restWatch.judgedOutages() > 0 && grpcWatch.judgedOutages() > 0 && enough.test(result))) {
        last = false; // another outage and healthy phase: the next healthy phase is the last again
        result.extraPhases += 2;
      }
      if (last) {
        break;
      }
    }
    stop = true;
    runEnd = System.nanoTime();
    result.gcMillis = gcMillis() - gcBefore;
    for (Thread worker : workers) {
      worker.join(config.timeout().toMillis() + 10_000);
      if (worker.isAlive()) {
        result.violations.add(worker.getName() + " still running 10 s after the run ended");
        worker.interrupt();
      }
    }
    // The probe sees a stall only when it wakes: let it look once more past the last call's end.
    Thread.sleep(10 * MachinePauses.PERIOD_MILLIS);
    pauses.close();
    result.maxStallNanos = pauses.largestStallNanos(warmEnd);
    result.maxGcPauseNanos = pauses.largestGcPauseNanos(warmEnd);
    result.gcPauseNanos = pauses.gcPauseTotalNanos(start);
    restFaults.outage(false);
    grpcFaults.outage(false);

    // Metrics add up: exactly one timer sample per call, one fallback count per fallback answer.
    result.rest.clientMaxInFlight = restInFlight.max.get();
    result.grpc.clientMaxInFlight = grpcActive.max.get();
    if (config.viaProxy()) {
      result.rest.connectionsOpened = restProxy.stats().connectionsOpened();
      result.grpc.connectionsOpened = grpcProxy.stats().connectionsOpened();
      result.networkFaults = network.table();
    }
    collect(registry, result.rest, restServer.http.maxInFlight(), restServer.http.requests(), restWatch);
    collect(registry, result.grpc, grpcServer.maxInFlight(), grpcServer.calls(), grpcWatch);
    result.rest.arrivalsOverBulkhead = restServer.http.arrivalsOver(config.maxConcurrentCalls());
    result.grpc.arrivalsOverBulkhead = grpcServer.arrivalsOver(config.maxConcurrentCalls());

    // Nothing left in flight once every caller has its answer.
    awaitNoLeak("OkHttp running calls", () -> dispatcher.runningCallsCount() == 0, dispatcher::runningCallsCount);
    awaitNoLeak("OkHttp queued calls", () -> dispatcher.queuedCallsCount() == 0, dispatcher::queuedCallsCount);
    awaitNoLeak("OkHttp connections in use",
        () -> okHttp.connectionPool().connectionCount() == okHttp.connectionPool().idleConnectionCount(),
        () -> okHttp.connectionPool().connectionCount() - okHttp.connectionPool().idleConnectionCount());
    awaitNoLeak("gRPC client calls open", () -> grpcActive.open.get() == 0, grpcActive.open::get);
    awaitNoLeak("REST server requests in flight", () -> restServer.http.inFlight() == 0, restServer.http::inFlight);
    awaitNoLeak("gRPC server calls in flight", () -> grpcServer.inFlight() == 0, grpcServer::inFlight);
    awaitNoLeak("gRPC server streams whose Context has not ended", () -> grpcServer.streamsInFlight() == 0,
        grpcServer::streamsInFlight);
    streams.collect(registry, grpcServer);
    for (String client : List.of(REST, GRPC)) {
      awaitNoLeak("bulkhead permits of " + client,
          () -> permitsHeld(registry, client) == 0,
          () -> (long) permitsHeld(registry, client));
    }
    result.heapAtEnd = heapAfterGc();
    if (result.heapAtEnd - result.heapAfterWarmup > config.maxHeapGrowthBytes()) {
      result.leaks.add(String.format(Locale.ROOT, "heap grew from %.1f MiB to %.1f MiB", result.heapAfterWarmup / 1048576.0,
          result.heapAtEnd / 1048576.0));
    }
    for (Map.Entry<String, FaultInjector> e : Map.of("rest", restFaults, "grpc", grpcFaults).entrySet()) {
      for (FaultInjector.Fault f : FaultInjector.Fault.values()) {
        result.faultsInjected.merge(e.getKey() + "." + f.name().toLowerCase(Locale.ROOT), e.getValue().count(f), Long::sum);
      }
    }

    // Teardown, then every thread the run started must end.
    RpcProxy.close(rest);
    RpcProxy.close(grpc);
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    dispatcher.executorService().shutdown();
    okHttp.connectionPool().evictAll();
    if (config.viaProxy()) {
      restProxy.close();
      grpcProxy.close();
      result.proxyStats.put(REST, restProxy.stats().asMap());
      result.proxyStats.put(GRPC, grpcProxy.stats().asMap());
    }
    restServer.close();
    grpcServer.close();
    checkThreads(threadsBefore);
    result.wallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - wallStart);
    return result;
  }

  // ---------------------------------------------------------------- workers

  private void work(Random random, RestInventory rest, GrpcInventory grpc, ChaosStreams streams) {
    while (!stop) {
      // Think time, as real callers have: without it rejected calls spin at millions a second.
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(random.nextInt(config.thinkMicros() + 1)));
      long id = random.nextInt(IDS);
      // REST and unary gRPC calls in the shares they always had (0-199, halved below); streams on
      // top (200-224): 1 in 5 gRPC calls is a stream, half read as a Stream, half through a Publisher.
      int op = random.nextInt(225);
      if (op >= 200) {
        if (random.nextBoolean()) {
          streams.blocking(random, grpc, id);
        } else {
          streams.publisher(random, grpc, id);
        }
        continue;
      }
      op /= 2;
      if (op < 25) {
        call(result.rest, id, () -> rest.item(id));
      } else if (op < 45) {
        async(result.rest, id, random, () -> rest.itemAsync(id));
      } else if (op < 50) {
        call(result.rest, id, () -> rest.put(new ItemDto(id, 0, "client", "put-" + id)));
      } else if (op < 75) {
        call(result.grpc, id, () -> grpc.getItem(request(id)));
      } else if (op < 95) {
        async(result.grpc, id, random, () -> grpc.getItemAsync(request(id)));
      } else {
        call(result.grpc, id, () -> grpc.putItem(request(id)));
      }
    }
  }

  private static ItemRequest request(long id) {
    return ItemRequest.newBuilder().setId(id).build();
  }

  private void call(ClientFigures figures, long id, java.util.concurrent.Callable<Object> call) {
    figures.issued.increment();
    long t0 = System.nanoTime();
    Object value;
    try {
      value = call.call();
    } catch (Throwable t) {
      finished(figures, t0);
      seen(figures, classify(figures, t));
      return;
    }
    finished(figures, t0);
    answered(figures, id, value);
  }

  private void async(ClientFigures figures, long id, Random random, java.util.function.Supplier<CompletableFuture<?>> start) {
    figures.issued.increment();
    long t0 = System.nanoTime();
    CompletableFuture<?> future;
    try {
      future = start.get();
    } catch (Throwable t) {
      result.violations.add(figures.name + ": async method threw instead of failing its future: " + t);
      seen(figures, Seen.UNEXPECTED);
      return;
    }
    boolean cancelEarly = random.nextInt(100) < 8;
    long waitNanos = cancelEarly
        ? TimeUnit.MILLISECONDS.toNanos(random.nextInt(150))
        : config.timeout().toNanos() + TimeUnit.SECONDS.toNanos(5);
    Object value;
    try {
      value = future.get(waitNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException notYet) {
      if (cancelEarly && future.cancel(true)) {
        seen(figures, Seen.CANCELLED);
        return;
      }
      if (!cancelEarly) {
        result.violations.add(figures.name + ": async call still pending 5 s after its deadline");
        future.cancel(true);
        seen(figures, Seen.UNEXPECTED);
        return;
      }
      value = joinQuietly(future);
      if (value instanceof Throwable t) {
        finished(figures, t0);
        seen(figures, classify(figures, t));
        return;
      }
    } catch (ExecutionException e) {
      finished(figures, t0);
      seen(figures, classify(figures, e.getCause()));
      return;
    } catch (CancellationException | InterruptedException e) {
      seen(figures, Seen.UNEXPECTED);
      result.violations.add(figures.name + ": unexpected " + e);
      return;
    }
    finished(figures, t0);
    answered(figures, id, value);
  }

  private static Object joinQuietly(CompletableFuture<?> future) {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      return e;
    }
  }

  private void finished(ClientFigures figures, long t0) {
    finished(figures, t0, System.nanoTime(), Thread.currentThread().getStackTrace()[2].getMethodName());
  }

  /** {@code rpc.client.attempts} of {@code client} of {@code kind} so far (0 before the run). */
  long attemptsSoFar(String client, String kind) {
    MeterRegistry now = registry;
    return now == null ? 0 : attempts(now, client, kind);
  }

  /** {@link System#nanoTime()} at the start of the run. */
  long runStart() {
    return runStart;
  }

  /** Milliseconds from the start of the run to {@code nanos} ({@link System#nanoTime()}). */
  long millisIntoRun(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos - runStart);
  }

  /** Whether a call started at {@code t0} started on the warm JVM (after the first second). */
  boolean warm(long t0) {
    return t0 >= warmEnd;
  }

  /** A call of {@code figures}' client, described as {@code what}, ran from {@code t0} to {@code end}. */
  /** Files a call of {@code figures}' client under what its caller saw. */
  void seen(ClientFigures figures, Seen seen) {
    figures.seen.get(seen).increment();
  }

  void finished(ClientFigures figures, long t0, long end, String what) {
    long elapsed = end - t0;
    if (t0 >= warmEnd && elapsed > figures.maxElapsedNanos.get()) {
      figures.slowest.set(String.format(Locale.ROOT, "%s %.1f ms, started %d ms into the run",
          what, elapsed / 1e6, TimeUnit.NANOSECONDS.toMillis(t0 - runStart)));
    }
    if (t0 < warmEnd) {
      // JVM cold start: the first calls load and initialise Netty, protobuf, OkHttp, Jackson on
      // the caller's thread. Reported apart; the deadline bound is checked on the warm JVM.
      figures.coldStartMaxNanos.accumulate(elapsed);
      return;
    }
    figures.maxElapsedNanos.accumulate(elapsed);
    long overshoot = elapsed - config.timeout().toNanos();
    if (overshoot > 0) {
      figures.maxOvershootNanos.accumulate(overshoot);
    }
    deadlines.ended(figures.name, what, t0, end);
  }

  private void answered(ClientFigures figures, long id, Object value) {
    long answeredId;
    String source;
    if (value instanceof ItemDto dto) {
      answeredId = dto.id();
      source = dto.source();
    } else if (value instanceof Item item) {
      answeredId = item.getId();
      source = item.getSource();
    } else {
      result.violations.add(figures.name + ": unexpected value " + value);
      seen(figures, Seen.UNEXPECTED);
      return;
    }
    if (answeredId != id) {
      result.violations.add(figures.name + ": asked for id " + id + " but got the answer for " + answeredId
          + " (" + source + ")");
    }
    seen(figures, "fallback".equals(source) ? Seen.FALLBACK : Seen.SUCCESS);
  }

  Seen classify(ClientFigures figures, Throwable t) {
    if (t instanceof RpcTimeoutException) {
      return Seen.TIMEOUT;
    }
    if (t instanceof BulkheadFullException) {
      return Seen.BULKHEAD_FULL;
    }
    if (t instanceof CircuitOpenException) {
      return Seen.CIRCUIT_OPEN;
    }
    if (t instanceof RemoteCallException r) {
      return r.isClientError() ? Seen.CLIENT_ERROR : Seen.REMOTE_FAILURE;
    }
    if (t instanceof RpcTransportException) {
      return Seen.TRANSPORT;
    }
    synchronized (result.violations) {
      if (result.violations.size() < 100) {
        result.violations.add(figures.name + ": unexpected exception " + t);
      }
    }
    return Seen.UNEXPECTED;
  }

  // ---------------------------------------------------------------- invariants at the end

  private void collect(MeterRegistry registry, ClientFigures figures, int serverMax, long serverRequests,
      BreakerWatch watch) throws InterruptedException {
    // An async call's fallback answer is counted just after the caller's future completes, on the
    // thread that completed it (AsyncCall): on a loaded machine the last count can still be on its
    // way when the caller has its answer. Wait for it, bounded; a count really missing still fails.
    long settleBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (fallbackCount(registry, figures.name) != figures.fallback.answers.sum() && System.nanoTime() < settleBy) {
      Thread.sleep(5);
    }
    long timers = 0;
    for (Timer timer : registry.find("rpc.client.calls").tag("client", figures.name).timers()) {
      timers += timer.count();
      figures.timerByOutcome.merge(timer.getId().getTag("outcome"), timer.count(), Long::sum);
    }
    figures.timerCount = timers;
    figures.attemptsFirst = attempts(registry, figures.name, "first");
    figures.attemptsRetry = attempts(registry, figures.name, "retry");
    figures.attemptsHedge = attempts(registry, figures.name, "hedge");
    figures.fallbackCounter = fallbackCount(registry, figures.name);
    figures.serverMaxInFlight = serverMax;
    figures.serverRequests = serverRequests;
    figures.breakerOpenings = watch.openings;
    figures.openSeenInEveryOutage = watch.openInEveryOutage();
    figures.closedAfterEveryOutage = watch.closedAfterEveryOutage();
    figures.outages = watch.phases(true);
    figures.outagesJudged = watch.judgedOutages();
    figures.recoveries = watch.phases(false) - 1;
    figures.recoveriesJudged = watch.judgedRecoveries();
    figures.finalBreakerState = watch.state();
    figures.deadlines = deadlines.verdict(figures.name, runStart);

    long issued = figures.issued.sum();
    if (figures.seenTotal() != issued) {
      result.violations.add(figures.name + ": " + issued + " calls issued but " + figures.seenTotal() + " outcomes seen");
    }
    if (timers != issued) {
      result.violations.add(figures.name + ": " + issued + " calls issued but rpc.client.calls counted " + timers);
    }
    if (figures.attemptsFirst > issued) {
      result.violations.add(figures.name + ": " + figures.attemptsFirst + " first attempts for " + issued + " calls");
    }
    // Retries and hedges share the retry budget: 20% of the calls plus 10 a second over a 10 s
    // window, for a run no longer than its configured bound.
    long runSeconds = TimeUnit.NANOSECONDS.toSeconds(runEnd - runStart) + 1;
    long budget = (long) (0.2 * figures.attemptsFirst) + 10L * (runSeconds + 10);
    if (figures.attemptsRetry + figures.attemptsHedge > budget) {
      result.violations.add(figures.name + ": " + (figures.attemptsRetry + figures.attemptsHedge)
          + " retries and hedges, over the retry budget's " + budget);
    }
    long produced = figures.fallback.answers.sum();
    if (figures.fallbackCounter != produced) {
      result.violations.add(figures.name + ": rpc.client.fallbacks = " + figures.fallbackCounter
          + " but the fallback produced " + produced + " answers");
    }
    // A fallback answer can be produced for a call its caller cancelled at the same moment.
    long seenFallbacks = figures.seen(Seen.FALLBACK);
    if (seenFallbacks > produced || produced > seenFallbacks + figures.seen(Seen.CANCELLED)) {
      result.violations.add(figures.name + ": " + seenFallbacks + " fallback answers seen, " + produced + " produced");
    }
    if (figures.seen(Seen.UNEXPECTED) > 0) {
      result.violations.add(figures.name + ": " + figures.seen(Seen.UNEXPECTED) + " calls ended unexpectedly");
    }
    // A call the client abandons (deadline, caller's cancel) ends for the client, and frees its
    // permit, a moment before the server can notice the hang-up (FIN, RST_STREAM): in that moment
    // the server may hold one abandoned request next to a full bulkhead's worth of new ones.
    int bound = config.maxConcurrentCalls() * config.attemptsPerCall();
    if (!config.viaProxy() && serverMax > bound + ABANDONED_ALLOWANCE) {
      result.violations.add(figures.name + ": the server saw " + serverMax + " calls at once, bulkhead "
          + config.maxConcurrentCalls() + " x " + config.attemptsPerCall() + " attempts per call is " + bound
          + " (+" + ABANDONED_ALLOWANCE + " abandoned calls not yet noticed)");
    }
    // Through the proxy the network delays or swallows hang-ups (latency, slow close, black holes),
    // so the server cannot see when a call was abandoned: the bound is checked where the calls are
    // made, at the transport, with the same allowance (a permit is freed as its attempt is cancelled).
    if (figures.clientMaxInFlight > bound + ABANDONED_ALLOWANCE) {
      result.violations.add(figures.name + ": " + figures.clientMaxInFlight + " attempts in flight at the transport at once,"
          + " bound is " + bound + " (+" + ABANDONED_ALLOWANCE + ")");
    }
    // A call overshoots by more than the bound only if it does so beyond what the machine took
    // around it (stalls, GC pauses): see DeadlineJudge.
    result.violations.addAll(figures.deadlines.broken());
    if (!figures.openSeenInEveryOutage) {
      result.violations.add(figures.name + ": the breaker did not open in every outage phase in which enough attempts "
          + "were sent " + watch.describe());
    }
    if (figures.outagesJudged == 0) {
      result.violations.add(figures.name + ": no outage phase saw enough attempts sent to test the breaker "
          + watch.describe());
    }
    if (!figures.closedAfterEveryOutage) {
      result.violations.add(figures.name + ": the breaker did not close in every healthy phase after an outage " + watch.describe());
    }
  }

  /** Outcomes of {@code rpc.client.calls} the breaker records (a rejection or a cancel it does not). */
  private static final Set<String> RECORDED = Set.of("success", "failure", "timeout");

  /** Calls of {@code client} that ended with one of {@code outcomes}, so far. */
  private static java.util.function.LongSupplier outcomes(MeterRegistry registry, String client, Set<String> outcomes) {
    return () -> registry.find("rpc.client.calls").tag("client", client).timers().stream()
        .filter(t -> outcomes.contains(t.getId().getTag("outcome"))).mapToLong(Timer::count).sum();
  }

  private static long fallbackCount(MeterRegistry registry, String client) {
    return (long) registry.find("rpc.client.fallbacks").tag("client", client).counters().stream()
        .mapToDouble(Counter::count).sum();
  }

  /** Permits of the client's concurrency limit (fixed or adaptive) held now. */
  private static double permitsHeld(MeterRegistry registry, String name) {
    Gauge gauge = registry.find("rpc.client.concurrency.in.flight").tag("client", name).gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  private static long attempts(MeterRegistry registry, String client, String kind) {
    var search = registry.find("rpc.client.attempts").tag("client", client);
    if (kind != null) {
      search = search.tag("kind", kind);
    }
    return (long) search.counters().stream().mapToDouble(Counter::count).sum();
  }

  private void awaitNoLeak(String what, BooleanSupplier ok, java.util.function.LongSupplier amount) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!ok.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        result.leaks.add(what + ": " + amount.getAsLong() + " still held 5 s after the last call ended");
        return;
      }
      Thread.sleep(5);
    }
  }

  private static long gcMillis() {
    long total = 0;
    for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private void checkThreads(Map<Long, String> before) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    Set<String> extra;
    while (true) {
      Map<Long, String> now = liveThreads();
      extra = now.entrySet().stream()
          .filter(e -> !before.containsKey(e.getKey()))
          .map(Map.Entry::getValue)
          .collect(Collectors.toCollection(TreeSet::new));
      Set<String> suspicious = extra.stream()
          .filter(name -> PROCESS_WIDE_THREADS.stream().noneMatch(name::startsWith))
          .collect(Collectors.toCollection(TreeSet::new));
      if (suspicious.isEmpty()) {
        result.threadsAfter = now.size();
        result.lingeringThreads = List.copyOf(extra);
        return;
      }
      if (System.nanoTime() > deadline) {
        result.threadsAfter = now.size();
        result.leaks.add("threads still alive 15 s after teardown: " + suspicious);
        return;
      }
      Thread.sleep(50);
    }
  }

  private static Map<Long, String> liveThreads() {
    Map<Long, String> threads = new LinkedHashMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive()) {
        threads.put(t.getId(), t.getName());
      }
    }
    return threads;
  }

  /**
   * Samples a breaker's state; remembers per phase which states were seen and what the client did
   * in the phase by the last look. A phase is judged by that, not by the wall clock: on a loaded
   * machine a phase can pass with few or no calls ending in it (seen: an outage phase in which no
   * call ended), and a breaker cannot open on attempts that have not ended. An outage phase is
   * judged once the client sent, in it and before the last look, the breaker's window
   * ({@link HarnessPolicy#BREAKER_WINDOW}) of attempts more than it can have in flight at once:
   * every attempt of an outage fails, so at least a window of failures had been recorded by then,
   * the breaker must have opened, and an open breaker stays open longer than a look takes (an outage
   * in which it was seen open passed, however few attempts that took: the opening stops them). A healthy
   * phase after an outage is judged when the breaker recorded a window of calls (success, failure,
   * timeout in {@code rpc.client.calls}; not rejections or cancels, even when the fallback answered
   * them) in its second half: a half-open breaker lets 3 through per open wait, so that many mean it
   * closed.
   */
  static final class BreakerWatch {
    private static final List<String> STATES = List.of("closed", "open", "half_open", "forced_open", "disabled", "metrics_only");
    private final java.util.function.Supplier<String> state;
    private final java.util.function.LongSupplier failed;
    private final long outageThreshold;
    private final java.util.function.LongSupplier recorded;
    private long lastFailed;
    private long lastRecorded;
    private final List<Long> failedBase = new ArrayList<>();
    private final List<Long> lateBase = new ArrayList<>();
    private final List<Set<String>> seen = new ArrayList<>();
    private final List<Set<String>> seenLate = new ArrayList<>();
    private final List<Boolean> outage = new ArrayList<>();
    private final List<Long> ended = new ArrayList<>();
    private final List<Long> endedLate = new ArrayList<>();
    private String last = "closed";
    int openings;

    /**
     * {@code failed}: attempts the client has sent so far (in an outage every one fails);
     * {@code recorded}: calls whose outcome the breaker recorded (success, failure, timeout:
     * {@code rpc.client.calls} by outcome); an outage is judged once {@code outageThreshold}
     * attempts were sent in it.
     */
    BreakerWatch(java.util.function.Supplier<String> state, java.util.function.LongSupplier failed,
        java.util.function.LongSupplier recorded, long outageThreshold) {
      this.state = state;
      this.failed = failed;
      this.recorded = recorded;
      this.outageThreshold = outageThreshold;
    }

    /** The state of breaker {@code name} as its {@code resilience4j.circuitbreaker.state} gauges say. */
    static java.util.function.Supplier<String> gauges(MeterRegistry registry, String name) {
      return () -> {
        for (String state : STATES) {
          Gauge gauge = registry.find("resilience4j.circuitbreaker.state").tag("name", name).tag("state", state).gauge();
          if (gauge != null && gauge.value() == 1.0) {
            return state;
          }
        }
        return "unknown";
      };
    }

    String state() {
      return state.get();
    }

    void sample(int phase, boolean late) {
      // A phase the sampler never saw (a machine stall longer than the phase) keeps its own kind:
      // phases alternate, healthy first; with no look, no call counts as ended in it.
      while (seen.size() <= phase) {
        outage.add(seen.size() % 2 == 1);
        seen.add(new TreeSet<>());
        seenLate.add(new TreeSet<>());
        ended.add(0L);
        endedLate.add(0L);
        failedBase.add(lastFailed);
        lateBase.add(-1L);
      }
      // Counted before the state is read: the breaker recorded each of these calls before it ended.
      long failedNow = failed.getAsLong();
      long recordedNow = recorded.getAsLong();
      if (late && lateBase.get(phase) < 0) {
        lateBase.set(phase, lastRecorded);
      }
      ended.set(phase, failedNow - failedBase.get(phase));
      endedLate.set(phase, lateBase.get(phase) < 0 ? 0 : recordedNow - lateBase.get(phase));
      lastFailed = failedNow;
      lastRecorded = recordedNow;
      String state = state();
      if (state.equals("open") && !last.equals("open")) {
        openings++;
      }
      last = state;
      seen.get(phase).add(state);
      if (late) {
        seenLate.get(phase).add(state);
      }
    }

    private boolean judgedOutage(int i) {
      // An outage in which the breaker opened tested it, however few attempts it took (the opening
      // itself stops them); one in which it did not is judged once enough were sent.
      return outage.get(i) && (seen.get(i).contains("open") || ended.get(i) >= outageThreshold);
    }

    private boolean judgedRecovery(int i) {
      return i > 0 && !outage.get(i) && endedLate.get(i) >= HarnessPolicy.BREAKER_WINDOW;
    }

    /** Every outage phase in which enough calls ended saw the breaker open. */
    boolean openInEveryOutage() {
      for (int i = 0; i < seen.size(); i++) {
        if (judgedOutage(i) && !seen.get(i).contains("open")) {
          return false;
        }
      }
      return true;
    }

    /**
     * Every healthy phase that follows an outage, and in whose second half enough calls ended,
     * shows the breaker closed in its second half. The state at the very end is reported, not
     * required: healthy phases keep ~16% faults, so now and then a window of failures reopens the
     * breaker by chance, and when that happens within the open wait of the end the run ends with
     * it open (seen once in a 3-minute soak: closed in the second half of every healthy phase, open
     * again in the last seconds).
     */
    boolean closedAfterEveryOutage() {
      for (int i = 1; i < seen.size(); i++) {
        if (judgedRecovery(i) && !seenLate.get(i).contains("closed")) {
          return false;
        }
      }
      return true;
    }

    int phases(boolean outages) {
      int n = 0;
      for (Boolean o : outage) {
        n += o == outages ? 1 : 0;
      }
      return n;
    }

    int judgedOutages() {
      int n = 0;
      for (int i = 0; i < seen.size(); i++) {
        n += judgedOutage(i) ? 1 : 0;
      }
      return n;
    }

    int judgedRecoveries() {
      int n = 0;
      for (int i = 0; i < seen.size(); i++) {
        n += judgedRecovery(i) ? 1 : 0;
      }
      return n;
    }

    String describe() {
      List<String> phases = new ArrayList<>();
      for (int i = 0; i < seen.size(); i++) {
        phases.add((outage.get(i) ? "outage" : "healthy") + seen.get(i) + "/late" + seenLate.get(i)
            + " " + ended.get(i) + " attempts sent, " + endedLate.get(i) + " calls recorded in the second half"
            + (judgedOutage(i) || judgedRecovery(i) ? "" : i == 0 ? "" : " not judged"));
      }
      return phases.toString();
    }
  }

  /**
   * Counts OkHttp calls the client still holds: from start until they end (response body closed),
   * fail, or are cancelled by the client (a cancelled call is no longer the client's, even before
   * OkHttp reports it failed). Per call, as a user's {@link EventListener.Factory} would.
   */
  static final class RestCallsInFlight implements EventListener.Factory {
    final AtomicInteger now = new AtomicInteger();
    final AtomicInteger max = new AtomicInteger();

    @Override
    public EventListener create(Call call) {
      AtomicBoolean ended = new AtomicBoolean();
      Runnable end = () -> {
        if (ended.compareAndSet(false, true)) {
          now.decrementAndGet();
        }
      };
      return new EventListener() {
        @Override
        public void callStart(Call call) {
          max.accumulateAndGet(now.incrementAndGet(), Math::max);
        }

        @Override
        public void callEnd(Call call) {
          end.run();
        }

        @Override
        public void callFailed(Call call, IOException ioe) {
          end.run();
        }

        @Override
        public void canceled(Call call) {
          end.run();
        }
      };
    }
  }

  /**
   * Counts gRPC client calls started and not yet closed ({@code open}, for the leak check), and
   * the peak of calls the client still holds ({@code max}: until closed or cancelled by the client).
   */
  static final class ActiveCalls implements ClientInterceptor {
    private static final int NEW = 0;
    private static final int HELD = 1;
    private static final int RELEASED = 2;
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger held = new AtomicInteger();
    final AtomicInteger max = new AtomicInteger();
    final AtomicLong started = new AtomicLong();

    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
      // Held from start until closed or cancelled; a call cancelled before it starts is never held
      // (grpc-java then refuses to start it: an attempt opened just as its call ended).
      AtomicInteger state = new AtomicInteger(NEW);
      Runnable release = () -> {
        if (state.getAndSet(RELEASED) == HELD) {
          held.decrementAndGet();
        }
      };
      return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<A> listener, Metadata headers) {
          started.incrementAndGet();
          open.incrementAndGet();
          if (state.compareAndSet(NEW, HELD)) {
            max.accumulateAndGet(held.incrementAndGet(), Math::max);
          }
          try {
            super.start(new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                open.decrementAndGet();
                release.run();
                super.onClose(status, trailers);
              }
            }, headers);
          } catch (RuntimeException notStarted) {
            open.decrementAndGet(); // no onClose will come
            release.run();
            throw notStarted;
          }
        }

        @Override
        public void cancel(String message, Throwable cause) {
          release.run();
          super.cancel(message, cause);
        }
      };
    }
  }
}
