package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.spi.AttemptKind;
import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import dev.rpcproxy.testing.ScriptedStreams;
import dev.rpcproxy.testing.ScriptedStreams.StreamAttempt;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/**
 * Hedged server streams on {@link FakeTime}: hedges only before the first message (gRFC A6's
 * commit), under the unary rules (idempotent, budget, room, breaker closed, deadline), the first
 * attempt to send a message or to end wins, and the permit comes back in every ending.
 */
class StreamHedgingTest {
  interface Watcher {
    Flow.Publisher<String> watch(String filter);
  }

  private final FakeTime time = new FakeTime();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ScriptedStreams transport = new ScriptedStreams();

  private Watcher client(Policy policy) {
    return RpcProxy.builder(Watcher.class).name("streams").transport(transport).timeSource(time)
        .meterRegistry(registry).policy(policy).build();
  }

  private static Policy.Builder hedging(int attempts, Duration delay) {
    return Policy.builder().timeout(Duration.ofSeconds(10))
        .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(100).minimumNumberOfCalls(100).build())
        .hedge(HedgePolicy.builder().maxAttempts(attempts).delay(delay).build());
  }

  private static Collector watch(Watcher watcher) {
    Collector collector = new Collector(Long.MAX_VALUE);
    watcher.watch("open").subscribe(collector);
    return collector;
  }

  private List<AttemptKind> kinds() {
    return transport.attempts().stream().map(a -> a.context().kind()).toList();
  }

  private double attempts(String kind) {
    return registry.get("rpc.client.attempts").tags("method", "watch", "kind", kind).counter().count();
  }

  private double calls(String outcome) {
    return registry.get("rpc.client.calls").tags("method", "watch", "outcome", outcome).timer().count();
  }

  private static ClientView.BreakerView breaker(Watcher watcher) {
    return RpcProxy.inspect(watcher).breakers().get(0);
  }

  private void assertEnded(Watcher watcher) {
    assertThat(RpcProxy.inspect(watcher).inFlight()).as("permits held").isZero();
    assertThat(time.pendingTasks()).as("timers left").isZero();
  }

  @Test
  void aStuckFirstAttemptIsHedgedAfterTheDelayAndTheHedgesMessagesArriveInOrder() {
    Watcher watcher = client(hedging(2, Duration.ofMillis(20)).build());
    Collector messages = watch(watcher);

    time.advance(Duration.ofMillis(19));
    assertThat(kinds()).containsExactly(AttemptKind.FIRST);
    time.advance(Duration.ofMillis(1));
    assertThat(kinds()).containsExactly(AttemptKind.FIRST, AttemptKind.HEDGE);
    assertThat(transport.attempt(1).requested()).as("the hedge is asked for what the caller asked").isPositive();

    transport.attempt(1).send("a", "b", "c");
    assertThat(transport.attempt(0).isCancelled()).as("the loser is cancelled at once").isTrue();
    transport.attempt(1).complete();

    assertThat(messages.values).containsExactly("a", "b", "c");
    assertThat(messages.completed).isTrue();
    assertThat(transport.attempt(1).isCancelled()).isFalse();
    assertThat(breaker(watcher).bufferedCalls()).as("the loser is not recorded").isEqualTo(1);
    assertThat(breaker(watcher).failedCalls()).isZero();
    assertThat(attempts("first")).isEqualTo(1);
    assertThat(attempts("hedge")).isEqualTo(1);
    assertThat(calls("success")).isEqualTo(1);
    assertEnded(watcher);
  }

  @Test
  void onlyTheCommittedAttemptsMessagesReachTheCaller() {
    Watcher watcher = client(hedging(3, Duration.ofMillis(20)).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(20));
    time.advance(Duration.ofMillis(20));
    time.advance(Duration.ofMillis(100));
    assertThat(kinds()).containsExactly(AttemptKind.FIRST, AttemptKind.HEDGE, AttemptKind.HEDGE);

    transport.attempt(0).send("first after all");
    assertThat(transport.attempt(1).isCancelled()).isTrue();
    assertThat(transport.attempt(2).isCancelled()).isTrue();
    transport.attempt(2).send("late, from a loser"); // a transport may speak after a cancel
    transport.attempt(1).fail(Failures.unavailable());
    transport.attempt(0).send("second").complete();

    assertThat(messages.values).containsExactly("first after all", "second");
    assertThat(messages.completed).isTrue();
    assertThat(breaker(watcher).bufferedCalls()).isEqualTo(1);
    assertThat(breaker(watcher).failedCalls()).isZero();
    assertEnded(watcher);
  }

  @Test
  void onceAMessageHasArrivedNoHedgeIsSent() {
    Watcher watcher = client(hedging(3, Duration.ofMillis(20)).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(5));
    transport.attempt(0).send("a");

    time.advance(Duration.ofSeconds(5));
    assertThat(transport.attempts()).hasSize(1);
    transport.attempt(0).fail(Failures.unavailable()); // after the commit: the caller's failure, no hedge
    assertThat(transport.attempts()).hasSize(1);
    assertThat(messages.values).containsExactly("a");
    assertThat(messages.error).isInstanceOf(RemoteCallException.class);
    assertEnded(watcher);
  }

  @Test
  void theHedgeDelayCountsFromTheCallersFirstRequest() {
    Watcher watcher = client(hedging(2, Duration.ofMillis(20)).build());
    Collector messages = new Collector(0);
    watcher.watch("open").subscribe(messages);

    time.advance(Duration.ofMillis(100));
    assertThat(transport.attempts()).as("nothing asked for, nothing late").hasSize(1);
    messages.subscription.request(1);
    time.advance(Duration.ofMillis(19));
    assertThat(transport.attempts()).hasSize(1);
    time.advance(Duration.ofMillis(1));
    assertThat(kinds()).containsExactly(AttemptKind.FIRST, AttemptKind.HEDGE);
    assertThat(transport.attempt(1).requested()).isEqualTo(1);

    transport.attempt(1).send("a");
    messages.subscription.cancel();
    assertEnded(watcher);
  }

  @Test
  void aRetryableFailureBeforeTheCommitSendsTheNextHedgeAtOnce() {
    Watcher watcher = client(hedging(3, Duration.ofMillis(50)).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(50));
    transport.attempt(1).fail(Failures.unavailable());

    assertThat(kinds()).containsExactly(AttemptKind.FIRST, AttemptKind.HEDGE, AttemptKind.HEDGE);
    transport.attempt(2).send("x").complete();
    assertThat(messages.values).containsExactly("x");
    assertThat(transport.attempt(0).isCancelled()).isTrue();
    assertThat(breaker(watcher).failedCalls()).isEqualTo(1);
    assertThat(breaker(watcher).bufferedCalls()).isEqualTo(2);
    assertEnded(watcher);
  }

  @Test
  void aRetryableFailureWithNoHedgeLeftLetsTheOthersGoOn() {
    Watcher watcher = client(hedging(2, Duration.ofMillis(20)).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(20));
    transport.attempt(0).fail(Failures.unavailable());

    assertThat(transport.attempts()).hasSize(2);
    assertThat(messages.error).isNull();
    transport.attempt(1).send("y").complete();
    assertThat(messages.values).containsExactly("y");
    assertThat(messages.completed).isTrue();
    assertEnded(watcher);
  }

  @Test
  void whenEveryAttemptFailedTheRetryPolicyRetriesAsUsual() {
    Watcher watcher = client(hedging(2, Duration.ofMillis(20))
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(10), Duration.ofMillis(10)).jitter(0).build())
        .build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(20));
    transport.attempt(0).fail(Failures.unavailable());
    transport.attempt(1).fail(Failures.unavailable());
    assertThat(transport.attempts()).hasSize(2);

    time.advance(Duration.ofMillis(10));
    assertThat(kinds()).containsExactly(AttemptKind.FIRST, AttemptKind.HEDGE, AttemptKind.RETRY);
    transport.attempt(2).send("z").complete();
    assertThat(messages.values).containsExactly("z");
    assertEnded(watcher);
  }

  @Test
  void aNonRetryableFailureEndsTheCallAndCancelsTheOtherAttempts() {
    Watcher watcher = client(hedging(3, Duration.ofMillis(20)).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(20));
    transport.attempt(1).fail(Failures.notImplemented());

    assertThat(messages.error).isInstanceOf(RemoteCallException.class);
    assertThat(transport.attempts()).hasSize(2);
    assertThat(transport.attempt(0).isCancelled()).isTrue();
    assertThat(calls("failure")).isEqualTo(1);
    assertThat(breaker(watcher).failedCalls()).isEqualTo(1);
    assertThat(breaker(watcher).bufferedCalls()).isEqualTo(1);
    assertEnded(watcher);
  }

  @Test
  void aCallersErrorFromAHedgeEndsTheCall() {
    Watcher watcher = client(hedging(3, Duration.ofMillis(20)).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(20));
    transport.attempt(1).fail(Failures.badRequest());

    assertThat(messages.error).isInstanceOf(RemoteCallException.class);
    assertThat(transport.attempt(0).isCancelled()).isTrue();
    assertThat(calls("client_error")).isEqualTo(1);
    assertThat(breaker(watcher).bufferedCalls()).isZero();
    assertEnded(watcher);
  }

  @Test
  void anAttemptThatEndsWithoutAMessageCommitsAnEmptyStream() {
    Watcher watcher = client(hedging(2, Duration.ofMillis(20)).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(20));
    transport.attempt(0).complete();

    assertThat(messages.values).isEmpty();
    assertThat(messages.completed).isTrue();
    assertThat(transport.attempt(1).isCancelled()).isTrue();
    transport.attempt(1).send("too late");
    assertThat(messages.values).isEmpty();
    assertThat(calls("success")).isEqualTo(1);
    assertThat(breaker(watcher).bufferedCalls()).isEqualTo(1);
    assertThat(breaker(watcher).failedCalls()).isZero();
    assertEnded(watcher);
  }

  @Test
  void theDeadlineCutsEveryAttemptInFlightAsATimeout() {
    Watcher watcher = client(hedging(2, Duration.ofMillis(20)).timeout(Duration.ofMillis(100)).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(100));

    assertThat(messages.error).isInstanceOf(RpcTimeoutException.class);
    assertThat(transport.attempt(0).isCancelled()).isTrue();
    assertThat(transport.attempt(1).isCancelled()).isTrue();
    assertThat(calls("timeout")).isEqualTo(1);
    assertThat(breaker(watcher).failedCalls()).isEqualTo(2);
    assertEnded(watcher);
  }

  @Test
  void cancellingBeforeTheCommitCancelsEveryAttemptAndRecordsNothing() {
    Watcher watcher = client(hedging(2, Duration.ofMillis(20)).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(20));
    messages.subscription.cancel();

    assertThat(transport.attempt(0).isCancelled()).isTrue();
    assertThat(transport.attempt(1).isCancelled()).isTrue();
    assertThat(calls("cancelled")).isEqualTo(1);
    assertThat(breaker(watcher).bufferedCalls()).isZero();
    assertEnded(watcher);
  }

  @Test
  void aClientWideHedgeSkipsNonIdempotentStreams() {
    transport.idempotent(false);
    Watcher watcher = client(hedging(2, Duration.ofMillis(20)).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofSeconds(1));

    assertThat(transport.attempts()).hasSize(1);
    messages.subscription.cancel();
    assertEnded(watcher);
  }

  @Test
  void aMethodOverrideHedgingANonIdempotentStreamFailsTheBuild() {
    transport.idempotent(false);
    assertThatThrownBy(() -> RpcProxy.builder(Watcher.class).transport(transport)
        .policy("watch", Policy.builder().hedge(HedgePolicy.builder().build()).build()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("watch")
        .hasMessageContaining("idempotent");
  }

  @Test
  void noHedgeOnceTheBudgetIsSpent() {
    RetryPolicy noBudget = RetryPolicy.builder().maxAttempts(2).budget(0.0, 0, Duration.ofSeconds(10)).build();
    Watcher watcher = client(hedging(2, Duration.ofMillis(20)).retry(noBudget).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(100));

    assertThat(transport.attempts()).hasSize(1);
    messages.subscription.cancel();
    assertEnded(watcher);
  }

  @Test
  void noHedgeWhenTheLimitHasNoRoom() {
    Watcher watcher = client(hedging(2, Duration.ofMillis(20)).maxConcurrentCalls(1).build());
    Collector messages = watch(watcher);
    time.advance(Duration.ofMillis(100));

    assertThat(transport.attempts()).hasSize(1);
    messages.subscription.cancel();
    assertEnded(watcher);
  }

  @Test
  void noHedgeWhenTheDeadlineLeavesLessThanTheDelay() {
    Watcher watcher = client(hedging(2, Duration.ofMillis(20)).timeout(Duration.ofMillis(15)).build());
    Collector messages = watch(watcher);
    assertThat(time.pendingTasks()).as("the deadline timer, and no hedge timer").isEqualTo(1);
    time.advance(Duration.ofMillis(30));

    assertThat(transport.attempts()).hasSize(1);
    assertThat(messages.error).isInstanceOf(RpcTimeoutException.class);
    assertEnded(watcher);
  }

  @Test
  void noHedgeWhileTheBreakerIsNotClosed() {
    Watcher watcher = client(hedging(2, Duration.ofMillis(20))
        .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(2).minimumNumberOfCalls(2)
            // Half-open lets 3 attempts through: only the rule keeps the hedge back.
            .waitDurationInOpenState(Duration.ofMillis(10)).permittedNumberOfCallsInHalfOpenState(3).build())
        .build());
    watch(watcher);
    transport.attempt(0).fail(Failures.unavailable()); // a hedge goes at once, and fails too: open
    transport.attempt(1).fail(Failures.unavailable());
    assertThat(breaker(watcher).state()).isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN);
    time.advance(Duration.ofMillis(11)); // open -> half-open on the next call

    Collector probe = watch(watcher);
    time.advance(Duration.ofMillis(100));
    assertThat(transport.attempts()).hasSize(3);
    probe.subscription.cancel();
    assertEnded(watcher);
  }

  @Test
  void theAdaptiveDelayLearnsTheTimeToTheFirstMessageNotTheStreamsLength() {
    Watcher watcher = client(Policy.builder().timeout(Duration.ofSeconds(10))
        .hedge(HedgePolicy.builder().maxAttempts(2)
            .delayAtPercentile(90, Duration.ofMillis(5), Duration.ofMillis(500)).build())
        .build());
    // 30 streams whose first message takes 40 ms and which then last 300 ms more.
    for (int i = 0; i < 30; i++) {
      Collector messages = watch(watcher);
      StreamAttempt attempt = transport.attempt(transport.attempts().size() - 1);
      time.advance(Duration.ofMillis(40));
      attempt.send("first");
      time.advance(Duration.ofMillis(300));
      attempt.send("last").complete();
      assertThat(messages.completed).isTrue();
    }
    int before = transport.attempts().size();
    assertThat(before).as("no hedge: the cold delay is the maximum").isEqualTo(30);

    watch(watcher);
    time.advance(Duration.ofMillis(39));
    assertThat(transport.attempts()).hasSize(before + 1);
    time.advance(Duration.ofMillis(10));
    assertThat(transport.attempts()).as("hedged at about 40 ms, not 340").hasSize(before + 2);
  }

  /** Collects what a stream delivers; asks for {@code initial} messages on subscribe. */
  static final class Collector implements Flow.Subscriber<String> {
    final List<String> values = new ArrayList<>();
    final long initial;
    Flow.Subscription subscription;
    Throwable error;
    boolean completed;

    Collector(long initial) {
      this.initial = initial;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (initial > 0) {
        s.request(initial);
      }
    }

    @Override
    public void onNext(String item) {
      values.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
      error = throwable;
    }

    @Override
    public void onComplete() {
      completed = true;
    }
  }
}
