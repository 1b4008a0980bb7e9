package dev.rpcproxy;

import java.time.Duration;
import java.util.Objects;

/**
 * How many calls of a client may be outstanding at once. Immutable.
 *
 * <pre>{@code
 * Policy.builder().concurrencyLimit(ConcurrencyLimit.fixed(16));     // same as maxConcurrentCalls(16)
 * Policy.builder().concurrencyLimit(ConcurrencyLimit.adaptive());    // found from measured latency
 * }</pre>
 *
 * <p>A call over the limit is rejected at once with {@link BulkheadFullException} (outcome
 * {@code bulkhead_full}), whichever kind of limit is in force. The limit in force is published
 * as the gauge {@code rpc.client.concurrency.limit{client}}.
 */
public final class ConcurrencyLimit {
  /** Whether the limit is set by hand or found from measured latency. */
  public enum Kind {
    /** A bound set by hand: Resilience4j's semaphore bulkhead. */
    FIXED,
    /** A bound that follows the service's latency. */
    ADAPTIVE
  }

  private final Kind kind;
  private final int initialLimit;
  private final int minLimit;
  private final int maxLimit;
  private final double latencyTolerance;
  private final Duration window;

  private ConcurrencyLimit(Kind kind, int initialLimit, int minLimit, int maxLimit, double latencyTolerance,
      Duration window) {
    this.kind = kind;
    this.initialLimit = initialLimit;
    this.minLimit = minLimit;
    this.maxLimit = maxLimit;
    this.latencyTolerance = latencyTolerance;
    this.window = window;
  }

  /**
   * A fixed bound: at most {@code maxConcurrentCalls} outstanding calls.
   *
   * @throws IllegalArgumentException if less than 1
   */
  public static ConcurrencyLimit fixed(int maxConcurrentCalls) {
    if (maxConcurrentCalls < 1) {
      throw new IllegalArgumentException("maxConcurrentCalls must be at least 1, was " + maxConcurrentCalls);
    }
    return new ConcurrencyLimit(Kind.FIXED, maxConcurrentCalls, maxConcurrentCalls, maxConcurrentCalls, 1.0,
        Duration.ZERO);
  }

  /** An adaptive limit with the defaults of {@link AdaptiveBuilder}. */
  public static ConcurrencyLimit adaptive() {
    return adaptiveBuilder().build();
  }

  /** A builder for an adaptive limit. */
  public static AdaptiveBuilder adaptiveBuilder() {
    return new AdaptiveBuilder();
  }

  /** Fixed or adaptive. */
  public Kind kind() {
    return kind;
  }

  /** The limit at start (the bound, for a fixed limit). */
  public int initialLimit() {
    return initialLimit;
  }

  /** The adaptive limit never goes below this (the bound, for a fixed limit). */
  public int minLimit() {
    return minLimit;
  }

  /** The adaptive limit never goes above this (the bound, for a fixed limit). */
  public int maxLimit() {
    return maxLimit;
  }

  /**
   * How much slower than its best recent latency the service may answer before the adaptive limit
   * comes down (1.0 for a fixed limit).
   */
  public double latencyTolerance() {
    return latencyTolerance;
  }

