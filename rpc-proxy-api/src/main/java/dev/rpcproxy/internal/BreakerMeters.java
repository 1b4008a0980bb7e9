package dev.rpcproxy.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.micrometer.tagged.CircuitBreakerMetricNames;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;

/**
 * Publishes a breaker's state with the meter names and tags of Resilience4j's own
 * {@code TaggedCircuitBreakerMetrics} ({@code resilience4j.circuitbreaker.state{name,state}},
 * {@code .buffered.calls}, {@code .failure.rate}, {@code .slow.call.rate}, {@code .slow.calls},
 * {@code .not.permitted.calls}), read when scraped from the numbers {@link BreakerGuard#metrics()} shows.
 *
 * <p>Not Resilience4j's binder itself: it subscribes to the breaker's events, which makes the
 * breaker allocate an event on every call. Its event-driven {@code resilience4j.circuitbreaker.calls}
 * timer is left out; {@code rpc.client.calls} measures the same calls, tagged by outcome.
 */
final class BreakerMeters {
  private static final CircuitBreakerMetricNames NAMES = CircuitBreakerMetricNames.ofDefaults();

  private BreakerMeters() {}

  static void bind(MeterRegistry registry, BreakerGuard guard) {
    CircuitBreaker breaker = guard.breaker();
    String name = breaker.getName();
    for (CircuitBreaker.State state : CircuitBreaker.State.values()) {
      Gauge.builder(NAMES.getStateMetricName(), breaker, b -> b.getState() == state ? 1 : 0)
          .description("The states of the circuit breaker")
          .tags("name", name, "state", state.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    Gauge.builder(NAMES.getBufferedCallsMetricName(), guard, g -> g.metrics().getNumberOfFailedCalls())
        .description("The number of buffered failed calls stored in the ring buffer")
        .tags("name", name, "kind", "failed").register(registry);
    Gauge.builder(NAMES.getBufferedCallsMetricName(), guard, g -> g.metrics().getNumberOfSuccessfulCalls())
        .description("The number of buffered successful calls stored in the ring buffer")
        .tags("name", name, "kind", "successful").register(registry);
    Gauge.builder(NAMES.getSlowCallsMetricName(), guard, g -> g.metrics().getNumberOfSlowSuccessfulCalls())
        .description("The number of slow successful which were slower than a certain threshold")
        .tags("name", name, "kind", "successful").register(registry);
    Gauge.builder(NAMES.getSlowCallsMetricName(), guard, g -> g.metrics().getNumberOfSlowFailedCalls())
        .description("The number of slow failed calls which were slower than a certain threshold")
        .tags("name", name, "kind", "failed").register(registry);
    Gauge.builder(NAMES.getFailureRateMetricName(), guard, g -> g.metrics().getFailureRate())
        .description("The failure rate of the circuit breaker")
        .tags("name", name).register(registry);
    Gauge.builder(NAMES.getSlowCallRateMetricName(), guard, g -> g.metrics().getSlowCallRate())
        .description("The slow call of the circuit breaker")
        .tags("name", name).register(registry);
    FunctionCounter.builder(NAMES.getNotPermittedCallsMetricName(), guard,
            BreakerGuard::rejections)
        .description("Total number of not permitted calls")
        .tags("name", name, "kind", "not_permitted").register(registry);
  }
}
