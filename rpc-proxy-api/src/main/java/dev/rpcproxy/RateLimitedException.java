package dev.rpcproxy;

import java.time.Duration;

/**
 * The call was rejected by the client-side rate limit ({@link Policy.Builder#rateLimit}). Nothing
 * was sent; the call is counted by nothing but its {@code rate_limited} outcome. Created without
 * a stack trace: rejection must stay cheap.
 */
public class RateLimitedException extends RpcException {
  private static final long serialVersionUID = 1L;

  private final int permits;
  private final Duration period;

  /** @param permits calls allowed per {@code period} */
  public RateLimitedException(String client, String method, int permits, Duration period) {
    super(client, method, null, null, false);
    this.permits = permits;
    this.period = period;
  }

  /** Built when asked, not when thrown. */
  @Override
  public String getMessage() {
    return client() + "." + method() + " rejected: rate limit of " + permits + " calls per " + period + " reached";
  }

  /** Calls allowed per {@link #period()}. */
  public int permits() {
    return permits;
  }

  /** The rate limit's period. */
  public Duration period() {
    return period;
  }
}
