package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class FallbackTest {
  interface Menu {
    String dish(String name, int size);

    CompletableFuture<String> dishAsync(String name, int size);

    byte[] photo(byte[] key);
  }

  private final FakeTime time = new FakeTime();
  private volatile Supplier<String> behaviour = () -> "ok";
  private final AtomicInteger calls = new AtomicInteger();
  private final Menu target = new Menu() {
    @Override
    public String dish(String name, int size) {
      calls.incrementAndGet();
      return behaviour.get() + ":" + name + ":" + size;
    }

    @Override
    public CompletableFuture<String> dishAsync(String name, int size) {
      try {
        return CompletableFuture.completedFuture(dish(name, size));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }

    @Override
    public byte[] photo(byte[] key) {
      calls.incrementAndGet();
      behaviour.get();
      return new byte[] {key[0]};
    }
  };

  private Menu client(Fallback fallback, SimpleMeterRegistry registry) {
    return RpcProxy.builder(Menu.class).name("menu").transport(Transports.inline(target)).timeSource(time)
        .fallback(fallback).meterRegistry(registry).build();
  }

  private static Supplier<String> failing(RuntimeException e) {
    return () -> { throw e; };
  }

  @Test
  void cachedServesTheLastGoodAnswerForTheSameArgumentsOnly() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Menu menu = client(Fallbacks.cached(100, Duration.ofMinutes(1), time), registry);
    assertThat(menu.dish("soup", 1)).isEqualTo("ok:soup:1");
    behaviour = failing(Failures.unavailable());
    assertThat(menu.dish("soup", 1)).isEqualTo("ok:soup:1");
    assertThatThrownBy(() -> menu.dish("soup", 2)).as("other arguments never get soup/1's answer")
        .isInstanceOf(RemoteCallException.class);
    assertThatThrownBy(() -> menu.dish("salad", 1)).isInstanceOf(RemoteCallException.class);
    assertThat(registry.get("rpc.client.fallbacks").tags("client", "menu", "method", "dish").counter().count())
        .isEqualTo(1);
  }

  @Test
  void cachedComparesArrayArgumentsByContent() {
    Menu menu = client(Fallbacks.cached(100, Duration.ofMinutes(1), time), new SimpleMeterRegistry());
    assertThat(menu.photo(new byte[] {7})).containsExactly(7);
    behaviour = failing(Failures.unavailable());
    assertThat(menu.photo(new byte[] {7})).containsExactly(7);
    assertThatThrownBy(() -> menu.photo(new byte[] {8})).isInstanceOf(RemoteCallException.class);
  }

  @Test
  void cachedEntriesExpireAfterMaxAge() {
    Menu menu = client(Fallbacks.cached(100, Duration.ofSeconds(30), time), new SimpleMeterRegistry());
    menu.dish("soup", 1);
    behaviour = failing(Failures.unavailable());
    time.advance(Duration.ofSeconds(29));
    assertThat(menu.dish("soup", 1)).isEqualTo("ok:soup:1");
    time.advance(Duration.ofSeconds(2));
    assertThatThrownBy(() -> menu.dish("soup", 1)).isInstanceOf(RemoteCallException.class);
  }

  @Test
  void cachedIsBoundedInSize() {
    Fallback cached = Fallbacks.cached(10, Duration.ofMinutes(1), time);
    Menu menu = client(cached, new SimpleMeterRegistry());
    for (int i = 0; i < 1000; i++) {
      menu.dish("dish", i);
    }
    assertThat(((dev.rpcproxy.internal.CachedFallback) cached).size()).isLessThanOrEqualTo(10);
  }

  @Test
  void cachedAnswersAsyncMethodsToo() {
    Menu menu = client(Fallbacks.cached(), new SimpleMeterRegistry());
    assertThat(menu.dishAsync("soup", 1).join()).isEqualTo("ok:soup:1");
    behaviour = failing(Failures.reset());
    assertThat(menu.dishAsync("soup", 1).join()).isEqualTo("ok:soup:1");
  }

  @Test
  void valueOfAndErrorFallbacks() {
    behaviour = failing(Failures.unavailable());
    assertThat(client(Fallbacks.value("default"), new SimpleMeterRegistry()).dish("a", 1)).isEqualTo("default");
    assertThat(client(Fallbacks.of(call -> call.method().getName() + "/" + call.args()[0] + "/"
        + ((RemoteCallException) call.cause()).status()), new SimpleMeterRegistry()).dish("a", 1))
        .isEqualTo("dish/a/503");
    Menu erroring = client(Fallbacks.error(call -> new IllegalStateException("menu offline", call.cause())),
        new SimpleMeterRegistry());
    assertThatThrownBy(() -> erroring.dish("a", 1)).isInstanceOf(IllegalStateException.class)
        .hasMessage("menu offline").hasCauseInstanceOf(RemoteCallException.class);
  }

  @Test
  void implementationFallbackCallsTheSameMethodOnAnotherObject() {
    behaviour = failing(Failures.unavailable());
    Menu local = new Menu() {
      @Override
      public String dish(String name, int size) {
        return "local:" + name;
      }

      @Override
      public CompletableFuture<String> dishAsync(String name, int size) {
        return CompletableFuture.completedFuture("local-async:" + name);
      }

      @Override
      public byte[] photo(byte[] key) {
        return new byte[0];
      }
    };
    Menu menu = client(Fallbacks.implementation(local), new SimpleMeterRegistry());
    assertThat(menu.dish("x", 1)).isEqualTo("local:x");
    assertThat(menu.dishAsync("y", 1).join()).as("a CompletionStage answer completes the future")
        .isEqualTo("local-async:y");
  }

  @Test
  void orElseMovesOnOnlyWhenTheFirstHasNoAnswer() {
    behaviour = failing(Failures.unavailable());
    Menu menu = client(Fallbacks.cached().orElse(Fallbacks.value("second")), new SimpleMeterRegistry());
    assertThat(menu.dish("never-cached", 1)).isEqualTo("second");

    Menu deliberate = client(Fallbacks.error(call -> new IllegalStateException("stop"))
        .orElse(Fallbacks.value("second")), new SimpleMeterRegistry());
    assertThatThrownBy(() -> deliberate.dish("a", 1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void callerErrorsNeverReachAFallback() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Menu menu = client(Fallbacks.value("should not be used"), registry);
    behaviour = failing(Failures.badRequest());
    assertThatThrownBy(() -> menu.dish("a", 1)).isInstanceOf(RemoteCallException.class);
    assertThatThrownBy(() -> menu.dishAsync("a", 1).join()).hasCauseInstanceOf(RemoteCallException.class);
    behaviour = failing(new IllegalArgumentException("size must be positive"));
    assertThatThrownBy(() -> menu.dish("a", -1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(registry.get("rpc.client.fallbacks").counter().count()).isZero();
  }

  @Test
  void aFallbackWithoutAnswerRethrowsTheOriginalException() {
    RemoteCallException original = Failures.unavailable();
    behaviour = failing(original);
    Menu menu = client(Fallbacks.cached(), new SimpleMeterRegistry());
    assertThatThrownBy(() -> menu.dish("a", 1)).isSameAs(original);
  }

  @Test
  void fallbacksAnswerRejectionsToo() {
    behaviour = failing(Failures.unavailable());
    Menu menu = RpcProxy.builder(Menu.class).transport(Transports.inline(target)).timeSource(time)
        .policy(Policy.builder().circuitBreaker(io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
            .slidingWindowSize(2).minimumNumberOfCalls(2).build()).build())
        .fallback(Fallbacks.of(call -> call.cause().getClass().getSimpleName()))
        .build();
    menu.dish("a", 1);
    menu.dish("a", 1);
    assertThat(menu.dish("a", 1)).isEqualTo("CircuitOpenException");
  }

  @Test
  void perMethodFallbackReplacesTheClients() {
    behaviour = failing(Failures.unavailable());
    Menu menu = RpcProxy.builder(Menu.class).transport(Transports.inline(target))
        .fallback(Fallbacks.value("client")).fallback("dish", Fallbacks.value("method")).build();
    assertThat(menu.dish("a", 1)).isEqualTo("method");
    assertThat(menu.dishAsync("a", 1).join()).isEqualTo("client");
  }
}
