package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** An adaptive limit through the proxy, on fake time: what ends a call tells the limit. */
class AdaptiveLimitTest {
  interface Service {
    CompletableFuture<String> pending(String id);
  }

  private final FakeTime time = new FakeTime();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ConcurrentLinkedQueue<CompletableFuture<String>> held = new ConcurrentLinkedQueue<>();

  private Service client(int initialLimit) {
    Service target = id -> {
      CompletableFuture<String> f = new CompletableFuture<>();
      held.add(f);
      return f;
    };
    return RpcProxy.builder(Service.class).name("svc").transport(Transports.inline(target)).timeSource(time)
        .policy(Policy.builder().timeout(Duration.ofSeconds(1))
            .concurrencyLimit(ConcurrencyLimit.adaptiveBuilder().initialLimit(initialLimit).build()).build())
        .meterRegistry(registry).build();
  }

  private double limitGauge() {
    return registry.get("rpc.client.concurrency.limit").tag("client", "svc").gauge().value();
  }

  private double count(String outcome) {
    var timer = registry.find("rpc.client.calls").tags("client", "svc", "outcome", outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  @Test
  void callsOverTheLimitAreRejectedAsBulkheadFull() {
    Service svc = client(3);
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(svc.pending("x"));
    }
    assertThat(held).hasSize(3);
    assertThatThrownBy(() -> calls.get(4).join()).hasCauseInstanceOf(BulkheadFullException.class)
        .satisfies(e -> assertThat(e.getCause().getStackTrace()).isEmpty())
        .satisfies(e -> assertThat(e.getCause().getMessage()).contains("svc.pending"));
    assertThat(count("bulkhead_full")).isEqualTo(2.0);
    assertThat(limitGauge()).isEqualTo(3.0);
    assertThat(registry.find("resilience4j.bulkhead.available.concurrent.calls").gauges()).isEmpty();
    held.forEach(f -> f.complete("ok"));
  }

  /** The limiter does not read its first window (cold start): ten calls of 100 ms fill it. */
  private void firstWindow(Service svc) {
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      calls.add(svc.pending("warm"));
    }
    time.advance(Duration.ofMillis(100));
    held.forEach(f -> f.complete("ok"));
    held.clear();
    assertThat(calls).allSatisfy(f -> assertThat(f).isCompletedWithValue("ok"));
  }

  @Test
  void timeoutsLowerTheLimit() {
    Service svc = client(10);
    firstWindow(svc);
    for (int i = 0; i < 10; i++) {
      svc.pending("x");
    }
    time.advance(Duration.ofSeconds(2)); // every call times out
    assertThat(count("timeout")).isEqualTo(10.0);
    assertThat(limitGauge()).isEqualTo(9.0);
  }

  @Test
  void theServicesFailuresLowerTheLimitAndTheCallersErrorsAndCancellationsDoNot() {
    Service svc = client(10);
    firstWindow(svc);
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      calls.add(svc.pending("x"));
    }
    time.advance(Duration.ofMillis(200));
    held.forEach(f -> f.completeExceptionally(new IllegalArgumentException("caller's fault")));
    held.clear();
    assertThat(count("client_error")).isEqualTo(10.0);
    assertThat(limitGauge()).isEqualTo(10.0);

    calls.clear();
    for (int i = 0; i < 10; i++) {
      calls.add(svc.pending("x"));
    }
    time.advance(Duration.ofMillis(200));
    calls.forEach(f -> f.cancel(true));
    held.clear();
    assertThat(count("cancelled")).isEqualTo(10.0);
    assertThat(limitGauge()).isEqualTo(10.0);

    for (int i = 0; i < 10; i++) {
      svc.pending("x");
    }
    time.advance(Duration.ofMillis(200));
    held.forEach(f -> f.completeExceptionally(new IllegalStateException("service's fault")));
    assertThat(count("failure")).isEqualTo(10.0);
    assertThat(limitGauge()).isEqualTo(9.0);
  }
}
