package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The client-side rate limit. Resilience4j's limiter reads the client's time source, so periods
 * and waits here pass on the fake time.
 */
class RateLimitTest {
  interface Menu {
    String dish(String name);

    String slowDish(String name);

    CompletableFuture<String> dishAsync(String name);
  }

  private final FakeTime time = new FakeTime();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicInteger sent = new AtomicInteger();
  private final Menu target = new Menu() {
    @Override
    public String dish(String name) {
      sent.incrementAndGet();
      return "dish:" + name;
    }

    @Override
    public String slowDish(String name) {
      return dish(name);
    }

    @Override
    public CompletableFuture<String> dishAsync(String name) {
      return CompletableFuture.completedFuture(dish(name));
    }
  };

  private RpcProxy.Builder<Menu> builder(Policy policy) {
    return RpcProxy.builder(Menu.class).name("menu").transport(Transports.inline(target)).timeSource(time)
        .policy(policy).meterRegistry(registry);
  }

  private double count(String method, String outcome) {
    var timer = registry.find("rpc.client.calls").tags("client", "menu", "method", method, "outcome", outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  @Test
  void callsBeyondThePermitsAreRejectedAtOnceSyncAndAsyncAndCountedByNothingElse() {
    Menu menu = builder(Policy.builder().rateLimit(2, Duration.ofHours(1)).maxConcurrentCalls(5).build()).build();
    assertThat(menu.dish("a")).isEqualTo("dish:a");
    assertThat(menu.dishAsync("b").join()).isEqualTo("dish:b");

    assertThatThrownBy(() -> menu.dish("c"))
        .isInstanceOf(RateLimitedException.class)
        .hasMessageContaining("menu.dish")
        .hasMessageContaining("rate limit of 2 calls per PT1H")
        .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
    CompletableFuture<String> async = menu.dishAsync("d");
    assertThat(async).isCompletedExceptionally();
    assertThatThrownBy(async::join).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(RateLimitedException.class);

    assertThat(sent.get()).isEqualTo(2);
    assertThat(time.slept()).isZero();
    assertThat(count("dish", "rate_limited")).isEqualTo(1.0);
    assertThat(count("dishAsync", "rate_limited")).isEqualTo(1.0);
    assertThat(count("dish", "bulkhead_full") + count("dishAsync", "bulkhead_full")).isZero();
    // Not the breaker's business, and no permit of the concurrency limit is held.
    assertThat(registry.get("resilience4j.circuitbreaker.buffered.calls").tags("name", "menu", "kind", "failed")
        .gauge().value()).isZero();
    assertThat(registry.get("resilience4j.bulkhead.available.concurrent.calls").tag("name", "menu")
        .gauge().value()).isEqualTo(5.0);
  }

  @Test
  void theOptionalWaitIsBoundedByTheCallsDeadline() {
    Menu menu = builder(Policy.builder().rateLimit(1, Duration.ofMinutes(1), Duration.ofMinutes(2))
        .timeout(Duration.ofSeconds(5)).build())
        .policy("slowDish", Policy.builder().timeout(Duration.ofSeconds(90)).build())
        .build();
    assertThat(menu.dish("a")).isEqualTo("dish:a");

    // The next permit is a minute away: past this call's 5 s deadline, so it is not waited for.
    assertThatThrownBy(() -> menu.dish("b")).isInstanceOf(RateLimitedException.class);
    assertThat(time.slept()).isZero();
    assertThat(count("dish", "rate_limited")).isEqualTo(1.0);

    // A call with 90 s to live waits for it (on the fake time) and goes through.
    assertThat(menu.slowDish("c")).isEqualTo("dish:c");
    assertThat(time.slept()).isBetween(Duration.ofSeconds(50), Duration.ofMinutes(1));
    var timer = registry.get("rpc.client.calls").tags("method", "slowDish", "outcome", "success").timer();
    assertThat(timer.totalTime(TimeUnit.SECONDS)).isGreaterThanOrEqualTo(50);
    assertThat(sent.get()).isEqualTo(2);
  }

  @Test
  void aFallbackMayAnswerARateLimitedCallSyncAndAsync() {
    Menu menu = builder(Policy.builder().rateLimit(1, Duration.ofHours(1)).build())
        .fallback(Fallbacks.value("later")).build();
    assertThat(menu.dish("a")).isEqualTo("dish:a");
    assertThat(menu.dish("b")).isEqualTo("later");
    assertThat(menu.dishAsync("c").join()).isEqualTo("later");
    assertThat(sent.get()).isEqualTo(1);
    assertThat(count("dish", "rate_limited")).isEqualTo(1.0);
    assertThat(registry.get("rpc.client.fallbacks").tags("method", "dish").counter().count()).isEqualTo(1.0);
    assertThat(registry.get("rpc.client.fallbacks").tags("method", "dishAsync").counter().count()).isEqualTo(1.0);
  }

  @Test
  void aMethodWithItsOwnRateLimitDoesNotShareTheClients() {
    Menu menu = builder(Policy.builder().rateLimit(1, Duration.ofHours(1)).build())
        .policy("slowDish", Policy.builder().rateLimit(2, Duration.ofHours(1)).build())
        .build();
    assertThat(menu.dish("a")).isEqualTo("dish:a");
    assertThat(menu.slowDish("b")).isEqualTo("dish:b");
    assertThat(menu.slowDish("c")).isEqualTo("dish:c");
    assertThatThrownBy(() -> menu.slowDish("d")).isInstanceOf(RateLimitedException.class);
    assertThatThrownBy(() -> menu.dishAsync("e").join()).hasCauseInstanceOf(RateLimitedException.class);
  }

  @Test
  void permitsComeBackWhenThePeriodPassesOnTheClientsTimeAndAreShownAsAGauge() {
    Menu menu = builder(Policy.builder().rateLimit(2, Duration.ofHours(1)).build()).build();
    assertThat(menu.dish("a")).isEqualTo("dish:a");
    assertThat(registry.get("resilience4j.ratelimiter.available.permissions").tag("name", "menu")
        .gauge().value()).isEqualTo(1.0);
    assertThat(menu.dish("b")).isEqualTo("dish:b");
    assertThatThrownBy(() -> menu.dish("c")).isInstanceOf(RateLimitedException.class);

    time.advance(Duration.ofMinutes(59));
    assertThatThrownBy(() -> menu.dish("d")).isInstanceOf(RateLimitedException.class);
    time.advance(Duration.ofMinutes(1));
    assertThat(menu.dish("e")).isEqualTo("dish:e");
    assertThat(registry.get("resilience4j.ratelimiter.available.permissions").tag("name", "menu")
        .gauge().value()).isEqualTo(1.0);
    assertThat(sent.get()).isEqualTo(3);
    assertThat(time.slept()).isZero();
  }
}
