package dev.rpcproxy;

import dev.rpcproxy.internal.InboundDeadlines;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Deadlines that travel into a server: work done for an inbound request inherits the time its
 * caller has left, so every rpc-proxy call made inside ends no later than that.
 *
 * <pre>{@code
 * // In a REST handler (any server): the caller sent X-Request-Timeout (milliseconds left), as
 * // HttpTransport.builder().deadlineHeader("X-Request-Timeout") does.
 * try (Deadlines.Scope scope = Deadlines.fromHeader(request.getHeader("X-Request-Timeout"))) {
 *   return restaurants.restaurant(id);   // ends by the caller's deadline, whatever its own timeout
 * }
 * }</pre>
 *
 * <p>The scope belongs to the thread that opened it: calls started on that thread while it is
 * open are capped (async calls too, when they start there). Scopes nest; the earlier deadline
 * wins. Inside a gRPC server handler nothing is needed: with rpc-proxy-grpc on the class path the
 * gRPC {@code Context} deadline caps calls on both transports, and gRPC calls carry it on.
 */
public final class Deadlines {
  private Deadlines() {}

  /**
   * Caps calls made on this thread until the scope is closed at {@code timeLeft} from now.
   *
   * @throws IllegalArgumentException if {@code timeLeft} is negative
   */
  public static Scope within(Duration timeLeft) {
    Objects.requireNonNull(timeLeft, "timeLeft");
    if (timeLeft.isNegative()) {
      throw new IllegalArgumentException("timeLeft must not be negative, was " + timeLeft);
    }
    return InboundDeadlines.open(System.nanoTime() + saturatedNanos(timeLeft));
  }

  /**
   * {@link #within} the milliseconds a caller sent in a header such as {@code X-Request-Timeout}.
   * A missing, empty, negative or unreadable value (a caller's mistake must not fail the
   * server's work) gives a scope that caps nothing.
   */
  public static Scope fromHeader(String millisLeft) {
    if (millisLeft == null || millisLeft.isBlank()) {
      return InboundDeadlines.NO_SCOPE;
    }
    long millis;
    try {
      millis = Long.parseLong(millisLeft.trim());
    } catch (NumberFormatException e) {
      return InboundDeadlines.NO_SCOPE;
    }
    if (millis < 0) {
      return InboundDeadlines.NO_SCOPE;
    }
    return InboundDeadlines.open(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(millis, Long.MAX_VALUE / 2_000_000)));
  }

  /** The time left of the current thread's inherited deadline, if it has one (any source). */
  public static java.util.Optional<Duration> timeLeft() {
    long nanos = InboundDeadlines.remainingNanos();
    return nanos == Long.MAX_VALUE ? java.util.Optional.empty() : java.util.Optional.of(Duration.ofNanos(Math.max(0, nanos)));
  }

  private static long saturatedNanos(Duration d) {
    try {
      return Math.min(d.toNanos(), Long.MAX_VALUE / 4);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }

  /** An open inbound deadline; closing it restores the one before. */
  public interface Scope extends AutoCloseable {
    /** Ends the scope on the thread that opened it. */
    @Override
    void close();
  }
}
