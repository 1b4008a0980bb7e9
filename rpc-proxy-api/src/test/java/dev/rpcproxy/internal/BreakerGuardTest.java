package dev.rpcproxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The guard records the closed state itself ({@link CountWindow}): fed the same scripted calls as
 * a plain Resilience4j breaker, it must permit, open, half-open, close and report the same numbers
 * at every step.
 */
class BreakerGuardTest {
  private static final long SLOW = Duration.ofMillis(200).toNanos();
  private static final long FAST = Duration.ofMillis(2).toNanos();

  static List<Arguments> configs() {
    List<Arguments> configs = new ArrayList<>();
    configs.add(Arguments.of("window 10, min 5, 50%", (Supplier<CircuitBreakerConfig.Builder>) () ->
        CircuitBreakerConfig.custom().slidingWindowSize(10).minimumNumberOfCalls(5).failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofSeconds(1)).permittedNumberOfCallsInHalfOpenState(3)));
    configs.add(Arguments.of("window 100 (strided), min 100, 30%, slow calls", (Supplier<CircuitBreakerConfig.Builder>) () ->
        CircuitBreakerConfig.custom().slidingWindowSize(100).minimumNumberOfCalls(100).failureRateThreshold(30)
            .slowCallDurationThreshold(Duration.ofMillis(100)).slowCallRateThreshold(40)
            .waitDurationInOpenState(Duration.ofSeconds(2)).permittedNumberOfCallsInHalfOpenState(5)));
    configs.add(Arguments.of("window 7, min 20 (capped), ignored and unrecorded exceptions",
        (Supplier<CircuitBreakerConfig.Builder>) () ->
            CircuitBreakerConfig.custom().slidingWindowSize(7).minimumNumberOfCalls(20).failureRateThreshold(60)
                .recordExceptions(IOException.class).ignoreExceptions(IllegalArgumentException.class)
                .waitDurationInOpenState(Duration.ofMillis(500)).permittedNumberOfCallsInHalfOpenState(2)));
    configs.add(Arguments.of("defaults (window 100, min 100, 50%)",
        (Supplier<CircuitBreakerConfig.Builder>) CircuitBreakerConfig::custom));
    return configs;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void decidesAsResilience4jDoesOnScriptedCalls(String name, Supplier<CircuitBreakerConfig.Builder> config) {
    for (long seed = 1; seed <= 8; seed++) {
      replay(config, seed);
    }
  }

  private void replay(Supplier<CircuitBreakerConfig.Builder> config, long seed) {
    FakeTime time = new FakeTime();
    CircuitBreaker reference = CircuitBreaker.of("reference", config.get().clock(time.clock()).build());
    BreakerGuard guard = new BreakerGuard(
        CircuitBreaker.of("guarded", config.get().clock(time.clock()).build()), "test", time);
    Random random = new Random(seed);
    double failureShare = 0.1;
    Set<CircuitBreaker.State> seen = EnumSet.noneOf(CircuitBreaker.State.class);
    for (int step = 0; step < 3_000; step++) {
      String where = "seed " + seed + ", step " + step;
      if (step % 150 == 0) {
        failureShare = new double[] {0.05, 0.35, 0.7, 0.95}[random.nextInt(4)];
      }
      time.advance(Duration.ofMillis(random.nextInt(10) == 0 ? 400 + random.nextInt(800) : random.nextInt(20)));
      long now = time.nanoTime();
      boolean expected = reference.tryAcquirePermission();
      boolean permitted = guard.tryAcquire(now);
      assertThat(permitted).as(where + ": permitted").isEqualTo(expected);
      if (permitted) {
        long took = random.nextInt(8) == 0 ? SLOW : FAST;
        int kind = random.nextInt(100);
        if (kind < 3) {
          reference.releasePermission();
          guard.release();
        } else if (random.nextDouble() < failureShare) {
          Throwable failure = switch (random.nextInt(6)) {
            case 0 -> new IllegalArgumentException("ignored by some configs");
            case 1 -> new IllegalStateException("not recorded by some configs");
            case 2 -> new java.util.concurrent.CompletionException(new IOException("wrapped"));
            default -> new IOException("refused");
          };
          reference.onError(took, TimeUnit.NANOSECONDS, failure);
          guard.onError(took, failure, now);
        } else {
          reference.onSuccess(took, TimeUnit.NANOSECONDS);
          guard.onSuccess(took, now);
        }
      }
      CircuitBreaker.State state = reference.getState();
      seen.add(state);
      assertThat(guard.breaker().getState()).as(where + ": state").isEqualTo(state);
      CircuitBreaker.Metrics want = reference.getMetrics();
      CircuitBreaker.Metrics got = guard.metrics();
      assertThat(got.getNumberOfBufferedCalls()).as(where + ": buffered").isEqualTo(want.getNumberOfBufferedCalls());
      assertThat(got.getNumberOfFailedCalls()).as(where + ": failed").isEqualTo(want.getNumberOfFailedCalls());
      assertThat(got.getNumberOfSlowSuccessfulCalls()).as(where + ": slow ok").isEqualTo(want.getNumberOfSlowSuccessfulCalls());
      assertThat(got.getNumberOfSlowFailedCalls()).as(where + ": slow failed").isEqualTo(want.getNumberOfSlowFailedCalls());
      assertThat(got.getFailureRate()).as(where + ": failure rate").isEqualTo(want.getFailureRate());
      assertThat(got.getSlowCallRate()).as(where + ": slow rate").isEqualTo(want.getSlowCallRate());
    }
    assertThat(seen).as("seed " + seed + " went through").contains(
        CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN);
  }

