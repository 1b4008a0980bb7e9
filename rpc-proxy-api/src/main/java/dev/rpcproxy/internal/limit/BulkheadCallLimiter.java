package dev.rpcproxy.internal.limit;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A fixed limit a blocking caller may wait for: a fair {@link Semaphore}, as Resilience4j's
 * semaphore bulkhead is, so waiters get permits in arrival order; but the wait is given per call,
 * so that it ends at the call's deadline (Resilience4j's bulkhead waits its whole
 * {@code maxWaitDuration} whatever the call has left). Published under Resilience4j's bulkhead
 * meter names by {@link CallLimiters#bind}. A fixed limit without a wait is a
 * {@link FixedCallLimiter}.
 */
public final class BulkheadCallLimiter implements CallLimiter {
  private final String name;
  private final int limit;
  private final long maxWaitNanos;
  private final Semaphore permits;

  public BulkheadCallLimiter(String name, int limit, long maxWaitNanos) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1: " + limit);
    }
    this.name = name;
    this.limit = limit;
    this.maxWaitNanos = maxWaitNanos;
    this.permits = new Semaphore(limit, true);
  }

  @Override
  public boolean tryAcquire() {
    return tryAcquire(0);
  }

  @Override
  public boolean tryAcquire(long waitNanos) {
    try {
      // The timed form even for no wait: it respects the queue of waiters (the untimed one barges).
      return permits.tryAcquire(Math.max(0, Math.min(waitNanos, maxWaitNanos)), TimeUnit.NANOSECONDS);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void release(long rttNanos, Signal signal) {
    permits.release();
  }

  @Override
  public long maxWaitNanos() {
    return maxWaitNanos;
  }

  @Override
  public int limit() {
    return limit;
  }

  @Override
  public int inFlight() {
    return limit - permits.availablePermits();
  }

  @Override
  public String toString() {
    return "BulkheadCallLimiter[" + name + ", limit=" + limit + ", wait=" + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos) + " ms]";
  }
}
