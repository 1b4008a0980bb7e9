package dev.rpcproxy.spi;

import dev.rpcproxy.TimeSource;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The whole-call deadline handed to every attempt of one call (the same object for each retry). A transport turns it into its own cancellation
 * (OkHttp call timeout, gRPC {@code CallOptions} deadline) so that the work really stops.
 *
 * <pre>{@code
 * long nanos = deadline.remainingNanos();
 * if (nanos <= 0) throw deadline.timeoutException(client, method, null);
 * call.timeout().timeout(nanos, TimeUnit.NANOSECONDS);
 * }</pre>
 */
public final class Deadline {
  private final TimeSource time;
  private final long deadlineNanos;
  private final long timeoutNanos;
  // Attempts of one call run one after another, each started after the previous one ended.
  private Object transportState;

  private Deadline(TimeSource time, long startNanos, long timeoutNanos) {
    this.time = time;
    this.timeoutNanos = timeoutNanos;
    this.deadlineNanos = startNanos + timeoutNanos;
  }

  /**
   * A deadline {@code timeoutNanos} after {@code startNanos}, read from {@code time}.
   *
   * @throws IllegalArgumentException if {@code timeoutNanos} is not positive
   */
  public static Deadline of(TimeSource time, long startNanos, long timeoutNanos) {
    if (timeoutNanos <= 0) {
      throw new IllegalArgumentException("timeout must be positive: " + timeoutNanos + " ns");
    }
    return new Deadline(time, startNanos, timeoutNanos);
  }

  /** A deadline {@code timeout} from now, on the system time source. */
  public static Deadline after(Duration timeout) {
    TimeSource time = TimeSource.system();
    return of(time, time.nanoTime(), timeout.toNanos());
  }

  /** Nanoseconds left; zero or negative once the deadline has passed. */
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

  /** {@code true} once the deadline has passed. */
  public boolean isExpired() {
    return remainingNanos() <= 0;
  }

  /** The whole-call timeout this deadline was made from. */
  public Duration timeout() {
    return Duration.ofNanos(timeoutNanos);
  }

  /**
   * What the transport kept from this call's previous attempt, e.g. the endpoint it used so that a
   * retry goes elsewhere; {@code null} on the first attempt.
   */
  public Object transportState() {
    return transportState;
  }

  /** Keeps {@code state} for this call's next attempt (see {@link #transportState()}). */
  public void transportState(Object state) {
    this.transportState = state;
  }

  /** The time source this deadline reads. */
  public TimeSource timeSource() {
    return time;
  }

  @Override
  public String toString() {
    return "Deadline[timeout=" + timeout().toMillis() + "ms, remaining=" + remaining(TimeUnit.MILLISECONDS) + "ms]";
  }
}
