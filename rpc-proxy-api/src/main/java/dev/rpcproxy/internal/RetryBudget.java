package dev.rpcproxy.internal;

import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.TimeSource;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Allows retries up to {@code ratio} of the calls seen in a sliding window, plus a floor per
 * second (like Finagle's retry budget). Counts live in ten buckets over the window.
 *
 * <p>Concurrency: lock-free and approximate. A bucket is reset by the first thread that sees it is
 * stale; an increment racing that reset may be lost, which only errs by one call or retry.
 */
final class RetryBudget {
  private static final int BUCKETS = 10;

  private final TimeSource time;
  private final long bucketNanos;
  private final double ratio;
  private final long floor;
  private final AtomicLongArray calls = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray retries = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray epochs = new AtomicLongArray(BUCKETS);

  RetryBudget(RetryPolicy policy, TimeSource time) {
    this.time = time;
    long windowNanos = policy.budgetWindow().toNanos();
    this.bucketNanos = windowNanos / BUCKETS;
    this.ratio = policy.budgetRatio();
    this.floor = (long) policy.minRetriesPerSecond() * policy.budgetWindow().toSeconds();
    for (int i = 0; i < BUCKETS; i++) {
      epochs.set(i, Long.MIN_VALUE);
    }
  }

  /** Counts one call (first attempts only), started at {@code now} on the time source. */
  void onCall(long now) {
    calls.incrementAndGet(bucket(Math.floorDiv(now, bucketNanos)));
  }

  /** Takes one retry from the budget; {@code false} if it is spent. */
  boolean tryRetry() {
    long epoch = Math.floorDiv(time.nanoTime(), bucketNanos);
    int current = bucket(epoch);
    long callSum = 0;
    long retrySum = 0;
    for (int i = 0; i < BUCKETS; i++) {
      long age = epoch - epochs.get(i);
      if (age >= 0 && age < BUCKETS) {
        callSum += calls.get(i);
        retrySum += retries.get(i);
      }
    }
    if (retrySum + 1 > floor + ratio * callSum) {
      return false;
    }
    retries.incrementAndGet(current);
    return true;
  }

  private int bucket(long epoch) {
    int index = (int) Math.floorMod(epoch, (long) BUCKETS);
    long seen = epochs.get(index);
    if (seen != epoch && epochs.compareAndSet(index, seen, epoch)) {
      calls.set(index, 0);
      retries.set(index, 0);
    }
    return index;
  }
}
