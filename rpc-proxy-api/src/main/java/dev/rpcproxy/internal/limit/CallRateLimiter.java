package dev.rpcproxy.internal.limit;

import dev.rpcproxy.Policy;
import dev.rpcproxy.TimeSource;
import io.github.resilience4j.micrometer.tagged.RateLimiterMetricNames;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A client-side rate limit on Resilience4j's {@link RateLimiter}: {@code permits} calls per
 * {@code period}, a call beyond them waiting at most {@code maxWait} (and never past its deadline).
 *
 * <p>The limiter reads the client's {@link TimeSource} (Resilience4j takes a nano-time supplier),
 * so its periods and the waits for a reserved permit both follow a fake time in tests.
 */
public final class CallRateLimiter {
  private static final RateLimiterMetricNames NAMES = RateLimiterMetricNames.ofDefaults();

  private final RateLimiter limiter;
  private final long maxWaitNanos;
  private final long periodNanos;
  /** The time source's reading when the limiter was made: its periods are counted from here. */
  private final long originNanos;
  private final Policy.RateLimit settings;
  private final TimeSource time;

  public CallRateLimiter(String name, Policy.RateLimit settings, TimeSource time) {
    this.settings = settings;
    this.time = time;
    this.originNanos = time.nanoTime();
    this.limiter = RateLimiter.of(name, RateLimiterConfig.custom()
        .limitForPeriod(settings.permits())
        .limitRefreshPeriod(settings.period())
        .timeoutDuration(settings.maxWait())
        .build(), time::nanoTime);
    this.maxWaitNanos = settings.maxWait().toNanos();
    this.periodNanos = settings.period().toNanos();
  }

  /**
   * Takes a permit now, or waits on the calling thread for one that comes within
   * {@code min(maxWait, maxWaitNanos)}.
   *
   * <p>When {@code maxWaitNanos} is the nearer bound and no permit is left, a call that cannot
   * wait even until the next period starts is rejected without reserving a permit. A permit
   * reserved that comes too late for the call is not given back (the limit errs on the side of
   * fewer calls).
   *
   * @param maxWaitNanos the time the call has left (its deadline)
   * @return false if the call is over the limit
   */
  public boolean tryAcquire(long maxWaitNanos) {
    if (maxWaitNanos < this.maxWaitNanos && limiter.getMetrics().getAvailablePermissions() < 1
        && nanosToNextPeriod() > maxWaitNanos) {
      return false;
    }
    long wait = limiter.reservePermission();
    if (wait == 0) {
      return true;
    }
    if (wait < 0 || wait > maxWaitNanos) {
      return false;
    }
    try {
      time.sleep(wait);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The least a call without a permit waits: until the next period brings new permits. */
  private long nanosToNextPeriod() {
    long intoPeriod = Math.floorMod(time.nanoTime() - originNanos, periodNanos);
    return periodNanos - intoPeriod;
  }

  /** How long a call may wait at most, by its settings. */
  public long maxWaitNanos() {
    return maxWaitNanos;
  }

  /** The settings this limiter enforces. */
  public Policy.RateLimit settings() {
    return settings;
  }

  /**
   * Publishes the permits left under Resilience4j's own meter name and tag
   * ({@code resilience4j.ratelimiter.available.permissions{name}}), read when scraped; negative
   * while reserved permits are awaited. Resilience4j's {@code waiting_threads} gauge is left out:
   * calls wait for a reserved permit on the client's time source, where Resilience4j does not count them.
   */
  public void bind(MeterRegistry registry) {
    String name = limiter.getName();
    Gauge.builder(NAMES.getAvailablePermissionsMetricName(), limiter, l -> l.getMetrics().getAvailablePermissions())
        .description("The number of available permissions")
        .tags("name", name).register(registry);
  }
}
