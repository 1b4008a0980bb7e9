package dev.rpcproxy.samples.downstream;

import java.time.Duration;

/**
 * How a downstream service misbehaves: its usual latency, a share of requests that are slow, and
 * a share answered with an error (HTTP 503 or gRPC UNAVAILABLE). Immutable.
 *
 * @param latency usual response time
 * @param jitter the usual response time varies by up to this much either way
 * @param slowShare share of requests, 0 to 1, that take {@code slowLatency} instead
 * @param slowLatency response time of a slow request
 * @param errorShare share of requests, 0 to 1, answered with an error
 */
public record Fault(Duration latency, Duration jitter, double slowShare, Duration slowLatency, double errorShare) {

  public Fault {
    if (slowShare < 0 || slowShare > 1 || errorShare < 0 || errorShare > 1) {
      throw new IllegalArgumentException("shares must be within [0, 1]: slow " + slowShare + ", error " + errorShare);
    }
    if (jitter.compareTo(latency) > 0) {
      throw new IllegalArgumentException("jitter " + jitter + " exceeds latency " + latency);
    }
  }

  /** A healthy service answering in {@code latency} ± {@code jitter}. */
  public static Fault healthy(Duration latency, Duration jitter) {
    return new Fault(latency, jitter, 0, Duration.ZERO, 0);
  }

  /** This fault with a share of requests taking {@code slowLatency}. */
  public Fault withSlow(double share, Duration slowLatency) {
    return new Fault(latency, jitter, share, slowLatency, errorShare);
  }

  /** This fault with a share of requests answered with an error. */
  public Fault withErrors(double share) {
    return new Fault(latency, jitter, slowShare, slowLatency, share);
  }

  /** This fault with another usual latency. */
  public Fault withLatency(Duration latency, Duration jitter) {
    return new Fault(latency, jitter, slowShare, slowLatency, errorShare);
  }
}
