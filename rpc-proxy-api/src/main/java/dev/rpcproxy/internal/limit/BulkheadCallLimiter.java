package dev.rpcproxy.internal.limit;

import io.github.resilience4j.bulkhead.Bulkhead;

/**
 * A fixed limit a blocking caller may wait for: Resilience4j's semaphore {@link Bulkhead}, whose
 * {@code maxWaitDuration} lets the caller wait for a permit and whose own Micrometer binder
 * publishes it. A fixed limit without a wait is a {@link FixedCallLimiter}.
 */
public final class BulkheadCallLimiter implements CallLimiter {
  private final Bulkhead bulkhead;
  private final int limit;

  public BulkheadCallLimiter(Bulkhead bulkhead) {
    this.bulkhead = bulkhead;
    this.limit = bulkhead.getBulkheadConfig().getMaxConcurrentCalls();
  }

  @Override
  public boolean tryAcquire() {
    return bulkhead.tryAcquirePermission();
  }

  @Override
  public void release(long rttNanos, Signal signal) {
    bulkhead.onComplete();
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
    return "BulkheadCallLimiter[" + bulkhead.getName() + ", limit=" + limit + "]";
  }
}
