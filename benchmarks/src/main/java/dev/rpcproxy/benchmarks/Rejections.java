package dev.rpcproxy.benchmarks;

import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.Transports;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The fast-fail paths of rpc-proxy, as a caller sees them. Nothing reaches the service.
 *
 * <ul>
 *   <li>{@code openBreaker_*}: the breaker was driven open in {@code @Setup} (a target that always
 *       throws, window 10, 5 calls minimum, open for an hour); no fallback, so the sync call throws
 *       {@link CircuitOpenException} (caught here) and the async call returns a future failed with it
 *       (returned to the Blackhole, not joined: joining would add the JDK's CompletionException).
 *   <li>{@code openBreakerFallback_*}: the same with {@code Fallbacks.value(-1L)}: the caller gets -1.
 *   <li>{@code fullBulkhead_*}: {@code maxConcurrentCalls(1)}, whose only permit is held for the whole
 *       trial by an async call that never completes (deadline one hour), so every call is rejected
 *       with {@link BulkheadFullException}.
 * </ul>
 *
 * <p>For comparison, the same fast fail in the other libraries, with their defaults:
 *
 * <ul>
 *   <li>{@code resilience4jOpenBreaker_sync}: a Resilience4j breaker moved to OPEN (one hour wait),
 *       no listener; throws {@code CallNotPermittedException}, which by default
 *       ({@code writableStackTraceEnabled=true}) fills in its stack trace.
 *   <li>{@code failsafeOpenBreaker_sync}: {@code Failsafe.with(breaker)} with the breaker opened
 *       (one hour delay); throws {@code CircuitBreakerOpenException}.
 * </ul>
 *
 * <p>All rpc-proxy clients publish metrics to a {@code SimpleMeterRegistry}, as in {@link CallOverhead}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public abstract class Rejections {
  private static final Duration LONG = Duration.ofHours(1);

  long id = 42;

  private Quotes openBreaker;
  private Quotes openBreakerFallback;
  private Quotes fullBulkhead;
  private CompletableFuture<Long> permitHolder;
  private io.github.resilience4j.circuitbreaker.CircuitBreaker resilience4jOpen;
  private FailsafeExecutor<Long> failsafeOpen;

  @Setup
  public void setUp() {
    CircuitBreakerConfig opensQuickly = CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(10)
        .minimumNumberOfCalls(5)
        .failureRateThreshold(50)
        .waitDurationInOpenState(LONG)
        .build();
    Policy openable = Policy.builder()
        .timeout(Contenders.TIMEOUT)
        .maxConcurrentCalls(Contenders.MAX_CONCURRENT_CALLS)
        .circuitBreaker(opensQuickly)
        .build();

    SimpleMeterRegistry openRegistry = new SimpleMeterRegistry();
    openBreaker = Contenders.rpcProxy("open", Transports.inline(new FailingQuotes()), openable, null, openRegistry);
    for (int i = 0; i < 10; i++) {
      try {
        openBreaker.quote(id);
      } catch (IllegalStateException | CircuitOpenException expected) {
        // the service's failures, then the breaker's rejections
      }
    }
    Sanity.check(thrown(() -> openBreaker.quote(id)) instanceof CircuitOpenException, "openBreaker_sync throws CircuitOpenException");
    Sanity.check(cause(openBreaker.quoteAsync(id)) instanceof CircuitOpenException, "openBreaker_async fails with CircuitOpenException");

    SimpleMeterRegistry fallbackRegistry = new SimpleMeterRegistry();
    openBreakerFallback = Contenders.rpcProxy("open-fallback", Transports.inline(new FailingQuotes()), openable,
        Fallbacks.value(-1L), fallbackRegistry);
    for (int i = 0; i < 10; i++) {
      openBreakerFallback.quote(id);
    }
    long before = circuitOpenCalls(fallbackRegistry, "open-fallback");
    Sanity.check(openBreakerFallback.quote(id) == -1L && openBreakerFallback.quoteAsync(id).join() == -1L,
        "openBreakerFallback answers -1");
    Sanity.check(circuitOpenCalls(fallbackRegistry, "open-fallback") == before + 2,
        "openBreakerFallback calls end as circuit_open");

    fullBulkhead = Contenders.rpcProxy("full", Transports.inline(new HangingQuotes()),
        Policy.builder().timeout(LONG).maxConcurrentCalls(1).circuitBreaker(Contenders.breakerConfig()).build(),
        null, new SimpleMeterRegistry());
    resilience4jOpen = io.github.resilience4j.circuitbreaker.CircuitBreaker.of("r4j-open",
        CircuitBreakerConfig.from(Contenders.breakerConfig()).waitDurationInOpenState(LONG).build());
    resilience4jOpen.transitionToOpenState();
    Sanity.check(thrown(() -> resilience4jOpen.executeSupplier(() -> 1L)) instanceof CallNotPermittedException,
        "resilience4jOpenBreaker_sync throws CallNotPermittedException");

    dev.failsafe.CircuitBreaker<Long> failsafeBreaker = dev.failsafe.CircuitBreaker.<Long>builder()
        .withFailureThreshold(50, 100)
        .withDelay(LONG)
        .build();
    failsafeBreaker.open();
    failsafeOpen = Failsafe.with(failsafeBreaker);
    Sanity.check(thrown(() -> failsafeOpen.get(() -> 1L)) instanceof CircuitBreakerOpenException,
        "failsafeOpenBreaker_sync throws CircuitBreakerOpenException");

    permitHolder = fullBulkhead.quoteAsync(id);
    Sanity.check(thrown(() -> fullBulkhead.quote(id)) instanceof BulkheadFullException, "fullBulkhead_sync throws BulkheadFullException");
    Sanity.check(cause(fullBulkhead.quoteAsync(id)) instanceof BulkheadFullException, "fullBulkhead_async fails with BulkheadFullException");
  }

  @TearDown
  public void tearDown() {
    Sanity.check(!permitHolder.isDone(), "the permit was held for the whole trial");
    permitHolder.cancel(true);
    RpcProxy.close(openBreaker);
    RpcProxy.close(openBreakerFallback);
    RpcProxy.close(fullBulkhead);
  }

  @Benchmark
  public void openBreaker_sync(Blackhole bh) {
    try {
      bh.consume(openBreaker.quote(id));
    } catch (CircuitOpenException e) {
      bh.consume(e);
    }
  }

  @Benchmark
  public CompletableFuture<Long> openBreaker_async() {
    return openBreaker.quoteAsync(id);
  }

  @Benchmark
  public long openBreakerFallback_sync() {
    return openBreakerFallback.quote(id);
  }

  @Benchmark
  public long openBreakerFallback_async() {
    return openBreakerFallback.quoteAsync(id).join();
  }

  @Benchmark
  public void fullBulkhead_sync(Blackhole bh) {
    try {
      bh.consume(fullBulkhead.quote(id));
    } catch (BulkheadFullException e) {
      bh.consume(e);
    }
  }

  @Benchmark
  public CompletableFuture<Long> fullBulkhead_async() {
    return fullBulkhead.quoteAsync(id);
  }

  @Benchmark
  public void resilience4jOpenBreaker_sync(Blackhole bh) {
    try {
      bh.consume(resilience4jOpen.executeSupplier(() -> id));
    } catch (CallNotPermittedException e) {
      bh.consume(e);
    }
  }

  @Benchmark
  public void failsafeOpenBreaker_sync(Blackhole bh) {
    try {
      bh.consume(failsafeOpen.get(() -> id));
    } catch (CircuitBreakerOpenException e) {
      bh.consume(e);
    }
  }

  private static long circuitOpenCalls(MeterRegistry registry, String client) {
    long count = 0;
    for (Timer timer : registry.find("rpc.client.calls").tags("client", client, "outcome", "circuit_open").timers()) {
      count += timer.count();
    }
    return count;
  }

  private static Throwable thrown(Runnable call) {
    try {
      call.run();
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }

  private static Throwable cause(CompletableFuture<?> future) {
    try {
      future.join();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  /** One caller thread. */
  @Threads(1)
  public static class OneThread extends Rejections {}

  /** Two caller threads sharing each client. */
  @Threads(2)
  public static class TwoThreads extends Rejections {}
}
