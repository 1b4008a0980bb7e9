package dev.rpcproxy.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one method, created at build time so the call path only records:
 * {@code rpc.client.calls{client,method,outcome}} and {@code rpc.client.fallbacks{client,method}}.
 */
final class CallMetrics {
  static final String CALLS = "rpc.client.calls";
  static final String FALLBACKS = "rpc.client.fallbacks";
  static final CallMetrics NONE = new CallMetrics(null, null);

  private final Timer[] timers;
  private final Counter fallbacks;

  private CallMetrics(Timer[] timers, Counter fallbacks) {
    this.timers = timers;
    this.fallbacks = fallbacks;
  }

  static CallMetrics create(MeterRegistry registry, String client, String method) {
    if (registry == null) {
      return NONE;
    }
    Outcome[] outcomes = Outcome.values();
    Timer[] timers = new Timer[outcomes.length];
    for (Outcome outcome : outcomes) {
      timers[outcome.ordinal()] = Timer.builder(CALLS)
          .description("Calls made through rpc-proxy clients, by how they ended")
          .tags("client", client, "method", method, "outcome", outcome.tag())
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(30))
          .register(registry);
    }
    Counter fallbacks = Counter.builder(FALLBACKS)
        .description("Failed calls answered by a fallback")
        .tags("client", client, "method", method)
        .register(registry);
    return new CallMetrics(timers, fallbacks);
  }

  void record(Outcome outcome, long nanos) {
    if (timers != null) {
      timers[outcome.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  void fallbackServed() {
    if (fallbacks != null) {
      fallbacks.increment();
    }
  }
}
