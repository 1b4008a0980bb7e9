package dev.rpcproxy;

import java.time.Duration;
import java.util.Objects;

/**
 * Hedged attempts: when an attempt of an idempotent method has not answered after a delay, another
 * copy is sent and the first success wins; the others are cancelled. Immutable.
 *
 * <pre>{@code
 * Policy.builder()
 *     .hedge(HedgePolicy.builder()
 *         .maxAttempts(2)                                   // the first attempt + 1 hedge
 *         .delayAtPercentile(95, Duration.ofMillis(2), Duration.ofMillis(500))
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p>Rules (as gRPC's hedging policy, gRFC A6, and "The Tail at Scale"): idempotent methods only;
 * hedges draw on the retry budget of the method's {@link RetryPolicy} (or a default budget of 20%
 * extra load when none is set), so an outage never multiplies the load; no hedge is sent while the
 * concurrency limit has no room, while the breaker is not closed, or when the deadline leaves less
 * than the delay. A caller's error from any attempt ends the call; a retryable failure lets the
 * other attempts continue. Cancelled attempts are recorded neither by the breaker nor by endpoint
 * health. The bulkhead counts calls, not attempts: the service may see up to {@code maxAttempts}
 * requests of one call at once.
 *
 * <p>Defaults: 2 attempts, a fixed delay of 50 ms.
 */
public final class HedgePolicy {
  /** gRFC A6 caps hedged attempts at 5. */
  public static final int MAX_ATTEMPTS_LIMIT = 5;

  private final int maxAttempts;
  private final Duration delay;
  private final double percentile;
  private final Duration minDelay;
  private final Duration maxDelay;

  private HedgePolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.delay = b.delay;
    this.percentile = b.percentile;
    this.minDelay = b.minDelay;
    this.maxDelay = b.maxDelay;
  }

  /** A builder with the defaults of the class Javadoc. */
  public static Builder builder() {
    return new Builder();
  }

  /** Attempts in all, the first included (2 to 5). */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** {@code true} when the delay follows the method's recent latency at {@link #percentile()}. */
  public boolean isAdaptive() {
    return percentile > 0;
  }

  /** The fixed delay before each hedge; for an adaptive policy, the delay used until enough latencies are known. */
  public Duration delay() {
    return delay;
  }

  /** The latency percentile (exclusive 0..100) an adaptive delay follows; 0 for a fixed delay. */
  public double percentile() {
    return percentile;
  }

  /** Lower bound of an adaptive delay. */
  public Duration minDelay() {
    return minDelay;
  }

  /** Upper bound of an adaptive delay. */
  public Duration maxDelay() {
    return maxDelay;
  }

  @Override
  public String toString() {
    return isAdaptive()
        ? "HedgePolicy[maxAttempts=" + maxAttempts + ", p" + percentile + " in [" + minDelay.toMillis() + "ms, "
            + maxDelay.toMillis() + "ms]]"
        : "HedgePolicy[maxAttempts=" + maxAttempts + ", delay=" + delay.toMillis() + "ms]";
  }

  /** Builds a {@link HedgePolicy}; every setter validates its argument at once. */
  public static final class Builder {
    private int maxAttempts = 2;
    private Duration delay = Duration.ofMillis(50);
    private double percentile;
    private Duration minDelay = Duration.ZERO;
    private Duration maxDelay = Duration.ZERO;

    private Builder() {}

    /**
     * Attempts in all, the first included. Default 2.
     *
     * @throws IllegalArgumentException unless 2 to 5
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 2 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
        throw new IllegalArgumentException("hedge maxAttempts must be 2 to " + MAX_ATTEMPTS_LIMIT + ", was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * A fixed delay before each hedge (after the previous attempt started). Default 50 ms.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder delay(Duration delay) {
      this.delay = positive(delay, "hedge delay");
      this.percentile = 0;
      return this;
    }

    /**
     * The delay follows the method's recent latency (successful attempts, a sliding window of
     * about the last minute) at {@code percentile}, kept within {@code [min, max]}. Until enough
     * latencies are known the delay is {@code max}.
     *
     * @throws IllegalArgumentException if {@code percentile} is not within (0, 100), a bound is
     *     not positive, or {@code min > max}
     */
    public Builder delayAtPercentile(double percentile, Duration min, Duration max) {
      if (!(percentile > 0 && percentile < 100)) {
        throw new IllegalArgumentException("hedge percentile must be within (0, 100), was " + percentile);
      }
      positive(min, "hedge minimum delay");
      positive(max, "hedge maximum delay");
      if (min.compareTo(max) > 0) {
        throw new IllegalArgumentException("hedge minimum delay " + min + " exceeds maximum " + max);
      }
      this.percentile = percentile;
      this.minDelay = min;
      this.maxDelay = max;
      this.delay = max;
      return this;
    }

    /** The immutable policy. */
    public HedgePolicy build() {
      return new HedgePolicy(this);
    }

    private static Duration positive(Duration value, String what) {
      Objects.requireNonNull(value, what);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, was " + value);
      }
      return value;
    }
  }
}
