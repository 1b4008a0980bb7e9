package dev.rpcproxy.internal.limit;

import dev.rpcproxy.ConcurrencyLimit;
import dev.rpcproxy.TimeSource;
import io.github.resilience4j.micrometer.tagged.BulkheadMetricNames;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/** Makes the {@link CallLimiter} a {@link ConcurrencyLimit} asks for, and publishes its limit. */
public final class CallLimiters {
  /** Gauge of the limit in force, tagged {@code client} (the client, or {@code client.method}). */
  public static final String LIMIT_GAUGE = "rpc.client.concurrency.limit";
  /** Gauge of the permits held now, tagged like {@link #LIMIT_GAUGE}. */
  public static final String IN_FLIGHT_GAUGE = "rpc.client.concurrency.in.flight";

  private CallLimiters() {}

  private static final BulkheadMetricNames BULKHEAD_NAMES = BulkheadMetricNames.ofDefaults();

  /**
   * A fixed limit without a permit wait becomes a {@link FixedCallLimiter}; with a wait, a
   * {@link BulkheadCallLimiter} honouring {@code maxWaitForPermit}; an adaptive limit an
   * {@link AdaptiveCallLimiter} on {@code time} (it never waits).
   */
  public static CallLimiter create(String name, ConcurrencyLimit limit, Duration maxWaitForPermit, TimeSource time) {
    if (limit.kind() == ConcurrencyLimit.Kind.ADAPTIVE) {
      return new AdaptiveCallLimiter(limit, time);
    }
    if (maxWaitForPermit.isZero()) {
      return new FixedCallLimiter(name, limit.maxLimit());
    }
    return new BulkheadCallLimiter(name, limit.maxLimit(), maxWaitForPermit.toNanos());
  }

  /**
   * Registers {@value #LIMIT_GAUGE} and {@value #IN_FLIGHT_GAUGE}{@code {client=name}} for
   * {@code limiter}, and for a fixed limit the gauges Resilience4j's bulkhead binder would publish
   * for a bulkhead ({@code resilience4j.bulkhead.available.concurrent.calls} and
   * {@code .max.allowed.concurrent.calls}{@code {name}}).
   */
  public static void bind(MeterRegistry registry, String name, CallLimiter limiter) {
    if (!(limiter instanceof AdaptiveCallLimiter)) {
      Gauge.builder(BULKHEAD_NAMES.getAvailableConcurrentCallsMetricName(), limiter, l -> l.limit() - l.inFlight())
          .description("The number of available permissions")
          .tag("name", name)
          .strongReference(true)
          .register(registry);
      Gauge.builder(BULKHEAD_NAMES.getMaxAllowedConcurrentCallsMetricName(), limiter, CallLimiter::limit)
          .description("The maximum number of available permissions")
          .tag("name", name)
          .strongReference(true)
          .register(registry);
    }
    Gauge.builder(LIMIT_GAUGE, limiter, CallLimiter::limit)
        .description("The limit on outstanding calls in force (fixed or adaptive)")
        .tag("client", name)
        .strongReference(true)
        .register(registry);
    Gauge.builder(IN_FLIGHT_GAUGE, limiter, CallLimiter::inFlight)
        .description("Calls holding a permit of the concurrency limit now")
        .tag("client", name)
        .strongReference(true)
        .register(registry);
  }
}
