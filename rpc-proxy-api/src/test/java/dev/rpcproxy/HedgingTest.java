package dev.rpcproxy;

import static dev.rpcproxy.testing.ScriptedTransport.answer;
import static dev.rpcproxy.testing.ScriptedTransport.fail;
import static dev.rpcproxy.testing.ScriptedTransport.hang;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.AttemptKind;
import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import dev.rpcproxy.testing.ScriptedTransport;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Hedged attempts on {@link FakeTime}: when they are sent, who wins, what is recorded. */
class HedgingTest {
  interface Api {
    CompletableFuture<String> getAsync(String id);

    String get(String id);

    @Idempotent
    CompletableFuture<String> readAsync(String id);
  }

  private final FakeTime time = new FakeTime();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ScriptedTransport transport = new ScriptedTransport();

  private Api client(Policy policy) {
    return RpcProxy.builder(Api.class).name("hedged").transport(transport).timeSource(time).meterRegistry(registry)
        .policy(policy).build();
  }

  private static Policy.Builder hedging(int attempts, Duration delay) {
    return Policy.builder().timeout(Duration.ofSeconds(1))
        .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(100).minimumNumberOfCalls(100).build())
        .hedge(HedgePolicy.builder().maxAttempts(attempts).delay(delay).build());
  }

  private double attempts(String kind) {
    return registry.get("rpc.client.attempts").tags("method", "getAsync", "kind", kind).counter().count();
  }

  private double breakerCalls(String kind) {
    return registry.get("resilience4j.circuitbreaker.buffered.calls").tags("name", "hedged", "kind", kind)
        .gauge().value();
  }

  @Test
  void aSlowFirstAttemptIsHedgedAfterTheDelayAndTheFirstSuccessWins() {
    transport.then(hang(), hang());
    Api api = client(hedging(2, Duration.ofMillis(20)).build());

    CompletableFuture<String> call = api.getAsync("x");
    time.advance(Duration.ofMillis(19));
    assertThat(transport.attempts()).hasSize(1);
    time.advance(Duration.ofMillis(1));
    assertThat(transport.attempts()).extracting(AttemptContext::kind)
        .containsExactly(AttemptKind.FIRST, AttemptKind.HEDGE);

    transport.pending().get(1).complete("from the hedge");
    assertThat(call.join()).isEqualTo("from the hedge");
    // The loser is cancelled at once and not recorded by the breaker.
    assertThat(transport.pending().get(0)).isCancelled();
    assertThat(breakerCalls("successful")).isEqualTo(1);
    assertThat(breakerCalls("failed")).isZero();
    assertThat(attempts("first")).isEqualTo(1);
    assertThat(attempts("hedge")).isEqualTo(1);
    assertThat(registry.get("rpc.client.calls").tags("method", "getAsync", "outcome", "success").timer().count())
        .isEqualTo(1);
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void aFastAnswerSendsNoHedge() {
    transport.then(answer("fast"));
    Api api = client(hedging(3, Duration.ofMillis(20)).build());
    assertThat(api.getAsync("x").join()).isEqualTo("fast");
    time.advance(Duration.ofSeconds(1));
    assertThat(transport.attempts()).hasSize(1);
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void hedgesAreSpacedByTheDelayUpToMaxAttempts() {
    transport.then(hang(), hang(), hang());
    Api api = client(hedging(3, Duration.ofMillis(20)).build());
    CompletableFuture<String> call = api.getAsync("x");
    time.advance(Duration.ofMillis(20));
    time.advance(Duration.ofMillis(20));
    time.advance(Duration.ofMillis(100));
    assertThat(transport.attempts()).extracting(AttemptContext::kind)
        .containsExactly(AttemptKind.FIRST, AttemptKind.HEDGE, AttemptKind.HEDGE);
    transport.pending().get(0).complete("first after all");
    assertThat(call.join()).isEqualTo("first after all");
    assertThat(transport.pending().get(1)).isCancelled();
    assertThat(transport.pending().get(2)).isCancelled();
  }

  @Test
  void aRetryableFailureSendsTheNextHedgeAtOnce() {
    transport.then(hang(), fail(Failures.unavailable()), hang());
    Api api = client(hedging(3, Duration.ofMillis(50)).build());
    CompletableFuture<String> call = api.getAsync("x");
    time.advance(Duration.ofMillis(50)); // hedge 1 fails at once: hedge 2 goes without waiting
    assertThat(transport.attempts()).hasSize(3);
    transport.pending().get(1).complete("second hedge");
    assertThat(call.join()).isEqualTo("second hedge");
    assertThat(transport.pending().get(0)).isCancelled();
  }

  @Test
  void aCallersErrorFromAnyAttemptEndsTheCall() {
    transport.then(hang(), fail(Failures.badRequest()));
    Api api = client(hedging(2, Duration.ofMillis(20)).build());
    CompletableFuture<String> call = api.getAsync("x");
    time.advance(Duration.ofMillis(20));
    assertThatThrownBy(call::join).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(RemoteCallException.class);
    assertThat(transport.pending().get(0)).isCancelled();
    assertThat(registry.get("rpc.client.calls").tags("method", "getAsync", "outcome", "client_error").timer().count())
        .isEqualTo(1);
  }

  @Test
  void noHedgeWhenTheDeadlineLeavesLessThanTheDelay() {
    transport.then(hang());
    Api api = client(hedging(2, Duration.ofMillis(20)).timeout(Duration.ofMillis(15)).build());
    CompletableFuture<String> call = api.getAsync("x");
    time.advance(Duration.ofMillis(30));
    assertThat(transport.attempts()).hasSize(1);
    assertThatThrownBy(call::join).hasCauseInstanceOf(RpcTimeoutException.class);
  }

  @Test
  void noHedgeOnceTheBudgetIsSpent() {
    transport.otherwise(hang());
    RetryPolicy noBudget = RetryPolicy.builder().maxAttempts(2).budget(0.0, 0, Duration.ofSeconds(10)).build();
    Api api = client(hedging(2, Duration.ofMillis(20)).retry(noBudget).build());
    api.getAsync("x");
    time.advance(Duration.ofMillis(100));
    assertThat(transport.attempts()).hasSize(1);
  }

  @Test
  void noHedgeWhenTheBulkheadHasNoRoom() {
    transport.otherwise(hang());
    Api api = client(hedging(2, Duration.ofMillis(20)).maxConcurrentCalls(1).build());
    api.getAsync("x");
    time.advance(Duration.ofMillis(100));
    assertThat(transport.attempts()).hasSize(1);
  }

  @Test
  void noHedgeWhileTheBreakerIsNotClosed() {
    transport.then(fail(Failures.unavailable()), fail(Failures.unavailable())).otherwise(hang());
    Api api = client(hedging(2, Duration.ofMillis(20))
        .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(2).minimumNumberOfCalls(2)
            .waitDurationInOpenState(Duration.ofMillis(10)).permittedNumberOfCallsInHalfOpenState(1).build())
        .build());
    api.getAsync("1").exceptionally(e -> null);
    api.getAsync("2").exceptionally(e -> null);
    time.advance(Duration.ofMillis(11)); // open -> half-open on the next call
    int before = transport.attempts().size();
    api.getAsync("3");
    time.advance(Duration.ofMillis(100));
    assertThat(transport.attempts()).hasSize(before + 1);
  }

  @Test
  void aHedgedBlockingCallWaitsForTheWinner() throws Exception {
    transport.then(hang(), hang());
    Api api = RpcProxy.builder(Api.class).name("hedged").transport(transport).timeSource(time)
        .policy(hedging(2, Duration.ofMillis(20)).build()).build();
    AtomicReference<String> result = new AtomicReference<>();
    Thread caller = new Thread(() -> result.set(api.get("x")));
    caller.start();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (transport.attempts().isEmpty() && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    time.advance(Duration.ofMillis(20));
    assertThat(transport.attempts()).hasSize(2);
    transport.pending().get(1).complete("hedge");
    caller.join(5_000);
    assertThat(result).hasValue("hedge");
  }

  @Test
  void aMethodOverrideHedgingANonIdempotentMethodFailsTheBuild() {
    transport.idempotent(false);
    assertThatThrownBy(() -> RpcProxy.builder(Api.class).transport(transport)
        .policy("getAsync", Policy.builder().hedge(HedgePolicy.builder().build()).build()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("getAsync")
        .hasMessageContaining("idempotent");
  }

  @Test
  void aClientWideHedgeSkipsNonIdempotentMethods() {
    transport.idempotent(false).otherwise(hang());
    Api api = client(hedging(2, Duration.ofMillis(20)).build());
    api.getAsync("x");
    time.advance(Duration.ofMillis(100));
    assertThat(transport.attempts()).hasSize(1);
    // @Idempotent on the method makes it hedgeable again.
    api.readAsync("y");
    time.advance(Duration.ofMillis(20));
    assertThat(transport.attempts()).hasSize(3);
  }

  @Test
  void anAdaptiveDelayFollowsTheMethodsRecentLatency() {
    Api api = client(Policy.builder().timeout(Duration.ofSeconds(1))
        .hedge(HedgePolicy.builder().maxAttempts(2)
            .delayAtPercentile(90, Duration.ofMillis(5), Duration.ofMillis(500)).build())
        .build());
    // Until 20 latencies are known the delay is the maximum.
    transport.then(hang());
    api.getAsync("cold");
    time.advance(Duration.ofMillis(499));
    assertThat(transport.attempts()).hasSize(1);
    transport.pending().get(0).complete("x");
    // 30 answers of 40 ms: the 90th percentile is about 40 ms (a bucket bound within 19%).
    for (int i = 0; i < 30; i++) {
      transport.then(hang());
      CompletableFuture<String> call = api.getAsync("warm" + i);
      time.advance(Duration.ofMillis(40));
      transport.pending().get(transport.pending().size() - 1).complete("ok");
      call.join();
    }
    time.advance(Duration.ofMillis(200)); // the cached delay is refreshed
    int before = transport.attempts().size();
    transport.then(hang(), hang());
    api.getAsync("measured");
    time.advance(Duration.ofMillis(39));
    assertThat(transport.attempts()).hasSize(before + 1);
    time.advance(Duration.ofMillis(10));
    assertThat(transport.attempts()).hasSize(before + 2);
  }
}
