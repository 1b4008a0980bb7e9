package dev.rpcproxy.samples.downstream;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * The current {@link Fault} of each downstream service, changed by the demo as it walks through
 * its scenarios and read by the servers for every request. Also counts the requests each service
 * received, as {@code demo.downstream.requests{service}}: comparing them with the client's calls
 * shows the retries.
 */
public final class FaultInjector {
  private final Map<Downstream, Fault> faults = new EnumMap<>(Downstream.class);
  private final Map<Downstream, LongAdder> requests = new EnumMap<>(Downstream.class);

  /** Every service starts healthy with the given latencies. */
  public FaultInjector(Map<Downstream, Fault> initial) {
    for (Downstream service : Downstream.values()) {
      faults.put(service, Objects.requireNonNull(initial.get(service), service.label()));
      requests.put(service, new LongAdder());
    }
  }

  /** Publishes the request counters to {@code registry}. */
  public void bindTo(MeterRegistry registry) {
    for (Downstream service : Downstream.values()) {
      FunctionCounter.builder("demo.downstream.requests", requests.get(service), LongAdder::sum)
          .description("Requests received by the demo's downstream services (retries included)")
          .tag("service", service.label())
          .register(registry);
    }
  }

  /** Changes how {@code service} behaves from its next request on. */
  public void set(Downstream service, Fault fault) {
    synchronized (faults) {
      faults.put(service, Objects.requireNonNull(fault, "fault"));
    }
  }

  /** How {@code service} behaves now. */
  public Fault get(Downstream service) {
    synchronized (faults) {
      return faults.get(service);
    }
  }

  /** Requests {@code service} has received so far. */
  public long requests(Downstream service) {
    return requests.get(service).sum();
  }

  /** Counts one request to {@code service} and draws how to answer it. */
  public Decision next(Downstream service) {
    requests.get(service).increment();
    Fault fault = get(service);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long delayMillis;
    if (fault.slowShare() > 0 && random.nextDouble() < fault.slowShare()) {
      delayMillis = fault.slowLatency().toMillis();
    } else {
      long base = fault.latency().toMillis();
      long jitter = fault.jitter().toMillis();
      delayMillis = jitter == 0 ? base : base - jitter + random.nextLong(2 * jitter + 1);
    }
    boolean fail = fault.errorShare() > 0 && random.nextDouble() < fault.errorShare();
    return new Decision(Math.max(0, delayMillis), fail);
  }

  /**
   * How to answer one request.
   *
   * @param delayMillis wait this long before answering
   * @param fail answer with an error (HTTP 503, gRPC UNAVAILABLE)
   */
  public record Decision(long delayMillis, boolean fail) {}
}
