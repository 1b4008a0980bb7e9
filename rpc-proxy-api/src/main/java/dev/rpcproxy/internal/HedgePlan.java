package dev.rpcproxy.internal;

import dev.rpcproxy.HedgePolicy;
import java.util.concurrent.TimeUnit;

/**
 * When a method's calls send hedges: the attempts allowed, the delay (fixed, or the method's
 * recent latency at a percentile within bounds), and the retry budget hedges draw on.
 */
final class HedgePlan {
  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final long MIN_SAMPLES = 20;
  private static final long REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  final int maxAttempts;
  private final long fixedDelayNanos;
  private final double percentile;
  private final long minNanos;
  private final long maxNanos;
  private final LatencyHistogram latencies;
  private final RetryBudget budget;
  // A quantile costs a pass over the histogram: computed at most every REFRESH_NANOS.
  private volatile long cachedDelay = -1;
  private volatile long cachedAt;

  HedgePlan(HedgePolicy policy, RetryBudget budget) {
    this.maxAttempts = policy.maxAttempts();
    this.fixedDelayNanos = policy.delay().toNanos();
    this.percentile = policy.percentile();
    this.minNanos = policy.minDelay().toNanos();
    this.maxNanos = policy.maxDelay().toNanos();
    this.latencies = policy.isAdaptive() ? new LatencyHistogram(WINDOW_NANOS) : null;
    this.budget = budget;
  }

  /** The delay before the next hedge, read at {@code now}. */
  long delayNanos(long now) {
    if (latencies == null) {
      return fixedDelayNanos;
    }
    long cached = cachedDelay;
    if (cached >= 0 && now - cachedAt < REFRESH_NANOS) {
      return cached;
    }
    long q = latencies.quantile(percentile, MIN_SAMPLES, now);
    long delay = q < 0 ? maxNanos : Math.max(minNanos, Math.min(maxNanos, q));
    cachedDelay = delay;
    cachedAt = now;
    return delay;
  }

  /** A successful attempt's latency, for the adaptive delay. */
  void recordLatency(long nanos, long now) {
    if (latencies != null) {
      latencies.record(nanos, now);
    }
  }

  /** Takes one hedge from the budget; {@code false} if it is spent. */
  boolean tryHedge() {
    return budget.tryRetry();
  }
}
