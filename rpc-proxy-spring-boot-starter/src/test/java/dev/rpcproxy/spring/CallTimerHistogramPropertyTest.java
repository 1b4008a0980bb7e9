package dev.rpcproxy.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.Transports;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsProperties;
import org.springframework.boot.micrometer.metrics.autoconfigure.PropertiesMeterFilter;

/**
 * docs/metrics.md's promise that Spring Boot's
 * {@code management.metrics.distribution.percentiles-histogram.rpc.client.calls=true} turns on the
 * call timer's histogram, which rpc-proxy leaves off by default, as Boot does for its own timers.
 */
class CallTimerHistogramPropertyTest {
  interface Greeter {
    String hello(String name);
  }

  @Test
  void bootsPercentilesHistogramPropertyTurnsTheCallTimersHistogramOn() {
    assertThat(histogramBuckets(null)).as("rpc-proxy's default").isZero();
    assertThat(histogramBuckets(true)).as("with the property set to true").isGreaterThan(10);
    assertThat(histogramBuckets(false)).as("with the property set to false").isZero();
  }

  private static int histogramBuckets(Boolean property) {
    MetricsProperties properties = new MetricsProperties();
    if (property != null) {
      properties.getDistribution().getPercentilesHistogram().put("rpc.client.calls", property);
    }
    BucketRegistry registry = new BucketRegistry();
    registry.config().meterFilter(new PropertiesMeterFilter(properties));
    Greeter greeter = RpcProxy.builder(Greeter.class).name("greeter")
        .transport(Transports.inline((Greeter) name -> "hello " + name))
        .meterRegistry(registry)
        .build();
    greeter.hello("you");
    Timer calls = registry.get("rpc.client.calls").tags("method", "hello", "outcome", "success").timer();
    assertThat(calls.count()).isEqualTo(1);
    return calls.takeSnapshot().histogramCounts().length;
  }

  /** Keeps histogram buckets as Prometheus's registry does (the simple registry keeps none). */
  private static final class BucketRegistry extends SimpleMeterRegistry {
    @Override
    protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
      return new CumulativeTimer(id, clock, config, pauseDetector, getBaseTimeUnit(), true);
    }
  }
}
