package dev.rpcproxy.internal.limit;

import dev.rpcproxy.Policy;
import dev.rpcproxy.TimeSource;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;

/**
 * A client-side rate limit on Resilience4j's {@link AtomicRateLimiter}: {@code permits} calls per
 * {@code period}, a call beyond them waiting at most {@code maxWait} (and never past its deadline).
 *
 * <p>Resilience4j's limiter reads {@link System#nanoTime()} itself (its clock is private), so its
 * periods are real time even when the client runs on a fake {@link TimeSource}; only the wait
 * for a reserved permit goes through {@link TimeSource#sleep}.
 */
public final class CallRateLimiter {
  private final AtomicRateLimiter limiter;
  private final AtomicRateLimiter.AtomicRateLimiterMetrics state;
  private final long maxWaitNanos;
  private final Policy.RateLimit settings;
  private final TimeSource time;

  public CallRateLimiter(String name, Policy.RateLimit settings, TimeSource time) {
    this.settings = settings;
    this.time = time;
    this.limiter = new AtomicRateLimiter(name, RateLimiterConfig.custom()
        .limitForPeriod(settings.permits())
        .limitRefreshPeriod(settings.period())
        .timeoutDuration(settings.maxWait())
        .build());
    this.state = limiter.getDetailedMetrics();
    this.maxWaitNanos = settings.maxWait().toNanos();
  }

  /**
   * Takes a permit now, or waits on the calling thread for one that comes within
   * {@code min(maxWait, maxWaitNanos)}.
   *
   * <p>When {@code maxWaitNanos} is the nearer bound, the wait for the next permit is read first
   * and a call that could not wait for it is rejected without reserving it; a permit reserved in
   * a race with other callers that comes too late is not given back (the limit errs on the side
   * of fewer calls).
   *
   * @param maxWaitNanos the time the call has left (its deadline)
   * @return false if the call is over the limit
   */
  public boolean tryAcquire(long maxWaitNanos) {
    if (maxWaitNanos < this.maxWaitNanos && state.getAvailablePermissions() < 1
        && state.getNanosToWait() > maxWaitNanos) {
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

  /** How long a call may wait at most, by its settings. */
  public long maxWaitNanos() {
    return maxWaitNanos;
  }

  /** The settings this limiter enforces. */
  public Policy.RateLimit settings() {
    return settings;
  }

  /** The Resilience4j limiter, for its metrics. */
  public RateLimiter rateLimiter() {
    return limiter;
  }
}