  @Test
  void aSplitWindowLeftToOneCallerKeepsItsLastResults() {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom().slidingWindowSize(100).minimumNumberOfCalls(10)
        .failureRateThreshold(100).slowCallRateThreshold(100).build();
    for (int parts : new int[] {2, 4}) {
      CountWindow window = new CountWindow(config, parts);
      java.util.ArrayDeque<Integer> last = new java.util.ArrayDeque<>();
      Random random = new Random(parts);
      int[] codes = {CountWindow.SUCCESS, CountWindow.FAILURE, CountWindow.SLOW_SUCCESS, CountWindow.SLOW_FAILURE};
      for (int i = 0; i < 2_000; i++) {
        int code = codes[random.nextInt(i % 300 < 150 ? 1 : 4)]; // runs of successes, then mixed
        window.record(code);
        last.addLast(code);
        if (last.size() > 100) {
          last.removeFirst();
        }
        if (i >= 200) { // once round the ring after the split
          String where = parts + " parts, record " + i;
          assertThat(window.calls()).as(where).isEqualTo(100);
          assertThat(window.failed()).as(where)
              .isEqualTo((int) last.stream().filter(c -> c == CountWindow.FAILURE || c == CountWindow.SLOW_FAILURE).count());
          assertThat(window.slowSucceeded()).as(where)
              .isEqualTo((int) last.stream().filter(c -> c == CountWindow.SLOW_SUCCESS).count());
          assertThat(window.slowFailed()).as(where)
              .isEqualTo((int) last.stream().filter(c -> c == CountWindow.SLOW_FAILURE).count());
        }
      }
      assertThat(window.parts()).isEqualTo(parts);
    }
  }

  @Test
  void timeBasedWindowsAreLeftToResilience4j() {
    FakeTime time = new FakeTime();
    BreakerGuard guard = new BreakerGuard(CircuitBreaker.of("time", CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED).slidingWindowSize(10)
        .minimumNumberOfCalls(4).clock(time.clock()).build()), "test", time);
    for (int i = 0; i < 4; i++) {
      assertThat(guard.tryAcquire(time.nanoTime())).isTrue();
      guard.onError(FAST, new IOException("down"), time.nanoTime());
    }
    assertThat(guard.breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(guard.metrics().getNumberOfFailedCalls()).isEqualTo(guard.breaker().getMetrics().getNumberOfFailedCalls()).isEqualTo(4);
  }

  @Test
  void concurrentCallersCountEveryResultOnceAndOneOfThemOpensTheBreaker() throws Exception {
    FakeTime time = new FakeTime();
    BreakerGuard guard = new BreakerGuard(CircuitBreaker.of("shared", CircuitBreakerConfig.custom()
        .slidingWindowSize(200).minimumNumberOfCalls(200).failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofHours(1)).clock(time.clock()).build()), "test", time);
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread caller = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 20_000 && guard.tryAcquire(0); i++) {
          guard.onSuccess(FAST, 0); // healthy: stays closed, the window keeps 200 successes
        }
      });
      caller.start();
      callers.add(caller);
    }
    start.countDown();
    for (Thread caller : callers) {
      caller.join(10_000);
    }
    assertThat(guard.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(guard.metrics().getNumberOfBufferedCalls()).isEqualTo(200);
    assertThat(guard.metrics().getNumberOfFailedCalls()).isZero();

    // now the service fails: every caller records failures until the breaker opens, exactly once
    CountDownLatch failing = new CountDownLatch(1);
    callers.clear();
    for (int t = 0; t < threads; t++) {
      Thread caller = new Thread(() -> {
        try {
          failing.await();
        } catch (InterruptedException e) {
          return;
        }
        while (guard.tryAcquire(0)) {
          guard.onError(FAST, new IOException("down"), 0);
        }
      });
      caller.start();
      callers.add(caller);
    }
    failing.countDown();
    for (Thread caller : callers) {
      caller.join(10_000);
      assertThat(caller.isAlive()).isFalse();
    }
    assertThat(guard.breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
    // the window froze when it opened the breaker: about half failed (a racing caller or two more)
    assertThat(guard.metrics().getNumberOfBufferedCalls()).isEqualTo(200);
    assertThat(guard.metrics().getNumberOfFailedCalls()).isBetween(100, 100 + 2 * threads);
  }
}
