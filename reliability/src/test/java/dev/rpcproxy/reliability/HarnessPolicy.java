package dev.rpcproxy.reliability;

import dev.rpcproxy.ConcurrencyLimit;
import dev.rpcproxy.HedgePolicy;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;

/**
 * The one place where the chaos harness builds its clients' {@link Policy} (both clients get the
 * same). New policies are switched on here, and every invariant of the harness then checks them
 * too: hedging ({@code .hedge(HedgePolicy...)}), attempt timeouts ({@code .attemptTimeout(...)}),
 * an adaptive concurrency limit ({@code .concurrencyLimit(ConcurrencyLimit.adaptive())}) in place
 * of {@code maxConcurrentCalls} (the bulkhead invariants then read the limit in force).
 */
final class HarnessPolicy {
  /** Copies of one call with the second round's hedging, the first included. */
  static final int HEDGE_ATTEMPTS = 2;
  /** Calls the breaker's sliding window holds. */
  static final int BREAKER_WINDOW = 20;

  private HarnessPolicy() {}

  static Policy forClients(ChaosHarness.Config config) {
    Policy.Builder policy = Policy.builder()
        .timeout(config.timeout())
        .maxConcurrentCalls(config.maxConcurrentCalls());
    if (config.secondRound()) {
      // The adaptive limit may not exceed the fixed bulkhead, so the servers' bound stays the same
      // per call; hedges (idempotent reads only) may double it, which the invariants allow.
      policy.concurrencyLimit(ConcurrencyLimit.adaptiveBuilder()
              .initialLimit(config.maxConcurrentCalls()).minLimit(1).maxLimit(config.maxConcurrentCalls()).build())
          .attemptTimeout(config.timeout().dividedBy(2))
          .hedge(HedgePolicy.builder().maxAttempts(HEDGE_ATTEMPTS)
              .delayAtPercentile(90, Duration.ofMillis(10), Duration.ofMillis(100)).build());
    }
    return policy
        .circuitBreaker(CircuitBreakerConfig.custom()
            .failureRateThreshold(50)
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(BREAKER_WINDOW)
            .minimumNumberOfCalls(10)
            .waitDurationInOpenState(config.breakerOpenWait())
            .permittedNumberOfCallsInHalfOpenState(3)
            .build())
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(10), Duration.ofMillis(80)).build())
        .build();
  }
}
