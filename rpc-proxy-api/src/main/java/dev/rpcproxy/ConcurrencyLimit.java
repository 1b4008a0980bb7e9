package dev.rpcproxy;

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

  private ConcurrencyLimit(Kind kind, int initialLimit, int minLimit, int maxLimit) {
    this.kind = kind;
    this.initialLimit = initialLimit;
    this.minLimit = minLimit;
    this.maxLimit = maxLimit;
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
    return new ConcurrencyLimit(Kind.FIXED, maxConcurrentCalls, maxConcurrentCalls, maxConcurrentCalls);
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

  @Override
  public boolean equals(Object o) {
    return o instanceof ConcurrencyLimit other && kind == other.kind && initialLimit == other.initialLimit
        && minLimit == other.minLimit && maxLimit == other.maxLimit;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, initialLimit, minLimit, maxLimit);
  }

  @Override
  public String toString() {
    return kind == Kind.FIXED
        ? "ConcurrencyLimit.fixed(" + maxLimit + ")"
        : "ConcurrencyLimit.adaptive[initial=" + initialLimit + ", min=" + minLimit + ", max=" + maxLimit + "]";
  }

  /** Builds an adaptive {@link ConcurrencyLimit}. Defaults: initial 20, min 1, max 200. */
  public static final class AdaptiveBuilder {
    private int initialLimit = 20;
    private int minLimit = 1;
    private int maxLimit = 200;

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
     * The immutable limit.
     *
     * @throws IllegalArgumentException unless {@code 1 <= min <= initial <= max}
     */
    public ConcurrencyLimit build() {
      if (minLimit < 1 || minLimit > initialLimit || initialLimit > maxLimit) {
        throw new IllegalArgumentException("adaptive limit needs 1 <= minLimit <= initialLimit <= maxLimit, was min="
            + minLimit + ", initial=" + initialLimit + ", max=" + maxLimit);
      }
      return new ConcurrencyLimit(Kind.ADAPTIVE, initialLimit, minLimit, maxLimit);
    }
  }
}
