package dev.rpcproxy;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Faults injected on purpose, per client or per method like any policy setting, to rehearse an
 * outage without touching the service (Envoy's and Polly's fault injection, on the client side).
 *
 * <pre>{@code
 * Policy.builder().faults(FaultInjection.builder()
 *     .delay(Duration.ofMillis(200), 10.0)   // 10% of attempts wait 200 ms before they are sent
 *     .abort(5.0)                            // 5% of attempts fail as the service's failure, unsent
 *     .seed(42)                              // the same faults for the same attempts on every run
 *     .build());
 * }</pre>
 *
 * <p>Each attempt (first, retry or hedge) is decided on its own: first whether it is delayed, then
 * whether it is aborted. A delay is waited before the attempt is sent and counts against the
 * call's deadline: an attempt whose delay outlasts the time left is not sent. An aborted attempt
 * never reaches the service: it fails with a retryable {@link RemoteCallException} whose
 * {@linkplain RemoteCallException#status() status} is {@link #abortStatus()}, the service's failure
 * to the breaker, retries, hedges and fallbacks (endpoint health is not touched: no endpoint was
 * used). Injected faults are counted in {@code rpc.client.faults{client,method,kind}} with
 * {@code kind} {@code delay} or {@code abort}. {@link #none()} (0%) changes nothing and costs nothing.
 */
public final class FaultInjection {
  private static final FaultInjection NONE = new Builder().build();

  private final Duration delay;
  private final double delayPercent;
  private final double abortPercent;
  private final String abortStatus;
  private final Long seed;

  private FaultInjection(Builder b) {
    this.delay = b.delay;
    this.delayPercent = b.delayPercent;
    this.abortPercent = b.abortPercent;
    this.abortStatus = b.abortStatus;
    this.seed = b.seed;
  }

  /** No faults: what a policy has unless it sets some. */
  public static FaultInjection none() {
    return NONE;
  }

  /** A builder with no faults. */
  public static Builder builder() {
    return new Builder();
  }

  /** How long a delayed attempt waits before it is sent ({@link Duration#ZERO} if none is). */
  public Duration delay() {
    return delay;
  }

  /** The share of attempts delayed, in percent (0 to 100). */
  public double delayPercent() {
    return delayPercent;
  }

  /** The share of attempts aborted unsent, in percent (0 to 100). */
  public double abortPercent() {
    return abortPercent;
  }

  /** The status an aborted attempt fails with; default {@code "UNAVAILABLE"}. */
  public String abortStatus() {
    return abortStatus;
  }

  /** The seed that makes the faults replayable; empty for a different draw on every run. */
  public OptionalLong seed() {
    return seed == null ? OptionalLong.empty() : OptionalLong.of(seed);
  }

  /** {@code true} if any attempt may be delayed or aborted. */
  public boolean isActive() {
    return delayPercent > 0 || abortPercent > 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FaultInjection f && delay.equals(f.delay) && delayPercent == f.delayPercent
        && abortPercent == f.abortPercent && abortStatus.equals(f.abortStatus) && Objects.equals(seed, f.seed);
  }

  @Override
  public int hashCode() {
    return Objects.hash(delay, delayPercent, abortPercent, abortStatus, seed);
  }

  @Override
  public String toString() {
    return "FaultInjection{delay=" + delay + " for " + delayPercent + "%, abort=" + abortPercent + "% as "
        + abortStatus + (seed == null ? "" : ", seed=" + seed) + "}";
  }

  /** Builds a {@link FaultInjection}; every value is checked when it is set. */
  public static final class Builder {
    private Duration delay = Duration.ZERO;
    private double delayPercent;
    private double abortPercent;
    private String abortStatus = "UNAVAILABLE";
    private Long seed;

    private Builder() {}

    /**
     * Delays {@code percent} of attempts by {@code delay} before they are sent.
     *
     * @throws IllegalArgumentException if {@code delay} is not positive (with a percentage above
     *     0) or {@code percent} is not within 0 to 100
     */
    public Builder delay(Duration delay, double percent) {
      Objects.requireNonNull(delay, "delay");
      checkPercent("delay", percent);
      if (percent > 0 && (delay.isNegative() || delay.isZero())) {
        throw new IllegalArgumentException("faults: delay must be positive, was " + delay);
      }
      this.delay = delay;
      this.delayPercent = percent;
      return this;
    }

    /**
     * Aborts {@code percent} of attempts unsent, as the service's retryable failure.
     *
     * @throws IllegalArgumentException if {@code percent} is not within 0 to 100
     */
    public Builder abort(double percent) {
      checkPercent("abort", percent);
      this.abortPercent = percent;
      return this;
    }

    /**
     * Aborts {@code percent} of attempts unsent, failing with {@code status} (e.g. {@code "503"}
     * for a REST client's dashboards).
     *
     * @throws IllegalArgumentException if {@code percent} is not within 0 to 100 or the status is blank
     */
    public Builder abort(double percent, String status) {
      Objects.requireNonNull(status, "status");
      if (status.isBlank()) {
        throw new IllegalArgumentException("faults: abort status must not be blank");
      }
      abort(percent);
      this.abortStatus = status;
      return this;
    }

    /** Makes the faults replayable: attempt n of a method meets the same faults on every run. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The immutable fault settings. */
    public FaultInjection build() {
      return new FaultInjection(this);
    }

    private static void checkPercent(String what, double percent) {
      if (!(percent >= 0 && percent <= 100)) {
        throw new IllegalArgumentException("faults: " + what + " percentage must be within 0 and 100, was " + percent);
      }
    }
  }
}
