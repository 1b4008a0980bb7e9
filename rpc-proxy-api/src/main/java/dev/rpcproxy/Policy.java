package dev.rpcproxy;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The resilience settings of a client or of one of its methods. Immutable.
 *
 * <pre>{@code
 * Policy policy = Policy.builder()
 *     .timeout(Duration.ofMillis(300))      // whole call, retries included
 *     .maxConcurrentCalls(16)               // bulkhead: outstanding calls
 *     .circuitBreaker(CircuitBreakerConfig.custom().failureRateThreshold(50).build())
 *     .retry(RetryPolicy.builder().maxAttempts(3).build())
 *     .build();
 * }</pre>
 *
 * <p>Settings left unset are inherited: a method override from its client's policy, a client's
 * policy from {@link #defaults()}. The defaults are: timeout 10 s, 64 concurrent calls, no wait for
 * a permit, a breaker opening at 50% failures over the last 20 calls (at least 10) and staying open
 * 5 s with 3 half-open probes, no retries, one breaker and one bulkhead per client.
 */
public final class Policy {
  /** Default whole-call timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** Default bulkhead bound. */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS = 64;

  private static final Policy DEFAULTS = new Builder()
      .timeout(DEFAULT_TIMEOUT)
      .maxConcurrentCalls(DEFAULT_MAX_CONCURRENT_CALLS)
      .maxWaitForPermit(Duration.ZERO)
      .circuitBreaker(CircuitBreakerConfig.custom()
          .failureRateThreshold(50)
          .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
          .slidingWindowSize(20)
          .minimumNumberOfCalls(10)
          .waitDurationInOpenState(Duration.ofSeconds(5))
          .permittedNumberOfCallsInHalfOpenState(3)
          .build())
      .retry(RetryPolicy.none())
      .circuitBreakerPerMethod(false)
      .build();

  private final Duration timeout;
  private final Integer maxConcurrentCalls;
  private final Duration maxWaitForPermit;
  private final CircuitBreakerConfig circuitBreaker;
  private final RetryPolicy retry;
  private final Boolean circuitBreakerPerMethod;

  private Policy(Builder b) {
    this.timeout = b.timeout;
    this.maxConcurrentCalls = b.maxConcurrentCalls;
    this.maxWaitForPermit = b.maxWaitForPermit;
    this.circuitBreaker = b.circuitBreaker;
    this.retry = b.retry;
    this.circuitBreakerPerMethod = b.circuitBreakerPerMethod;
  }

  /** A builder with nothing set: everything is inherited. */
  public static Builder builder() {
    return new Builder();
  }

  /** The library defaults, with every setting present (see the class Javadoc). */
  public static Policy defaults() {
    return DEFAULTS;
  }

  /**
   * This policy with every setting it leaves unset taken from {@code parent}.
   *
   * @throws NullPointerException if {@code parent} is null
   */
  public Policy inheritingFrom(Policy parent) {
    Objects.requireNonNull(parent, "parent");
    Builder b = new Builder();
    b.timeout = timeout != null ? timeout : parent.timeout;
    b.maxConcurrentCalls = maxConcurrentCalls != null ? maxConcurrentCalls : parent.maxConcurrentCalls;
    b.maxWaitForPermit = maxWaitForPermit != null ? maxWaitForPermit : parent.maxWaitForPermit;
    b.circuitBreaker = circuitBreaker != null ? circuitBreaker : parent.circuitBreaker;
    b.retry = retry != null ? retry : parent.retry;
    b.circuitBreakerPerMethod =
        circuitBreakerPerMethod != null ? circuitBreakerPerMethod : parent.circuitBreakerPerMethod;
    return new Policy(b);
  }

  /** The whole-call timeout, retries and permit wait included; empty if inherited. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** The bulkhead bound on outstanding calls; empty if inherited. */
  public Optional<Integer> maxConcurrentCalls() {
    return Optional.ofNullable(maxConcurrentCalls);
  }

  /** How long a blocking call waits for a bulkhead permit; empty if inherited. */
  public Optional<Duration> maxWaitForPermit() {
    return Optional.ofNullable(maxWaitForPermit);
  }

  /** The breaker's Resilience4j configuration; empty if inherited. */
  public Optional<CircuitBreakerConfig> circuitBreaker() {
    return Optional.ofNullable(circuitBreaker);
  }

  /** The retry policy; empty if inherited. */
  public Optional<RetryPolicy> retry() {
    return Optional.ofNullable(retry);
  }

  /** Whether each method gets its own breaker named {@code client.method}; empty if inherited. */
  public Optional<Boolean> circuitBreakerPerMethod() {
    return Optional.ofNullable(circuitBreakerPerMethod);
  }

  @Override
  public String toString() {
    return "Policy[timeout=" + timeout + ", maxConcurrentCalls=" + maxConcurrentCalls
        + ", maxWaitForPermit=" + maxWaitForPermit + ", circuitBreaker=" + (circuitBreaker != null)
        + ", retry=" + retry + ", circuitBreakerPerMethod=" + circuitBreakerPerMethod + "]";
  }

  /** Builds a {@link Policy}; every setter validates its argument at once. */
  public static final class Builder {
    private Duration timeout;
    private Integer maxConcurrentCalls;
    private Duration maxWaitForPermit;
    private CircuitBreakerConfig circuitBreaker;
    private RetryPolicy retry;
    private Boolean circuitBreakerPerMethod;

    private Builder() {}

    /**
     * The deadline of the whole call, retries and backoff included. Default 10 s.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * The bulkhead: at most this many calls outstanding (sync and async alike). Default 64.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxConcurrentCalls(int maxConcurrentCalls) {
      if (maxConcurrentCalls < 1) {
        throw new IllegalArgumentException("maxConcurrentCalls must be at least 1, was " + maxConcurrentCalls);
      }
      this.maxConcurrentCalls = maxConcurrentCalls;
      return this;
    }

    /**
     * How long a call may wait for a bulkhead permit before {@link BulkheadFullException}.
     * Default zero: reject at once. The wait happens on the calling thread, so keep it zero for
     * clients whose callers must never block (async methods).
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxWaitForPermit(Duration maxWaitForPermit) {
      Objects.requireNonNull(maxWaitForPermit, "maxWaitForPermit");
      if (maxWaitForPermit.isNegative()) {
        throw new IllegalArgumentException("maxWaitForPermit must not be negative, was " + maxWaitForPermit);
      }
      this.maxWaitForPermit = maxWaitForPermit;
      return this;
    }

    /**
     * The breaker's configuration, Resilience4j's own type. Its record/ignore exception settings
     * are not used: rpc-proxy's {@link FailureClassifier} decides what counts.
     */
    public Builder circuitBreaker(CircuitBreakerConfig config) {
      this.circuitBreaker = Objects.requireNonNull(config, "circuitBreaker");
      return this;
    }

    /** Retries; default {@link RetryPolicy#none()}. */
    public Builder retry(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /**
     * Gives each method its own breaker ({@code client.method}) instead of one per client.
     * Default false. A method whose override sets {@link #circuitBreaker} always gets its own.
     */
    public Builder circuitBreakerPerMethod(boolean perMethod) {
      this.circuitBreakerPerMethod = perMethod;
      return this;
    }

    /** The immutable policy. */
    public Policy build() {
      return new Policy(this);
    }
  }
}
