package dev.rpcproxy.benchmarks;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.Fallback;
import dev.failsafe.Timeout;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.Transports;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetricsPublisher;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetricsPublisher;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The success path: what one call costs through each contender when the service answers at once.
 * Every contender has the same settings ({@link Contenders}): deadline 1 s, bulkhead 64, breaker
 * over a count window of 100. Subtract the {@code direct_*} row to get a contender's overhead.
 *
 * <ul>
 *   <li>{@code direct_*}: the plain implementation, the floor.
 *   <li>{@code rpcProxy_*}: {@code Transports.inline(impl)} (caller's thread), full policy,
 *       {@code Fallbacks.value(-1L)}, metrics into a {@code SimpleMeterRegistry}.
 *   <li>{@code rpcProxyNoMetrics_sync}: the same without a meter registry (cost of the metrics).
 *   <li>{@code rpcProxyHistogram_sync}: the same with a registry whose {@code MeterFilter} turns
 *       on the percentile histogram of {@code rpc.client.calls} (off by default), as docs/metrics.md
 *       shows (the histogram's share of the metrics' cost).
 *   <li>{@code rpcProxyThreadHandoff_sync}: {@code Transports.direct(impl)}: each blocking call is
 *       handed to a worker pool so the deadline can be enforced on a target that ignores it.
 *   <li>{@code resilience4j_*}: bulkhead(breaker(call)) for sync, bulkhead(breaker(timeLimiter(call)))
 *       for async, decorated once in {@code @Setup} (Resilience4j's cheapest use), no metrics, no
 *       fallback. The TimeLimiter schedules its timeout on a single-thread scheduler made here.
 *   <li>{@code resilience4jMetrics_sync}: the same with Micrometer metrics as Resilience4j's
 *       Spring Boot starter publishes them: breaker and bulkhead from registries built with
 *       {@code TaggedCircuitBreakerMetricsPublisher} / {@code TaggedBulkheadMetricsPublisher}, which
 *       time every call in {@code resilience4j.circuitbreaker.calls} (no histogram) from the
 *       breaker's events. The counterpart of {@code rpcProxy_sync} and
 *       {@code rpcProxyHistogram_sync}.
 *   <li>{@code rpcProxyObserved_sync} and {@code resilience4jObserved_sync}: rpc-proxy without
 *       meters but with an {@code ObservationRegistry} (one handler supporting every context), and
 *       {@code resilience4j_sync} inside {@code Observation.observe(...)} on the same registry;
 *   <li>{@code resilience4jStateListener_sync}: the same, with one {@code onStateTransition}
 *       listener on the breaker (as rpc-proxy registers to log transitions). A diagnostic row: any
 *       listener makes Resilience4j build an event object for every call.
 *   <li>{@code failsafe_*}: {@code Failsafe.with(fallback, timeout, bulkhead, breaker)} (the same
 *       order as rpc-proxy's pipeline), no metrics. Sync {@code get} runs the call on the caller's
 *       thread; {@code getStageAsync} runs the supplier on Failsafe's default scheduler
 *       (ForkJoinPool.commonPool) and the benchmark thread waits for the result.
 * </ul>
 *
 * <p>Async rows {@code join()} the returned future: with this in-memory service it is complete
 * when returned (except Failsafe's, see above).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public abstract class CallOverhead {
  /** Not final, so that the JIT cannot fold the call away. */
  long id = 42;

  private Quotes direct;
  private Quotes rpcProxy;
  private Quotes rpcProxyNoMetrics;
  private Quotes rpcProxyHistogram;
  private Quotes rpcProxyThreadHandoff;
  private Quotes rpcProxyObserved;
  private ObservationRegistry observations;
  private Supplier<Long> resilience4jSync;
  private Supplier<Long> resilience4jStateListener;
  private Supplier<Long> resilience4jMetrics;
  private SimpleMeterRegistry resilience4jRegistry;
  private Supplier<CompletionStage<Long>> resilience4jAsync;
  private ScheduledExecutorService timeLimiterScheduler;
  private FailsafeExecutor<Long> failsafe;

  @Setup
  public void setUp() {
    Quotes impl = new InMemoryQuotes();
    direct = impl;

    rpcProxy = Contenders.rpcProxy("quotes", Transports.inline(impl), Contenders.fullPolicy(),
        Fallbacks.value(-1L), new SimpleMeterRegistry());
    rpcProxyNoMetrics = Contenders.rpcProxy("quotes-nometrics", Transports.inline(impl),
        Contenders.fullPolicy(), Fallbacks.value(-1L), null);
    SimpleMeterRegistry withHistogram = new SimpleMeterRegistry();
    withHistogram.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id meter, DistributionStatisticConfig config) {
        return meter.getName().equals("rpc.client.calls")
            ? DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config)
            : config;
      }
    });
    rpcProxyHistogram = Contenders.rpcProxy("quotes-histogram", Transports.inline(impl),
        Contenders.fullPolicy(), Fallbacks.value(-1L), withHistogram);
    // One handler that supports every context and does nothing: the cost of observing, not of a tracer.
    observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new ObservationHandler<Observation.Context>() {
      @Override
      public boolean supportsContext(Observation.Context context) {
        return true;
      }
    });
    rpcProxyObserved = Contenders.rpcProxy("quotes-observed", Transports.inline(impl),
        Contenders.fullPolicy(), Fallbacks.value(-1L), null, observations);
    rpcProxyThreadHandoff = Contenders.rpcProxy("quotes-handoff", Transports.direct(impl),
        Contenders.fullPolicy(), Fallbacks.value(-1L), new SimpleMeterRegistry());

    Bulkhead bulkhead = Bulkhead.of("r4j", BulkheadConfig.custom()
        .maxConcurrentCalls(Contenders.MAX_CONCURRENT_CALLS)
        .maxWaitDuration(Duration.ZERO)
        .build());
    CircuitBreaker breaker = CircuitBreaker.of("r4j", Contenders.breakerConfig());
    TimeLimiter timeLimiter = TimeLimiter.of("r4j", TimeLimiterConfig.custom()
        .timeoutDuration(Contenders.TIMEOUT)
        .cancelRunningFuture(true)
        .build());
    timeLimiterScheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "r4j-time-limiter");
      thread.setDaemon(true);
      return thread;
    });
    resilience4jSync = Bulkhead.decorateSupplier(bulkhead,
        CircuitBreaker.decorateSupplier(breaker, () -> impl.quote(id)));
    CircuitBreaker listenedBreaker = CircuitBreaker.of("r4j-listened", Contenders.breakerConfig());
    listenedBreaker.getEventPublisher().onStateTransition(event -> { });
    resilience4jStateListener = Bulkhead.decorateSupplier(Bulkhead.of("r4j-listened", bulkhead.getBulkheadConfig()),
        CircuitBreaker.decorateSupplier(listenedBreaker, () -> impl.quote(id)));
    resilience4jRegistry = new SimpleMeterRegistry();
    CircuitBreaker meteredBreaker = CircuitBreakerRegistry.of(Contenders.breakerConfig(),
        new TaggedCircuitBreakerMetricsPublisher(resilience4jRegistry)).circuitBreaker("r4j-metrics");
    Bulkhead meteredBulkhead = BulkheadRegistry.of(bulkhead.getBulkheadConfig(),
        new TaggedBulkheadMetricsPublisher(resilience4jRegistry)).bulkhead("r4j-metrics");
    resilience4jMetrics = Bulkhead.decorateSupplier(meteredBulkhead,
        CircuitBreaker.decorateSupplier(meteredBreaker, () -> impl.quote(id)));
    resilience4jAsync = Bulkhead.decorateCompletionStage(bulkhead,
        CircuitBreaker.decorateCompletionStage(breaker,
            timeLimiter.decorateCompletionStage(timeLimiterScheduler, () -> impl.quoteAsync(id))));

    failsafe = Failsafe.with(List.of(
        Fallback.of(-1L),
        Timeout.<Long>of(Contenders.TIMEOUT),
        dev.failsafe.Bulkhead.<Long>of(Contenders.MAX_CONCURRENT_CALLS),
        dev.failsafe.CircuitBreaker.<Long>builder()
            .withFailureThreshold(Math.round(Contenders.BREAKER_WINDOW * Contenders.FAILURE_RATE_THRESHOLD / 100),
                Contenders.BREAKER_WINDOW)
            .withDelay(Contenders.OPEN_WAIT)
            .build()));

    Sanity.check(direct_sync() == 42 * 31 + 7, "direct_sync");
    Sanity.check(rpcProxy_sync() == 42 * 31 + 7, "rpcProxy_sync");
    Sanity.check(rpcProxy_async() == 42 * 31 + 7, "rpcProxy_async");
    Sanity.check(rpcProxyNoMetrics_sync() == 42 * 31 + 7, "rpcProxyNoMetrics_sync");
    Sanity.check(rpcProxyHistogram_sync() == 42 * 31 + 7, "rpcProxyHistogram_sync");
    Sanity.check(rpcProxyThreadHandoff_sync() == 42 * 31 + 7, "rpcProxyThreadHandoff_sync");
    Sanity.check(resilience4j_sync() == 42 * 31 + 7, "resilience4j_sync");
    Sanity.check(resilience4jStateListener_sync() == 42 * 31 + 7, "resilience4jStateListener_sync");
    Sanity.check(resilience4jMetrics_sync() == 42 * 31 + 7, "resilience4jMetrics_sync");
    Sanity.check(resilience4jRegistry.get("resilience4j.circuitbreaker.calls").tag("kind", "successful").timer().count() == 1,
        "resilience4jMetrics_sync times each call");
    Sanity.check(resilience4j_async() == 42 * 31 + 7, "resilience4j_async");
    Sanity.check(rpcProxyObserved_sync() == 42 * 31 + 7, "rpcProxyObserved_sync");
    Sanity.check(resilience4jObserved_sync() == 42 * 31 + 7, "resilience4jObserved_sync");
    Sanity.check(failsafe_sync() == 42 * 31 + 7, "failsafe_sync");
    Sanity.check(failsafe_async() == 42 * 31 + 7, "failsafe_async");
  }

  @TearDown
  public void tearDown() {
    RpcProxy.close(rpcProxy);
    RpcProxy.close(rpcProxyNoMetrics);
    RpcProxy.close(rpcProxyHistogram);
    RpcProxy.close(rpcProxyThreadHandoff);
    RpcProxy.close(rpcProxyObserved);
    timeLimiterScheduler.shutdownNow();
  }

  @Benchmark
  public long direct_sync() {
    return direct.quote(id);
  }

  @Benchmark
  public long direct_async() {
    return direct.quoteAsync(id).join();
  }

  @Benchmark
  public long rpcProxy_sync() {
    return rpcProxy.quote(id);
  }

  @Benchmark
  public long rpcProxy_async() {
    return rpcProxy.quoteAsync(id).join();
  }

  @Benchmark
  public long rpcProxyNoMetrics_sync() {
    return rpcProxyNoMetrics.quote(id);
  }

  @Benchmark
  public long rpcProxyHistogram_sync() {
    return rpcProxyHistogram.quote(id);
  }

  @Benchmark
  public long rpcProxyThreadHandoff_sync() {
    return rpcProxyThreadHandoff.quote(id);
  }

  @Benchmark
  public long resilience4j_sync() {
    return resilience4jSync.get();
  }

  @Benchmark
  public long resilience4jMetrics_sync() {
    return resilience4jMetrics.get();
  }

  @Benchmark
  public long resilience4jStateListener_sync() {
    return resilience4jStateListener.get();
  }

  /** rpc-proxy without meters, observed: one {@code rpc.client.call} and one {@code rpc.client.attempt} per call. */
  @Benchmark
  public long rpcProxyObserved_sync() {
    return rpcProxyObserved.quote(id);
  }

  /** {@code resilience4j_sync} inside Micrometer's {@code Observation.observe(...)}, same registry and handler. */
  @Benchmark
  public long resilience4jObserved_sync() {
    return Observation.createNotStarted("r4j.call", observations).observe(resilience4jSync);
  }

  @Benchmark
  public long resilience4j_async() {
    return resilience4jAsync.get().toCompletableFuture().join();
  }

  @Benchmark
  public long failsafe_sync() {
    return failsafe.get(() -> direct.quote(id));
  }

  @Benchmark
  public long failsafe_async() {
    return failsafe.getStageAsync(() -> direct.quoteAsync(id)).join();
  }

  /** One caller thread. */
  @Threads(1)
  public static class OneThread extends CallOverhead {}

  /** Two caller threads sharing each client (and its breaker, bulkhead and meters). */
  @Threads(2)
  public static class TwoThreads extends CallOverhead {}
}
