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
  private final Duration maxWaitForPermit;
  private final CircuitBreakerConfig circuitBreaker;
  private final RetryPolicy retry;
  private final Boolean circuitBreakerPerMethod;
  private final Duration attemptTimeout;
  private final HedgePolicy hedge;
  private final ConcurrencyLimit concurrencyLimit;
  private final RateLimit rateLimit;
  private final Duration streamIdleTimeout;
  private final FaultInjection faults;

  private Policy(Builder b) {
    this.timeout = b.timeout;
    this.maxWaitForPermit = b.maxWaitForPermit;
    this.circuitBreaker = b.circuitBreaker;
    this.retry = b.retry;
    this.circuitBreakerPerMethod = b.circuitBreakerPerMethod;
    this.attemptTimeout = b.attemptTimeout;
    this.hedge = b.hedge;
    this.concurrencyLimit = b.concurrencyLimit;
    this.rateLimit = b.rateLimit;
    this.streamIdleTimeout = b.streamIdleTimeout;
    this.faults = b.faults;
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
    b.concurrencyLimit = concurrencyLimit != null ? concurrencyLimit : parent.concurrencyLimit;
    b.maxWaitForPermit = maxWaitForPermit != null ? maxWaitForPermit : parent.maxWaitForPermit;
    b.circuitBreaker = circuitBreaker != null ? circuitBreaker : parent.circuitBreaker;
    b.retry = retry != null ? retry : parent.retry;
    b.circuitBreakerPerMethod =
        circuitBreakerPerMethod != null ? circuitBreakerPerMethod : parent.circuitBreakerPerMethod;
    b.attemptTimeout = attemptTimeout != null ? attemptTimeout : parent.attemptTimeout;
    b.hedge = hedge != null ? hedge : parent.hedge;
    b.rateLimit = rateLimit != null ? rateLimit : parent.rateLimit;
    b.streamIdleTimeout = streamIdleTimeout != null ? streamIdleTimeout : parent.streamIdleTimeout;
    b.faults = faults != null ? faults : parent.faults;
    return new Policy(b);
  }

  /** The whole-call timeout, retries and permit wait included; empty if inherited. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** The fixed bound on outstanding calls; empty if inherited or adaptive. */
  public Optional<Integer> maxConcurrentCalls() {
    return concurrencyLimit != null && concurrencyLimit.kind() == ConcurrencyLimit.Kind.FIXED
        ? Optional.of(concurrencyLimit.maxLimit())
        : Optional.empty();
  }

  /** The limit on outstanding calls, fixed or adaptive; empty if inherited. */
  public Optional<ConcurrencyLimit> concurrencyLimit() {
    return Optional.ofNullable(concurrencyLimit);
  }

  /** The timeout of each attempt; empty if unset (attempts end with the call's deadline). */
  public Optional<Duration> attemptTimeout() {
    return Optional.ofNullable(attemptTimeout);
  }

  /** Faults injected on purpose; empty if unset (none). */
  public Optional<FaultInjection> faults() {
    return Optional.ofNullable(faults);
  }

  /** Hedged attempts; empty if unset (no hedging). */
  public Optional<HedgePolicy> hedge() {
    return Optional.ofNullable(hedge);
  }

  /** The client-side rate limit; empty if unset (no limit). */
  public Optional<RateLimit> rateLimit() {
    return Optional.ofNullable(rateLimit);
  }

  /**
   * The longest wait for each next message of a stream; empty if unset (the stream ends with the
   * call's deadline).
   */
  public Optional<Duration> streamIdleTimeout() {
    return Optional.ofNullable(streamIdleTimeout);
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
    return "Policy[timeout=" + timeout + ", concurrencyLimit=" + concurrencyLimit
        + ", maxWaitForPermit=" + maxWaitForPermit + ", circuitBreaker=" + (circuitBreaker != null)
        + ", retry=" + retry + ", circuitBreakerPerMethod=" + circuitBreakerPerMethod
        + ", attemptTimeout=" + attemptTimeout + ", hedge=" + hedge + ", rateLimit=" + rateLimit + ", streamIdleTimeout=" + streamIdleTimeout
        + ", faults=" + faults + "]";
  }

  /**
   * A client-side rate limit: {@code permits} calls per {@code period}, with an optional wait.
   *
   * @param permits calls allowed per period
   * @param period the refresh period
   * @param maxWait how long a call may wait for a permit (never past its deadline); zero rejects at once
   */
  public record RateLimit(int permits, Duration period, Duration maxWait) {
    /** Validates the settings. */
    public RateLimit {
      Objects.requireNonNull(period, "period");
      Objects.requireNonNull(maxWait, "maxWait");
      if (permits < 1) {
        throw new IllegalArgumentException("rateLimit permits must be at least 1, was " + permits);
      }
      if (period.isNegative() || period.isZero()) {
        throw new IllegalArgumentException("rateLimit period must be positive, was " + period);
      }
      if (maxWait.isNegative()) {
        throw new IllegalArgumentException("rateLimit maxWait must not be negative, was " + maxWait);
      }
    }

    static RateLimit of(int permits, Duration period, Duration maxWait) {
      return new RateLimit(permits, period, maxWait);
    }
  }

  /** Builds a {@link Policy}; every setter validates its argument at once. */
  public static final class Builder {
    private static final CircuitBreakerConfig DEFAULT_BREAKER = CircuitBreakerConfig.ofDefaults();

    private Duration timeout;
    private ConcurrencyLimit concurrencyLimit;
    private Duration maxWaitForPermit;
    private CircuitBreakerConfig circuitBreaker;
    private RetryPolicy retry;
    private Boolean circuitBreakerPerMethod;
    private Duration attemptTimeout;
    private HedgePolicy hedge;
    private RateLimit rateLimit;
    private Duration streamIdleTimeout;
    private FaultInjection faults;

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
     * The bulkhead: at most this many calls outstanding (sync and async alike). Default 64. The
     * same as {@code concurrencyLimit(ConcurrencyLimit.fixed(maxConcurrentCalls))}.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxConcurrentCalls(int maxConcurrentCalls) {
      this.concurrencyLimit = ConcurrencyLimit.fixed(maxConcurrentCalls);
      return this;
    }

    /** The limit on outstanding calls, fixed or {@link ConcurrencyLimit#adaptive()}. Default fixed 64. */
    public Builder concurrencyLimit(ConcurrencyLimit limit) {
      this.concurrencyLimit = Objects.requireNonNull(limit, "concurrencyLimit");
      return this;
    }

    /**
     * The timeout of each attempt: an attempt ends at the earlier of this and the call's deadline.
     * An attempt cut by it is a retryable timeout, so with a {@link RetryPolicy} the next attempt
     * starts. Default: none (each attempt may use all the time the call has left).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder attemptTimeout(Duration attemptTimeout) {
      Objects.requireNonNull(attemptTimeout, "attemptTimeout");
      if (attemptTimeout.isNegative() || attemptTimeout.isZero()) {
        throw new IllegalArgumentException("attemptTimeout must be positive, was " + attemptTimeout);
      }
      this.attemptTimeout = attemptTimeout;
      return this;
    }

    /**
     * For streaming methods (a gRPC server-streaming RPC returned as {@code Stream} or
     * {@code Flow.Publisher}): each next message, or the stream's end, must arrive within this
     * while the caller is waiting for one. With it set, {@link #timeout} bounds only the wait for
     * the first message (attempts and retries included) and the stream may then last as long as
     * messages keep coming; without it, {@code timeout} covers the whole stream. Passing it ends
     * the stream with {@link RpcTimeoutException} and cancels the RPC. Default: none.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder streamIdleTimeout(Duration streamIdleTimeout) {
      Objects.requireNonNull(streamIdleTimeout, "streamIdleTimeout");
      if (streamIdleTimeout.isNegative() || streamIdleTimeout.isZero()) {
        throw new IllegalArgumentException("streamIdleTimeout must be positive, was " + streamIdleTimeout);
      }
      this.streamIdleTimeout = streamIdleTimeout;
      return this;
    }

    /**
     * Faults injected on purpose into this client's (or method's) attempts, to rehearse an outage;
     * see {@link FaultInjection}. Default: none.
     */
    public Builder faults(FaultInjection faults) {
      this.faults = Objects.requireNonNull(faults, "faults");
      return this;
    }

    /**
     * Hedged attempts for idempotent methods. A method override's hedge on a non-idempotent method
     * fails {@code build()}; a client-wide hedge skips non-idempotent methods. Default: none.
     */
    public Builder hedge(HedgePolicy hedge) {
      this.hedge = Objects.requireNonNull(hedge, "hedge");
      return this;
    }

    /**
     * A client-side rate limit: at most {@code permits} calls start per {@code period}; calls beyond
     * it are rejected at once with {@link RateLimitedException} (outcome {@code rate_limited}).
     *
     * @throws IllegalArgumentException if {@code permits < 1} or {@code period} is not positive
     */
    public Builder rateLimit(int permits, Duration period) {
      this.rateLimit = RateLimit.of(permits, period, Duration.ZERO);
      return this;
    }

    /**
     * A client-side rate limit whose calls may wait up to {@code maxWait} (and never past their
     * deadline) for a permit before {@link RateLimitedException}.
     *
     * @throws IllegalArgumentException if {@code permits < 1}, {@code period} is not positive or
     *     {@code maxWait} is negative
     */
    public Builder rateLimit(int permits, Duration period, Duration maxWait) {
      this.rateLimit = RateLimit.of(permits, period, maxWait);
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
     * The breaker's configuration, Resilience4j's own type, honoured as Resilience4j documents it.
     * rpc-proxy's {@link FailureClassifier} decides first: the caller's errors and cancelled
     * attempts are never recorded; the service's failures then pass the configuration's
     * {@code recordExceptions}/{@code ignoreExceptions} rules.
     *
     * @throws IllegalArgumentException if the configuration sets {@code recordResult(...)}: a
     *     returned value never counts as a failure here
     */
    public Builder circuitBreaker(CircuitBreakerConfig config) {
      Objects.requireNonNull(config, "circuitBreaker");
      if (config.getRecordResultPredicate() != DEFAULT_BREAKER.getRecordResultPredicate()) {
        throw new IllegalArgumentException("circuitBreaker: recordResult(...) is not supported: rpc-proxy records "
            + "each attempt by how its failure is classified (see FailureClassifier), never by a returned value; "
            + "throw from the service or the transport to count a result as a failure");
      }
      this.circuitBreaker = config;
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
