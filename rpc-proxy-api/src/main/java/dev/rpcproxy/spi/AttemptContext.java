package dev.rpcproxy.spi;

import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.TimeSource;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a transport is told about one attempt of a call: its deadline, its number and kind, the
 * attempts of the same call that went before it, and the headers that carry the trace context.
 * Made by the pipeline for each attempt; immutable but for {@link #useEndpoint}, which a
 * balancing transport calls once so that later attempts of the call can go elsewhere.
 *
 * <pre>{@code
 * long nanos = attempt.remainingNanos();
 * if (nanos <= 0) throw attempt.timeoutException(client, method, null);
 * call.timeout().timeout(nanos, TimeUnit.NANOSECONDS);
 * }</pre>
 *
 * <p>The deadline is the attempt's: the earlier of the call's deadline and the policy's attempt
 * timeout. A transport turns it into its own cancellation (OkHttp call timeout, gRPC
 * {@code CallOptions} deadline) so that the work really stops.
 */
public final class AttemptContext {
  private final TimeSource time;
  private final long deadlineNanos;
  private final long callDeadlineNanos;
  private final long callTimeoutNanos;
  private final int number;
  private final AttemptKind kind;
  private final AttemptContext previous;
  private final Map<String, String> headers;
  private volatile URI endpoint;

  /**
   * @param time the client's time source
   * @param deadlineNanos when this attempt must end, on {@code time}
   * @param callDeadlineNanos when the whole call must end, on {@code time}
   * @param callTimeoutNanos the whole call's configured timeout (for messages)
   * @param number the attempt's number within the call, from 1
   * @param kind first, retry or hedge
   * @param previous the call's attempt started before this one, or {@code null}
   * @param headers headers to send with this attempt (trace context); empty when none
   */
  public AttemptContext(TimeSource time, long deadlineNanos, long callDeadlineNanos, long callTimeoutNanos,
      int number, AttemptKind kind, AttemptContext previous, Map<String, String> headers) {
    this.time = time;
    this.deadlineNanos = deadlineNanos;
    this.callDeadlineNanos = callDeadlineNanos;
    this.callTimeoutNanos = callTimeoutNanos;
    this.number = number;
    this.kind = kind;
    this.previous = previous;
    this.headers = headers;
  }

  /**
   * A first attempt with {@code timeout} from now on {@code time}, nothing before it and no
   * headers: for tests and transports used on their own.
   *
   * @throws IllegalArgumentException if {@code timeout} is not positive
   */
  public static AttemptContext first(TimeSource time, Duration timeout) {
    long nanos = timeout.toNanos();
    if (nanos <= 0) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    long deadline = time.nanoTime() + nanos;
    return new AttemptContext(time, deadline, deadline, nanos, 1, AttemptKind.FIRST, null, Map.of());
  }

  /** Nanoseconds this attempt has left; zero or negative once its deadline has passed. */
  public long remainingNanos() {
    return deadlineNanos - time.nanoTime();
  }

  /** Time left, in {@code unit}, rounded up so that a positive remainder never reads as zero. */
  public long remaining(TimeUnit unit) {
    long nanos = remainingNanos();
    if (nanos <= 0) {
      return 0;
    }
    long one = unit.toNanos(1);
    return (nanos + one - 1) / one;
  }

  /** {@code true} once this attempt's deadline has passed. */
  public boolean isExpired() {
    return remainingNanos() <= 0;
  }

  /** {@code true} once the whole call's deadline has passed (not only this attempt's). */
  public boolean isCallExpired() {
    return callDeadlineNanos - time.nanoTime() <= 0;
  }

  /** The whole call's configured timeout, as exceptions report it. */
  public Duration callTimeout() {
    return Duration.ofNanos(callTimeoutNanos);
  }

  /**
   * The exception for this attempt running out of time: an {@link RpcTimeoutException} naming the
   * call's timeout. When only the attempt timeout passed (the call has time left), the pipeline
   * treats it as a retryable failure of this attempt.
   */
  public RpcTimeoutException timeoutException(String client, String method, Throwable cause) {
    return new RpcTimeoutException(client, method, callTimeout(), cause);
  }

  /** The attempt's number within its call, from 1. */
  public int number() {
    return number;
  }

  /** First, retry or hedge. */
  public AttemptKind kind() {
    return kind;
  }

  /** The call's attempt started just before this one, or {@code null} for the first. */
  public AttemptContext previous() {
    return previous;
  }

  /** The endpoint this attempt went to, if its transport said ({@link #useEndpoint}); else {@code null}. */
  public URI endpoint() {
    return endpoint;
  }

  /**
   * {@code true} if an earlier attempt of this call went to {@code candidate} (compared by
   * identity first, then by equality), so that a balancer can send this one elsewhere.
   */
  public boolean triedBefore(URI candidate) {
    for (AttemptContext a = previous; a != null; a = a.previous) {
      URI used = a.endpoint;
      if (used == candidate || (used != null && used.equals(candidate))) {
        return true;
      }
    }
    return false;
  }

  /** Records the endpoint this attempt goes to; a balancing transport calls it once. */
  public void useEndpoint(URI endpoint) {
    this.endpoint = endpoint;
  }

  /** Headers to add to this attempt's request (trace context); empty when there are none. */
  public Map<String, String> headers() {
    return headers;
  }

  /** The client's time source. */
  public TimeSource timeSource() {
    return time;
  }

  @Override
  public String toString() {
    return "Attempt[" + number + " " + kind.tag() + ", remaining=" + remaining(TimeUnit.MILLISECONDS) + "ms]";
  }
}
