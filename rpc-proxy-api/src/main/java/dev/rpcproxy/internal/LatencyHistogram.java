package dev.rpcproxy.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Recent latencies of one method, for the adaptive hedge delay: a lock-free log-linear histogram
 * (4 sub-buckets per power of two, so a quantile is known within ~19%), over a sliding window of
 * two halves that take turns: a quantile reads both, and the older is cleared when its turn comes
 * again, so the window spans one to two halves.
 *
 * <p>Concurrency: counts are atomic; a clear racing a record may lose that one sample.
 */
final class LatencyHistogram {
  private static final int SUB = 4;
  private static final int BUCKETS = 64 * SUB;

  private final long halfNanos;
  private final AtomicLongArray[] halves = {new AtomicLongArray(BUCKETS), new AtomicLongArray(BUCKETS)};
  private final AtomicLongArray epochs = new AtomicLongArray(2);

  LatencyHistogram(long windowNanos) {
    this.halfNanos = Math.max(1, windowNanos / 2);
    epochs.set(0, Long.MIN_VALUE);
    epochs.set(1, Long.MIN_VALUE);
  }

  void record(long nanos, long now) {
    long epoch = Math.floorDiv(now, halfNanos);
    int half = (int) Math.floorMod(epoch, 2L);
    long seen = epochs.get(half);
    if (seen != epoch && epochs.compareAndSet(half, seen, epoch)) {
      AtomicLongArray counts = halves[half];
      for (int i = 0; i < BUCKETS; i++) {
        counts.set(i, 0);
      }
    }
    halves[half].incrementAndGet(bucket(Math.max(1, nanos)));
  }

  /**
   * The latency at {@code percentile} (0..100) over the window, as the upper bound of its bucket;
   * {@code -1} with fewer than {@code minSamples} samples.
   */
  long quantile(double percentile, long minSamples, long now) {
    long epoch = Math.floorDiv(now, halfNanos);
    long[] counts = new long[BUCKETS];
    long total = 0;
    for (int h = 0; h < 2; h++) {
      long age = epoch - epochs.get(h);
      if (age < 0 || age > 1) {
        continue;
      }
      AtomicLongArray half = halves[h];
      for (int i = 0; i < BUCKETS; i++) {
        long c = half.get(i);
        counts[i] += c;
        total += c;
      }
    }
    if (total < minSamples || total == 0) {
      return -1;
    }
    long rank = (long) Math.ceil(total * percentile / 100.0);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return upperBound(i);
      }
    }
    return upperBound(BUCKETS - 1);
  }

  /** Bucket of {@code v > 0}: the power of two, then which quarter of it. */
  static int bucket(long v) {
    int log = 63 - Long.numberOfLeadingZeros(v);
    if (log < 2) {
      return (int) v; // 1..3 exactly
    }
    int sub = (int) ((v >>> (log - 2)) & (SUB - 1));
    return Math.min(BUCKETS - 1, log * SUB + sub);
  }

  /** The largest value in bucket {@code i}. */
  static long upperBound(int i) {
    if (i < 4) {
      return i;
    }
    int log = i / SUB;
    int sub = i % SUB;
    if (log >= 62) {
      return Long.MAX_VALUE;
    }
    long base = 1L << log;
    return base + ((sub + 1) * (base >>> 2)) - 1;
  }
}
