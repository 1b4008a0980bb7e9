package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

class RetryTest {
  interface Service {
    @Idempotent
    int read(int id);

    int write(int id);

    @Idempotent
    CompletableFuture<Integer> readAsync(int id);
  }

  private final FakeTime time = new FakeTime();
  private final AtomicInteger calls = new AtomicInteger();
  private volatile IntSupplier behaviour = () -> 1;
  private final Service target = new Service() {
    @Override
    public int read(int id) {
      calls.incrementAndGet();
      return behaviour.getAsInt();
    }

    @Override
    public int write(int id) {
      calls.incrementAndGet();
      return behaviour.getAsInt();
    }

    @Override
    public CompletableFuture<Integer> readAsync(int id) {
      calls.incrementAndGet();
      try {
        return CompletableFuture.completedFuture(behaviour.getAsInt());
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
  };

  private static final CircuitBreakerConfig NEVER_OPENS = CircuitBreakerConfig.custom()
      .slidingWindowSize(1000).minimumNumberOfCalls(1000).build();

  private Service client(RetryPolicy retry, Duration timeout) {
    return RpcProxy.builder(Service.class).name("svc").transport(Transports.inline(target)).timeSource(time)
        .policy(Policy.builder().timeout(timeout).retry(retry).circuitBreaker(NEVER_OPENS).build())
        .build();
  }

  private static RetryPolicy.Builder noJitter() {
    return RetryPolicy.builder().jitter(0).backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
  }

  private IntSupplier failTimes(int n, RuntimeException e, int answer) {
    AtomicInteger left = new AtomicInteger(n);
    return () -> {
      if (left.getAndDecrement() > 0) {
        throw e;
      }
      return answer;
    };
  }

  @Test
  void retriesRetryableFailuresOfIdempotentMethodsWithExponentialBackoff() {
    Service svc = client(noJitter().maxAttempts(3).build(), Duration.ofSeconds(10));
    behaviour = failTimes(2, Failures.unavailable(), 9);
    assertThat(svc.read(1)).isEqualTo(9);
    assertThat(calls).hasValue(3);
    assertThat(time.slept()).isEqualTo(Duration.ofMillis(100 + 200));
  }

  @Test
  void givesUpAfterMaxAttemptsWithTheLastFailure() {
    Service svc = client(noJitter().maxAttempts(3).build(), Duration.ofSeconds(10));
    behaviour = () -> { throw Failures.unavailable(); };
    assertThatThrownBy(() -> svc.read(1)).isInstanceOf(RemoteCallException.class);
    assertThat(calls).hasValue(3);
  }

  @Test
  void neverRetriesNonIdempotentMethods() {
    Service svc = client(noJitter().maxAttempts(5).build(), Duration.ofSeconds(10));
    behaviour = () -> { throw Failures.unavailable(); };
    assertThatThrownBy(() -> svc.write(1)).isInstanceOf(RemoteCallException.class);
    assertThat(calls).hasValue(1);
  }

  @Test
  void neverRetriesCallerErrorsOrNonRetryableFailures() {
    Service svc = client(noJitter().maxAttempts(5).build(), Duration.ofSeconds(10));
    behaviour = () -> { throw Failures.badRequest(); };
    assertThatThrownBy(() -> svc.read(1)).isInstanceOf(RemoteCallException.class);
    behaviour = () -> { throw Failures.notImplemented(); };
    assertThatThrownBy(() -> svc.read(1)).isInstanceOf(RemoteCallException.class);
    behaviour = () -> { throw new IllegalStateException("a bug in the target"); };
    assertThatThrownBy(() -> svc.read(1)).isInstanceOf(IllegalStateException.class);
    behaviour = () -> { throw new IllegalArgumentException("id must be positive"); };
    assertThatThrownBy(() -> svc.read(1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(calls).hasValue(4);
  }

  @Test
  void noRetriesWithoutARetryPolicy() {
    Service svc = RpcProxy.builder(Service.class).transport(Transports.inline(target)).timeSource(time).build();
    behaviour = () -> { throw Failures.unavailable(); };
    assertThatThrownBy(() -> svc.read(1)).isInstanceOf(RemoteCallException.class);
    assertThat(calls).hasValue(1);
  }

  @Test
  void stopsWhenTheBackoffWouldPassTheDeadline() {
    // 100 ms then 200 ms of backoff; the third attempt would start at 300 ms > 250 ms deadline.
    Service svc = client(noJitter().maxAttempts(10).build(), Duration.ofMillis(250));
    behaviour = () -> { throw Failures.unavailable(); };
    assertThatThrownBy(() -> svc.read(1)).isInstanceOf(RemoteCallException.class);
    assertThat(calls).hasValue(2);
    assertThat(time.slept()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void honoursRetryAfterButNotPastTheDeadline() {
    Service svc = client(noJitter().maxAttempts(3).build(), Duration.ofSeconds(10));
    behaviour = failTimes(1, Failures.unavailable(Duration.ofSeconds(2)), 5);
    assertThat(svc.read(1)).isEqualTo(5);
    assertThat(time.slept()).isEqualTo(Duration.ofSeconds(2));

    calls.set(0);
    Service hurried = client(noJitter().maxAttempts(3).build(), Duration.ofSeconds(1));
    behaviour = failTimes(1, Failures.unavailable(Duration.ofSeconds(2)), 5);
    assertThatThrownBy(() -> hurried.read(1)).isInstanceOf(RemoteCallException.class);
    assertThat(calls).as("a Retry-After beyond the deadline means no retry").hasValue(1);
  }

  @Test
  void budgetCapsRetriesInAnOutage() {
    // 20% of calls, no floor: 100 failing calls may add at most 20 retries, not 200.
    RetryPolicy retry = noJitter().backoff(Duration.ZERO, Duration.ZERO).maxAttempts(3)
        .budget(0.2, 0, Duration.ofSeconds(10)).build();
    Service svc = client(retry, Duration.ofSeconds(10));
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 100; i++) {
      assertThatThrownBy(() -> svc.read(1)).isInstanceOf(RemoteCallException.class);
    }
    assertThat(calls.get() - 100).isBetween(15, 20);
  }

  @Test
  void budgetFloorAllowsRetriesAtLowVolumeAndRefillsAfterTheWindow() {
    RetryPolicy retry = noJitter().backoff(Duration.ZERO, Duration.ZERO).maxAttempts(2)
        .budget(0.0, 1, Duration.ofSeconds(10)).build(); // floor: 10 retries per 10 s
    Service svc = client(retry, Duration.ofSeconds(10));
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 15; i++) {
      assertThatThrownBy(() -> svc.read(1)).isInstanceOf(RemoteCallException.class);
    }
    assertThat(calls.get() - 15).isEqualTo(10);

    time.advance(Duration.ofSeconds(11));
    calls.set(0);
    assertThatThrownBy(() -> svc.read(1)).isInstanceOf(RemoteCallException.class);
    assertThat(calls).as("the window moved on: retries allowed again").hasValue(2);
  }

  @Test
  void jitterKeepsWaitsWithinTheConfiguredShare() {
    RetryPolicy retry = RetryPolicy.builder().maxAttempts(2).jitter(0.5)
        .backoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build();
    Service svc = client(retry, Duration.ofSeconds(10));
    for (int i = 0; i < 20; i++) {
      behaviour = failTimes(1, Failures.unavailable(), 1);
      Duration before = time.slept();
      svc.read(1);
      Duration waited = time.slept().minus(before);
      assertThat(waited).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    }
  }

  @Test
  void asyncRetriesWaitOnTheTimerNotTheCaller() throws Exception {
    Service svc = client(noJitter().maxAttempts(3).build(), Duration.ofSeconds(10));
    behaviour = failTimes(2, Failures.reset(), 4);
    CompletableFuture<Integer> result = svc.readAsync(1);
    assertThat(result).isNotDone();
    assertThat(calls).hasValue(1);
    time.advance(Duration.ofMillis(100));
    assertThat(calls).hasValue(2);
    time.advance(Duration.ofMillis(200));
    assertThat(result.get()).isEqualTo(4);
    assertThat(time.slept()).as("no caller thread slept").isZero();
  }

  @Test
  void asyncRetriesStopAtTheDeadline() {
    Service svc = client(noJitter().maxAttempts(10).build(), Duration.ofMillis(250));
    behaviour = () -> { throw Failures.unavailable(); };
    CompletableFuture<Integer> result = svc.readAsync(1);
    time.advance(Duration.ofSeconds(1));
    assertThat(result).isCompletedExceptionally();
    assertThatThrownBy(result::get).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RemoteCallException.class);
    assertThat(calls).hasValue(2);
  }
}
