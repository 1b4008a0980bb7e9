package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MetricsTest {
  interface Api {
    String get(String secretArgument);

    CompletableFuture<String> never();
  }

  private final FakeTime time = new FakeTime();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private volatile Supplier<String> behaviour = () -> "ok";

  private Api client() {
    Api target = new Api() {
      @Override
      public String get(String secretArgument) {
        time.advance(Duration.ofMillis(7));
        return behaviour.get();
      }

      @Override
      public CompletableFuture<String> never() {
        return new CompletableFuture<>();
      }
    };
    return RpcProxy.builder(Api.class).name("shop").transport(Transports.inline(target)).timeSource(time)
        .meterRegistry(registry)
        .policy(Policy.builder().timeout(Duration.ofSeconds(1)).circuitBreaker(CircuitBreakerConfig.custom()
            .slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(100).build()).build())
        .build();
  }

  private double count(String method, String outcome) {
    return registry.get("rpc.client.calls").tags("client", "shop", "method", method, "outcome", outcome)
        .timer().count();
  }

  @Test
  void everyCallIsTimedOnceWithItsOutcome() {
    Api api = client();
    CompletableFuture<String> pending = api.never();
    time.advance(Duration.ofSeconds(2));
    assertThat(pending).isCompletedExceptionally();
    api.get("token-123");
    behaviour = () -> { throw Failures.badRequest(); };
    assertThatThrownBy(() -> api.get("x")).isInstanceOf(RemoteCallException.class);
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> api.get("x")).isInstanceOf(RemoteCallException.class);
    }
    assertThatThrownBy(() -> api.get("x")).isInstanceOf(CircuitOpenException.class);

    assertThat(count("get", "success")).isEqualTo(1);
    assertThat(count("get", "client_error")).isEqualTo(1);
    assertThat(count("get", "failure")).isEqualTo(4);
    assertThat(count("get", "circuit_open")).isEqualTo(1);
    assertThat(count("never", "timeout")).isEqualTo(1);
    assertThat(registry.get("rpc.client.calls").tags("method", "get", "outcome", "success").timer()
        .totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(7.0);
  }

  @Test
  void callTimesCarryNoPercentileHistogramUnlessAMeterFilterTurnsItOnWithBoundedBuckets() {
    BucketRegistry lean = new BucketRegistry();
    BucketRegistry withHistogram = new BucketRegistry();
    withHistogram.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        return id.getName().equals("rpc.client.calls")
            ? DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config)
            : config;
      }
    });
    for (BucketRegistry registry : List.of(withHistogram, lean)) {
      RpcProxy.builder(Api.class).name("shop").transport(Transports.inline(new Api() {
        @Override
        public String get(String secretArgument) {
          return "ok";
        }

        @Override
        public CompletableFuture<String> never() {
          return new CompletableFuture<>();
        }
      })).meterRegistry(registry).build().get("x");
    }

    Timer full = withHistogram.get("rpc.client.calls").tags("method", "get", "outcome", "success").timer();
    Timer leanTimer = lean.get("rpc.client.calls").tags("method", "get", "outcome", "success").timer();
    assertThat(full.count()).isEqualTo(leanTimer.count()).isEqualTo(1);
    assertThat(leanTimer.takeSnapshot().histogramCounts()).isEmpty();
    // Turned on, the buckets span 1 ms to 30 s: a few dozen, not Micrometer's 276.
    var buckets = full.takeSnapshot().histogramCounts();
    assertThat(buckets).hasSizeBetween(10, 80);
    assertThat(buckets[0].bucket(java.util.concurrent.TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(1.0);
    assertThat(buckets[buckets.length - 1].bucket(java.util.concurrent.TimeUnit.SECONDS)).isLessThanOrEqualTo(30.0);
  }

  /** Keeps histogram buckets as Prometheus's registry does (the simple registry keeps none). */
  private static final class BucketRegistry extends SimpleMeterRegistry {
    @Override
    protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
      return new CumulativeTimer(id, clock, config, pauseDetector, getBaseTimeUnit(), true);
    }
  }

  @Test
  void resilience4jBindingsPublishBreakerAndBulkheadState() {
    Api api = client();
    api.get("a");
    assertThat(registry.get("resilience4j.circuitbreaker.state").tags("name", "shop", "state", "closed")
        .gauge().value()).isEqualTo(1.0);
    assertThat(registry.get("resilience4j.bulkhead.max.allowed.concurrent.calls").tags("name", "shop")
        .gauge().value()).isEqualTo(64.0);
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> api.get("x")).isInstanceOf(RemoteCallException.class);
    }
    assertThat(registry.get("resilience4j.circuitbreaker.state").tags("name", "shop", "state", "open")
        .gauge().value()).isEqualTo(1.0);
    assertThat(registry.get("resilience4j.circuitbreaker.buffered.calls").tags("name", "shop", "kind", "failed")
        .gauge().value()).isEqualTo(4.0);
    assertThat(registry.get("resilience4j.circuitbreaker.failure.rate").tags("name", "shop").gauge().value())
        .isEqualTo(100.0);
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> api.get("x")).isInstanceOf(CircuitOpenException.class);
    }
    assertThat(registry.get("resilience4j.circuitbreaker.not.permitted.calls").tags("name", "shop")
        .functionCounter().count()).isEqualTo(3.0);
  }

  @Test
  void tagValuesAreBoundedNeverArguments() {
    Api api = client();
    api.get("token-123");
    Set<String> tagValues = registry.getMeters().stream()
        .flatMap(m -> m.getId().getTags().stream())
        .map(tag -> tag.getValue())
        .collect(Collectors.toSet());
    assertThat(tagValues).doesNotContain("token-123");
    Set<String> outcomes = registry.find("rpc.client.calls").timers().stream()
        .map(t -> t.getId().getTag("outcome")).collect(Collectors.toSet());
    assertThat(outcomes).containsExactlyInAnyOrder(
        "success", "client_error", "failure", "timeout", "bulkhead_full", "circuit_open", "rate_limited",
        "cancelled");
    assertThat(registry.getMeters()).extracting(Meter::getId).extracting(id -> id.getName())
        .contains("rpc.client.calls", "rpc.client.fallbacks", "rpc.client.attempts", "rpc.client.concurrency.limit");
    Set<String> kinds = registry.find("rpc.client.attempts").counters().stream()
        .map(c -> c.getId().getTag("kind")).collect(Collectors.toSet());
    assertThat(kinds).containsExactlyInAnyOrder("first", "retry", "hedge");
    assertThat(registry.get("rpc.client.attempts").tags("kind", "first").counter().count()).isEqualTo(1.0);
  }
}
