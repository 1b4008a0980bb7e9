package dev.rpcproxy.internal;

import dev.rpcproxy.ConcurrencyLimit;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.TimeSource;
import dev.rpcproxy.internal.limit.CallLimiter;
import dev.rpcproxy.internal.limit.CallLimiters;
import dev.rpcproxy.internal.limit.CallRateLimiter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The breakers, concurrency limits, rate limits and retry budgets of one client, created by name
 * ({@code client} or {@code client.method}): each breaker behind its {@link BreakerGuard},
 * published to Micrometer under Resilience4j's meter names ({@link BreakerMeters}, and
 * {@code resilience4j.bulkhead.*} for fixed limits, {@code resilience4j.ratelimiter.*} for rate
 * limits), and every concurrency limit as {@code rpc.client.concurrency.limit}.
 */
final class ClientResources {
  private final String client;
  private final TimeSource time;
  private final Map<String, BreakerGuard> guards = new LinkedHashMap<>();
  private final Map<RetryPolicy, RetryBudget> budgets = new IdentityHashMap<>();
  private final Map<String, CallLimiter> limiters = new LinkedHashMap<>();
  private final Map<String, CallRateLimiter> rateLimiters = new LinkedHashMap<>();

  ClientResources(String client, TimeSource time) {
    this.client = client;
    this.time = time;
  }

  /** The breaker named {@code name} behind its guard, created with {@code config} on first use. */
  BreakerGuard breaker(String name, CircuitBreakerConfig config) {
    return guards.computeIfAbsent(name, n -> new BreakerGuard(create(n, config), client, time));
  }

  private CircuitBreaker create(String name, CircuitBreakerConfig config) {
    // Resilience4j reads open-state waits and time windows from this clock: tests run them instantly.
    // (Since Resilience4j 2.3 the clock is part of the config, no longer a constructor argument.)
    return CircuitBreaker.of(name, CircuitBreakerConfig.from(config).clock(time.clock()).build());
  }

  /** The retry budget of {@code policy}, shared by every method of the client that uses it. */
  RetryBudget budget(RetryPolicy policy) {
    return budgets.computeIfAbsent(policy, p -> new RetryBudget(p, time));
  }

  /** The concurrency limit named {@code name}, created on first use. */
  CallLimiter limiter(String name, ConcurrencyLimit limit, Duration maxWaitForPermit) {
    return limiters.computeIfAbsent(name, n -> CallLimiters.create(n, limit, maxWaitForPermit, time));
  }

  /** The rate limit named {@code name}, created on first use. */
  CallRateLimiter rateLimiter(String name, Policy.RateLimit rateLimit) {
    return rateLimiters.computeIfAbsent(name, n -> new CallRateLimiter(n, rateLimit, time));
  }

  void bindMetrics(MeterRegistry registry) {
    if (registry != null) {
      guards.values().forEach(guard -> BreakerMeters.bind(registry, guard));
      limiters.forEach((name, limiter) -> CallLimiters.bind(registry, name, limiter));
      rateLimiters.values().forEach(rateLimiter -> rateLimiter.bind(registry));
    }
  }
}
