package dev.rpcproxy.samples.observe;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.Collection;
import java.util.TreeSet;

/**
 * Turns on the percentile histogram of {@code rpc.client.calls} (rpc-proxy leaves it off, as
 * Micrometer does) for the demo's table and dashboards, and adds latency buckets at and just above
 * each client deadline.
 * Micrometer's default buckets grow by about a third (268 ms, 358 ms, ...), so calls cut at a
 * 300 ms deadline would read as a p99 of ~350 ms; with these buckets they read as ~300 ms, in the
 * demo's summary and in PromQL's {@code histogram_quantile} alike. Register it on the registry
 * before the clients are built.
 */
public final class DeadlineBuckets implements MeterFilter {
  private static final double[] ABOVE = {1.0, 1.02, 1.05, 1.1, 1.2};

  private final double[] boundariesNanos;

  public DeadlineBuckets(Collection<Duration> deadlines) {
    TreeSet<Double> bounds = new TreeSet<>();
    for (Duration deadline : deadlines) {
      for (double factor : ABOVE) {
        bounds.add(Math.rint(deadline.toNanos() * factor));
      }
    }
    this.boundariesNanos = bounds.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Override
  public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
    if (!id.getName().equals(RegistryReader.CALLS)) {
      return config;
    }
    return DistributionStatisticConfig.builder().percentilesHistogram(true).serviceLevelObjectives(boundariesNanos)
        .build().merge(config);
  }
}
