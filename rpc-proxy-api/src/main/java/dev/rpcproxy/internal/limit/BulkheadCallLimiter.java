package dev.rpcproxy.internal.limit;

import io.github.resilience4j.bulkhead.Bulkhead;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed limit a blocking caller may wait for: Resilience4j's semaphore {@link Bulkhead}
 * (configured without a wait of its own, so that its Micrometer binder publishes it), and the wait
 * here, so that it can end at the call's deadline: Resilience4j's bulkhead would wait its whole
 * {@code maxWaitDuration} whatever the call has left. A fixed limit without a wait is a
 * {@link FixedCallLimiter}.
 *
 * <p>Concurrency: a waiter registers ({@code waiting}) before it tries the bulkhead again, and a
 * release returns the permit before it looks for waiters, so one of them always sees the other.
 * A woken waiter may find the permit taken by a caller that did not wait (no fairness).
 */
public final class BulkheadCallLimiter implements CallLimiter {
  private final Bulkhead bulkhead;
  private final int limit;
  private final long maxWaitNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition released = lock.newCondition();
  private volatile int waiting;

  /** @param bulkhead Resilience4j's bulkhead, without a wait of its own */
  public BulkheadCallLimiter(Bulkhead bulkhead, long maxWaitNanos) {
    this.bulkhead = bulkhead;
    this.limit = bulkhead.getBulkheadConfig().getMaxConcurrentCalls();
    this.maxWaitNanos = maxWaitNanos;
  }

  @Override
  public boolean tryAcquire() {
    return tryAcquire(maxWaitNanos);
  }

  @Override
  public boolean tryAcquire(long waitNanos) {
    if (bulkhead.tryAcquirePermission()) {
      return true;
    }
    if (waitNanos <= 0) {
      return false;
    }
    long end = System.nanoTime() + Math.min(waitNanos, maxWaitNanos);
    lock.lock();
    try {
      waiting++;
      try {
        while (!bulkhead.tryAcquirePermission()) {
          long left = end - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          released.awaitNanos(left);
        }
        return true;
      } finally {
        waiting--;
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void release(long rttNanos, Signal signal) {
    bulkhead.onComplete();
    if (waiting > 0) {
      lock.lock();
      try {
        released.signal();
      } finally {
        lock.unlock();
      }
    }
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
    return limit - bulkhead.getMetrics().getAvailableConcurrentCalls();
  }

  /** The Resilience4j bulkhead behind this limit. */
  public Bulkhead bulkhead() {
    return bulkhead;
  }

  @Override
  public String toString() {
    return "BulkheadCallLimiter[" + bulkhead.getName() + ", limit=" + limit + ", wait=" + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos) + " ms]";
  }
}
