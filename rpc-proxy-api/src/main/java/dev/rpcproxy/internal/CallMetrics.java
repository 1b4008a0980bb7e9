package dev.rpcproxy.internal;

import dev.rpcproxy.spi.AttemptKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one method, created at build time so the call path only records:
 * {@code rpc.client.calls{client,method,outcome}}, {@code rpc.client.fallbacks{client,method}} and
 * {@code rpc.client.attempts{client,method,kind}}, and for streaming methods
 * {@code rpc.client.stream.messages{client,method}}.
 *
 * <p>The call timer asks for no percentile histogram, as Micrometer's and Spring Boot's own timers
 * do not: with eight outcomes a method, its buckets were most of a scrape (2,688 bucket lines for
 * the demo's few clients) and a good part of what recording a call costs. A {@code MeterFilter}
 * (or Boot's {@code management.metrics.distribution.percentiles-histogram.rpc.client.calls=true})
 * turns it on; its buckets then span 1 ms to 30 s.
 */
final class CallMetrics {
  static final String CALLS = "rpc.client.calls";
  static final String FALLBACKS = "rpc.client.fallbacks";
  static final String ATTEMPTS = "rpc.client.attempts";
  static final String STREAM_MESSAGES = "rpc.client.stream.messages";
  static final CallMetrics NONE = new CallMetrics(null, null, null, null);

  private final Timer[] timers;
  private final Counter fallbacks;
  private final Counter[] attempts;
  /** {@code null} unless the method streams. */
  private final Counter messages;

  private CallMetrics(Timer[] timers, Counter fallbacks, Counter[] attempts, Counter messages) {
    this.timers = timers;
    this.fallbacks = fallbacks;
    this.attempts = attempts;
    this.messages = messages;
  }

  /** The meters of a streaming method: those of any method plus its message counter. */
  static CallMetrics createStreaming(MeterRegistry registry, String client, String method) {
    CallMetrics base = create(registry, client, method);
    if (registry == null) {
      return base;
    }
    Counter messages = Counter.builder(STREAM_MESSAGES)
        .description("Messages of streaming calls delivered from the service to the caller")
        .tags("client", client, "method", method)
        .register(registry);
    return new CallMetrics(base.timers, base.fallbacks, base.attempts, messages);
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
          .minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(30))
          .register(registry);
    }
    Counter fallbacks = Counter.builder(FALLBACKS)
        .description("Failed calls answered by a fallback")
        .tags("client", client, "method", method)
        .register(registry);
    AttemptKind[] kinds = AttemptKind.values();
    Counter[] attempts = new Counter[kinds.length];
    for (AttemptKind kind : kinds) {
      attempts[kind.ordinal()] = Counter.builder(ATTEMPTS)
          .description("Attempts sent to the service, by why they were sent")
          .tags("client", client, "method", method, "kind", kind.tag())
          .register(registry);
    }
    return new CallMetrics(timers, fallbacks, attempts, null);
  }

  /** Whether calls are timed at all (a registry was given). */
  boolean records() {
    return timers != null;
  }

  void record(Outcome outcome, long nanos) {
    if (timers != null) {
      timers[outcome.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  void attemptSent(AttemptKind kind) {
    if (attempts != null) {
      attempts[kind.ordinal()].increment();
    }
  }

  void streamMessage() {
    if (messages != null) {
      messages.increment();
    }
  }

  void fallbackServed() {
    if (fallbacks != null) {
      fallbacks.increment();
    }
  }
}
