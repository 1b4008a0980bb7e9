package dev.rpcproxy;

import java.time.Duration;
import java.util.Objects;

/**
 * Budgeted retries with exponential backoff and jitter. Immutable.
 *
 * <pre>{@code
 * RetryPolicy retry = RetryPolicy.builder()
 *     .maxAttempts(3)                          // first try + 2 retries
 *     .backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
 *     .build();
 * }</pre>
 *
 * <p>A retry happens only when all hold: the failure is retryable (as the transport marked it),
 * the method is idempotent (HTTP GET/HEAD/PUT/DELETE, gRPC idempotent, or {@link Idempotent}),
 * attempts are left, the backoff ends before the call's deadline, and the retry budget allows it.
 * The budget keeps retries to about {@link #budgetRatio()} of the calls made over the last
 * {@link #budgetWindow()}, plus a floor of {@link #minRetriesPerSecond()}, so that in an outage
 * retries cannot multiply the load on the service. The budget is shared by every method of a
 * client that uses the same {@code RetryPolicy} instance.
 *
 * <p>Defaults: 3 attempts, backoff 50 ms doubling up to 1 s, jitter 0.5 (each wait is drawn from
 * [50%, 100%] of its nominal value), budget 20% over 10 s with a floor of 10 retries a second.
 */
public final class RetryPolicy {
  private static final RetryPolicy NONE = builder().maxAttempts(1).build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double multiplier;
  private final double jitter;
  private final double budgetRatio;
  private final int minRetriesPerSecond;
  private final Duration budgetWindow;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.multiplier = b.multiplier;
    this.jitter = b.jitter;
    this.budgetRatio = b.budgetRatio;
    this.minRetriesPerSecond = b.minRetriesPerSecond;
    this.budgetWindow = b.budgetWindow;
  }

  /** A builder with the defaults of the class Javadoc. */
  public static Builder builder() {
    return new Builder();
  }

  /** No retries: one attempt. */
  public static RetryPolicy none() {
    return NONE;
  }

  /** Attempts in all, the first included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Nominal wait before the first retry. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** Cap on the nominal wait. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** Growth of the nominal wait per retry. */
  public double multiplier() {
    return multiplier;
  }

  /** Share of each wait that is random: the wait is drawn from {@code [1 - jitter, 1]} of nominal. */
  public double jitter() {
    return jitter;
  }

  /** Retries allowed as a share of calls over {@link #budgetWindow()}. */
  public double budgetRatio() {
    return budgetRatio;
  }

  /** Retries allowed per second whatever the call volume. */
  public int minRetriesPerSecond() {
    return minRetriesPerSecond;
  }

  /** The window over which the budget counts calls and retries. */
  public Duration budgetWindow() {
    return budgetWindow;
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts=" + maxAttempts + ", backoff=" + initialBackoff.toMillis() + ".."
        + maxBackoff.toMillis() + "ms x" + multiplier + ", jitter=" + jitter + ", budget="
        + budgetRatio + "/" + budgetWindow.toSeconds() + "s+" + minRetriesPerSecond + "/s]";
  }

  /** Builds a {@link RetryPolicy}; every setter validates its argument at once. */
  public static final class Builder {
    private int maxAttempts = 3;
    private Duration initialBackoff = Duration.ofMillis(50);
    private Duration maxBackoff = Duration.ofSeconds(1);
    private double multiplier = 2.0;
    private double jitter = 0.5;
    private double budgetRatio = 0.2;
    private int minRetriesPerSecond = 10;
    private Duration budgetWindow = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * Attempts in all, the first included. Default 3.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Exponential backoff from {@code initial}, capped at {@code max}. Default 50 ms .. 1 s.
     *
     * @throws IllegalArgumentException if {@code initial} is negative or {@code max < initial}
     */
    public Builder backoff(Duration initial, Duration max) {
      Objects.requireNonNull(initial, "initial");
      Objects.requireNonNull(max, "max");
      if (initial.isNegative()) {
        throw new IllegalArgumentException("initial backoff must not be negative, was " + initial);
      }
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("max backoff " + max + " is less than initial backoff " + initial);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * Growth factor of the wait. Default 2.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException("multiplier must be at least 1, was " + multiplier);
      }
      this.multiplier = multiplier;
      return this;
    }

    /**
     * Random share of each wait, 0 (none) to 1 (full jitter). Default 0.5.
     *
     * @throws IllegalArgumentException if outside [0, 1]
     */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0.0 && jitter <= 1.0)) {
        throw new IllegalArgumentException("jitter must be within [0, 1], was " + jitter);
      }
      this.jitter = jitter;
      return this;
    }

    /**
     * The retry budget: at most {@code ratio} retries per call over {@code window}, plus
     * {@code minRetriesPerSecond}. Default 0.2 over 10 s, floor 10/s.
     *
     * @throws IllegalArgumentException if {@code ratio} is negative, the floor negative, or the
     *     window shorter than one second
     */
    public Builder budget(double ratio, int minRetriesPerSecond, Duration window) {
      Objects.requireNonNull(window, "window");
      if (!(ratio >= 0.0) || Double.isInfinite(ratio)) {
        throw new IllegalArgumentException("budget ratio must be a non-negative number, was " + ratio);
      }
      if (minRetriesPerSecond < 0) {
        throw new IllegalArgumentException("minRetriesPerSecond must not be negative, was " + minRetriesPerSecond);
      }
      if (window.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("budget window must be at least 1 s, was " + window);
      }
      this.budgetRatio = ratio;
      this.minRetriesPerSecond = minRetriesPerSecond;
      this.budgetWindow = window;
      return this;
    }

    /** The immutable policy. */
    public RetryPolicy build() {
      return new RetryPolicy(this);
    }
  }
}
