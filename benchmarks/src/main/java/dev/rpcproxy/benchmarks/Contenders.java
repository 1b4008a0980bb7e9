package dev.rpcproxy.benchmarks;

import dev.rpcproxy.Fallback;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.spi.Transport;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * The one set of policy settings every contender is configured with, so that rows compare like
 * with like: deadline 1 s, at most 64 outstanding calls (no wait for a permit), a count-based
 * breaker over the last 100 calls opening at 50% failures.
 */
final class Contenders {
  static final Duration TIMEOUT = Duration.ofSeconds(1);
  static final int MAX_CONCURRENT_CALLS = 64;
  static final int BREAKER_WINDOW = 100;
  static final float FAILURE_RATE_THRESHOLD = 50;
  static final Duration OPEN_WAIT = Duration.ofSeconds(5);

  private Contenders() {}

  /** The breaker settings, in Resilience4j's type (rpc-proxy and Resilience4j rows share it). */
  static CircuitBreakerConfig breakerConfig() {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(BREAKER_WINDOW)
        .minimumNumberOfCalls(BREAKER_WINDOW)
        .failureRateThreshold(FAILURE_RATE_THRESHOLD)
        .waitDurationInOpenState(OPEN_WAIT)
        .build();
  }

  /** The full rpc-proxy policy: timeout, bulkhead, breaker (no retry: the others have none either). */
  static Policy fullPolicy() {
    return Policy.builder()
        .timeout(TIMEOUT)
        .maxConcurrentCalls(MAX_CONCURRENT_CALLS)
        .circuitBreaker(breakerConfig())
        .build();
  }

  /**
   * An rpc-proxy client of {@link Quotes} with {@link #fullPolicy()}.
   *
   * @param fallback may be {@code null} (failures are thrown)
   * @param registry may be {@code null} (no metrics)
   */
  static Quotes rpcProxy(String name, Transport transport, Policy policy, Fallback fallback, MeterRegistry registry) {
    return rpcProxy(name, transport, policy, fallback, registry, null);
  }

  /** The same, observed through {@code observations} when it is not {@code null}. */
  static Quotes rpcProxy(String name, Transport transport, Policy policy, Fallback fallback, MeterRegistry registry,
      io.micrometer.observation.ObservationRegistry observations) {
    RpcProxy.Builder<Quotes> builder = RpcProxy.builder(Quotes.class)
        .name(name)
        .transport(transport)
        .policy(policy);
    if (fallback != null) {
      builder.fallback(fallback);
    }
    if (registry != null) {
      builder.meterRegistry(registry);
    }
    if (observations != null) {
      builder.observationRegistry(observations);
    }
    return builder.build();
  }
}
