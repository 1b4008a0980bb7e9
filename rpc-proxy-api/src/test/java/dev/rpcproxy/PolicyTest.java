package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PolicyTest {
  @Test
  void anOverrideInheritsEverythingItDoesNotSet() {
    CircuitBreakerConfig breaker = CircuitBreakerConfig.custom().slidingWindowSize(7).build();
    RetryPolicy retry = RetryPolicy.builder().maxAttempts(4).build();
    Policy client = Policy.builder().timeout(Duration.ofMillis(300)).maxConcurrentCalls(16)
        .circuitBreaker(breaker).retry(retry).build().inheritingFrom(Policy.defaults());
    Policy method = Policy.builder().timeout(Duration.ofSeconds(2)).build().inheritingFrom(client);

    assertThat(method.timeout()).contains(Duration.ofSeconds(2));
    assertThat(method.maxConcurrentCalls()).contains(16);
    assertThat(method.circuitBreaker()).containsSame(breaker);
    assertThat(method.retry()).containsSame(retry);
    assertThat(method.maxWaitForPermit()).contains(Duration.ZERO);
    assertThat(method.circuitBreakerPerMethod()).contains(false);
  }

  @Test
  void defaultsAreComplete() {
    Policy d = Policy.defaults();
    assertThat(d.timeout()).contains(Duration.ofSeconds(10));
    assertThat(d.maxConcurrentCalls()).contains(64);
    assertThat(d.retry()).containsSame(RetryPolicy.none());
    assertThat(d.circuitBreaker().orElseThrow().getSlidingWindowSize()).isEqualTo(20);
    assertThat(d.circuitBreaker().orElseThrow().getMinimumNumberOfCalls()).isEqualTo(10);
  }

  interface Slow {
    CompletableFuture<String> fast();

    CompletableFuture<String> slow();
  }

  @Test
  void perMethodTimeoutOverridesTheClientsAndKeepsTheRest() {
    FakeTime time = new FakeTime();
    Slow target = new Slow() {
      @Override
      public CompletableFuture<String> fast() {
        return new CompletableFuture<>();
      }

      @Override
      public CompletableFuture<String> slow() {
        return new CompletableFuture<>();
      }
    };
    Slow slow = RpcProxy.builder(Slow.class).transport(Transports.inline(target)).timeSource(time)
        .policy(Policy.builder().timeout(Duration.ofMillis(300)).build())
        .policy("slow", Policy.builder().timeout(Duration.ofSeconds(2)).build())
        .build();
    CompletableFuture<String> a = slow.fast();
    CompletableFuture<String> b = slow.slow();
    time.advance(Duration.ofMillis(301));
    assertThat(a).isCompletedExceptionally();
    assertThat(b).isNotDone();
    time.advance(Duration.ofSeconds(2));
    assertThatThrownBy(b::join).hasCauseInstanceOf(RpcTimeoutException.class)
        .hasMessageContaining("timed out after 2000 ms");
  }

  @Test
  void aBreakerThatWouldCountReturnedValuesIsRefusedSayingWhy() {
    CircuitBreakerConfig byResult = CircuitBreakerConfig.custom().recordResult(result -> result == null).build();
    assertThatThrownBy(() -> Policy.builder().circuitBreaker(byResult))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("recordResult")
        .hasMessageContaining("FailureClassifier");
    // Every other setting of Resilience4j's config is taken as it is.
    assertThat(Policy.builder().circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(7).build()).build()
        .circuitBreaker()).isPresent();
  }
}