  /** How often the adaptive limit is reconsidered, at the least (zero for a fixed limit). */
  public Duration window() {
    return window;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConcurrencyLimit other && kind == other.kind && initialLimit == other.initialLimit
        && minLimit == other.minLimit && maxLimit == other.maxLimit
        && Double.compare(latencyTolerance, other.latencyTolerance) == 0 && window.equals(other.window);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, initialLimit, minLimit, maxLimit, latencyTolerance, window);
  }

  @Override
  public String toString() {
    return kind == Kind.FIXED
        ? "ConcurrencyLimit.fixed(" + maxLimit + ")"
        : "ConcurrencyLimit.adaptive[initial=" + initialLimit + ", min=" + minLimit + ", max=" + maxLimit
            + ", latencyTolerance=" + latencyTolerance + ", window=" + window + "]";
  }

  /**
   * Builds an adaptive {@link ConcurrencyLimit}. Defaults: initial 20, min 1, max 200, latency
   * tolerance 1.5, window 100 ms.
   *
   * <pre>{@code
   * ConcurrencyLimit.adaptiveBuilder().initialLimit(10).maxLimit(100).latencyTolerance(2.0).build();
   * }</pre>
   *
   * <p>How the limit moves: every window (at least {@link #window}, and at least twice the
   * recent average latency) the average latency of the calls that ended in it is compared
   * with the lowest window average of the last 10 s. While it stays within the tolerance and calls
   * met the limit, the limit grows (doubling until the first sign of queueing, then by its square
   * root); beyond the tolerance it shrinks in proportion, a little below the level the latency
   * points to, so that the service's queue drains. Timeouts and the service's failures (5% of a
   * window's calls or more) cut it by 10% when most calls failed or the others were queued too;
   * the caller's errors, cancellations and rejections do
   * not move it. Every 10 s (every 2 s in the first 10 s) a window that cut nothing lowers the
   * limit to 0.6 x the calls in flight, to find a baseline that was measured queued.
   *
   * <p>Bounds that hold on a busy machine and at low load: the limit never stands above twice the
   * most calls that wanted to be in flight at once in the last 10 s (or the initial limit, if
   * higher); it comes down only while calls use at least half of it; a window counts as queued
   * only if its shortest call is longer too, so a client delayed by a busy CPU does not cut; and
   * a cut never goes below half the calls in flight when the service was last unqueued (that
   * floor halves every 1.5 s). See {@code docs/overload.md}.
   */
  public static final class AdaptiveBuilder {
    private int initialLimit = 20;
    private int minLimit = 1;
    private int maxLimit = 200;
    private double latencyTolerance = 1.5;
    private Duration window = Duration.ofMillis(100);

    private AdaptiveBuilder() {}

    /** The limit at start. Default 20. */
    public AdaptiveBuilder initialLimit(int initialLimit) {
      this.initialLimit = initialLimit;
      return this;
    }

    /** The lowest limit. Default 1. */
    public AdaptiveBuilder minLimit(int minLimit) {
      this.minLimit = minLimit;
      return this;
    }

    /** The highest limit. Default 200. */
    public AdaptiveBuilder maxLimit(int maxLimit) {
      this.maxLimit = maxLimit;
      return this;
    }

    /**
     * How much slower than its best recent latency (the lowest window average of the last 10 s)
     * the service may answer before the limit comes down. Default 1.5: the limit settles where
     * calls take at most about 1.5 times as long as unloaded ones.
     *
     * @throws IllegalArgumentException unless above 1.0 and at most 10 (or not a number)
     */
    public AdaptiveBuilder latencyTolerance(double latencyTolerance) {
      if (!(latencyTolerance > 1.0 && latencyTolerance <= 10.0)) {
        throw new IllegalArgumentException("latencyTolerance must be above 1.0 and at most 10, was " + latencyTolerance);
      }
      this.latencyTolerance = latencyTolerance;
      return this;
    }

    /**
     * The shortest time over which latency is averaged before the limit moves. Default 100 ms; a
     * window also lasts at least twice the recent average latency and holds at least 10 calls
     * (or as many as the limit, if fewer).
     *
     * @throws IllegalArgumentException unless between 1 ms and 1 minute
     */
    public AdaptiveBuilder window(Duration window) {
      Objects.requireNonNull(window, "window");
      if (window.compareTo(Duration.ofMillis(1)) < 0 || window.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("window must be between 1 ms and 1 minute, was " + window);
      }
      this.window = window;
      return this;
    }

    /**
     * The immutable limit.
     *
     * @throws IllegalArgumentException unless {@code 1 <= min <= initial <= max}
     */
    public ConcurrencyLimit build() {
      if (minLimit < 1 || minLimit > initialLimit || initialLimit > maxLimit) {
        throw new IllegalArgumentException("adaptive limit needs 1 <= minLimit <= initialLimit <= maxLimit, was min="
            + minLimit + ", initial=" + initialLimit + ", max=" + maxLimit);
      }
      return new ConcurrencyLimit(Kind.ADAPTIVE, initialLimit, minLimit, maxLimit, latencyTolerance, window);
    }
  }
}
