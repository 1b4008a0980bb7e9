package dev.rpcproxy.internal.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.ConcurrencyLimit;
import dev.rpcproxy.Policy;
import dev.rpcproxy.TimeSource;
import dev.rpcproxy.internal.limit.CallLimiter.Signal;
import dev.rpcproxy.testing.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CallLimitersTest {

  @Test
  void aFixedLimitWithoutAWaitCountsItsOwnPermitsAndPublishesThemUnderResilience4jsNames() {
    CallLimiter limiter = CallLimiters.create("svc", ConcurrencyLimit.fixed(2), Duration.ZERO, TimeSource.system());
    assertThat(limiter).isInstanceOf(FixedCallLimiter.class);
    SimpleMeterRegistry published = new SimpleMeterRegistry();
    CallLimiters.bind(published, "svc", limiter);
    assertThat(limiter.tryAcquire()).isTrue();
    assertThat(published.get("resilience4j.bulkhead.available.concurrent.calls").tag("name", "svc").gauge().value())
        .isEqualTo(1.0);
    assertThat(published.get("resilience4j.bulkhead.max.allowed.concurrent.calls").tag("name", "svc").gauge().value())
        .isEqualTo(2.0);
    limiter.release(1, Signal.SUCCESS);
    assertThat(limiter.tryAcquire()).isTrue();
    assertThat(limiter.tryAcquire()).isTrue();
    assertThat(limiter.tryAcquire()).isFalse();
    assertThat(limiter.inFlight()).isEqualTo(2);
    limiter.release(1, Signal.DROPPED);
    limiter.release(1, Signal.SUCCESS);
    assertThat(limiter.inFlight()).isZero();
  }

  @Test
  void aFixedLimitWithAPermitWaitIsAFairSemaphoreAndPublishesItsLimit() {
    CallLimiter limiter = CallLimiters.create("svc", ConcurrencyLimit.fixed(2), Duration.ofMillis(1), TimeSource.system());
    assertThat(limiter).isInstanceOf(BulkheadCallLimiter.class);
    assertThat(limiter.tryAcquire()).isTrue();
    assertThat(limiter.tryAcquire()).isTrue();
    assertThat(limiter.tryAcquire()).isFalse();
    assertThat(limiter.inFlight()).isEqualTo(2);
    limiter.release(1, Signal.DROPPED);
    limiter.release(1, Signal.SUCCESS);
    assertThat(limiter.inFlight()).isZero();
    assertThat(limiter.limit()).isEqualTo(2);

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CallLimiters.bind(registry, "svc", limiter);
    assertThat(registry.get(CallLimiters.LIMIT_GAUGE).tag("client", "svc").gauge().value()).isEqualTo(2.0);
  }

  @Test
  void anAdaptiveLimitGetsNoBulkheadAndItsGaugeFollowsIt() {
    FakeTime time = new FakeTime();
    CallLimiter limiter = CallLimiters.create("svc", ConcurrencyLimit.adaptiveBuilder().initialLimit(10).build(),
        Duration.ZERO, time);
    assertThat(limiter).isInstanceOf(AdaptiveCallLimiter.class);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CallLimiters.bind(registry, "svc", limiter);
    for (int window = 0; window < 2; window++) { // the first window is not read
      for (int i = 0; i < 10; i++) {
        limiter.tryAcquire();
      }
      time.advance(Duration.ofMillis(100));
      for (int i = 0; i < 10; i++) {
        limiter.release(Duration.ofMillis(100).toNanos(), Signal.DROPPED);
      }
    }
    assertThat(registry.get(CallLimiters.LIMIT_GAUGE).tag("client", "svc").gauge().value()).isEqualTo(9.0);
  }

  /** Threads race on acquire and release while the limit moves; the bound and the count hold. */
  @Test
  void theAdaptiveBoundHoldsUnderRacingThreads() throws Exception {
    AdaptiveCallLimiter limiter = new AdaptiveCallLimiter(
        ConcurrencyLimit.adaptiveBuilder().initialLimit(4).maxLimit(16).window(Duration.ofMillis(1)).build(),
        TimeSource.system());
    AtomicInteger holders = new AtomicInteger();
    AtomicInteger maxHolders = new AtomicInteger();
    AtomicInteger maxLimit = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(8);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int seed = t;
      Thread thread = new Thread(() -> {
        for (int i = 0; i < 50_000; i++) {
          maxLimit.accumulateAndGet(limiter.limit(), Math::max);
          if (limiter.tryAcquire()) {
            maxHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
            holders.decrementAndGet();
            Signal signal = (i + seed) % 50 == 0 ? Signal.DROPPED : (i % 7 == 0 ? Signal.IGNORED : Signal.SUCCESS);
            limiter.release(1_000 + (i % 10) * 1_000L, signal);
          }
        }
        done.countDown();
      });
      threads.add(thread);
      thread.start();
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(limiter.inFlight()).isZero();
    assertThat(maxHolders.get()).isLessThanOrEqualTo(Math.max(maxLimit.get(), limiter.limit()));
    assertThat(limiter.limit()).isBetween(1, 16);
  }

  @Test
  void theRateLimitRejectsAtOnceBeyondItsPermits() {
    FakeTime time = new FakeTime();
    CallRateLimiter limiter = new CallRateLimiter("svc", new Policy.RateLimit(3, Duration.ofHours(1), Duration.ZERO),
        time);
    assertThat(limiter.tryAcquire(0)).isTrue();
    assertThat(limiter.tryAcquire(0)).isTrue();
    assertThat(limiter.tryAcquire(Long.MAX_VALUE)).isTrue();
    assertThat(limiter.tryAcquire(Long.MAX_VALUE)).isFalse();
    assertThat(time.slept()).isZero();
  }

  /** Resilience4j's periods are real time (its clock is private); the wait goes through the TimeSource. */
  @Test
  void theRateLimitWaitsForTheNextPeriodWithinTheGivenBound() {
    FakeTime time = new FakeTime();
    CallRateLimiter limiter = new CallRateLimiter("svc",
        new Policy.RateLimit(1, Duration.ofMinutes(1), Duration.ofMinutes(2)), time);
    assertThat(limiter.tryAcquire(Long.MAX_VALUE)).isTrue();
    // The next permit comes with the next period, about a minute away: more than this call may wait.
    assertThat(limiter.tryAcquire(Duration.ofSeconds(1).toNanos())).isFalse();
    assertThat(time.slept()).isZero();
    // A call that may wait longer than the period sleeps for it (on fake time).
    assertThat(limiter.tryAcquire(Duration.ofMinutes(5).toNanos())).isTrue();
    assertThat(time.slept()).isBetween(Duration.ofSeconds(55), Duration.ofMinutes(1));
  }
}
