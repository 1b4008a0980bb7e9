package dev.rpcproxy.reliability.faultproxy;

import java.time.Duration;

/**
 * What a {@link FaultProxy} does to the bytes of one direction of a connection (Toxiproxy's
 * "toxics", several at once). Immutable; {@link #NONE} forwards untouched. Switching a
 * connection's toxic at run time starts its byte count ({@link #cutAfterBytes}) afresh.
 *
 * <pre>{@code
 * Toxic.NONE.latency(Duration.ofMillis(50), Duration.ofMillis(20))  // each chunk 30-70 ms late
 * Toxic.NONE.bandwidth(8_192)                                        // 8 KiB/s
 * Toxic.NONE.cutAfter(100, Cut.BLACK_HOLE)                           // 100 bytes, then silence
 * }</pre>
 *
 * @param latencyMillis delay added to each chunk read
 * @param jitterMillis the delay varies by up to this much either way
 * @param bytesPerSecond 0 for no limit
 * @param cutAfterBytes -1 for never; else forward this many bytes, then {@link #cut}
 * @param cut what happens at {@link #cutAfterBytes}
 * @param slowCloseMillis how long a close (FIN) from this direction's source waits before it is passed on
 */
public record Toxic(long latencyMillis, long jitterMillis, long bytesPerSecond, long cutAfterBytes, Cut cut,
    long slowCloseMillis) {

  /** Forwards everything at once. */
  public static final Toxic NONE = new Toxic(0, 0, 0, -1, Cut.BLACK_HOLE, 0);

  /** What happens to a connection when its {@link #cutAfterBytes} have been forwarded. */
  public enum Cut {
    /** Stop forwarding this direction for good; the sockets stay open and silent (no FIN, no RST). */
    BLACK_HOLE,
    /** Close both sides of the connection (FIN). */
    CLOSE,
    /** Reset both sides of the connection (RST, via {@code SO_LINGER 0}). */
    RESET
  }

  public Toxic latency(Duration latency, Duration jitter) {
    return new Toxic(latency.toMillis(), jitter.toMillis(), bytesPerSecond, cutAfterBytes, cut, slowCloseMillis);
  }

  public Toxic bandwidth(long bytesPerSecond) {
    return new Toxic(latencyMillis, jitterMillis, bytesPerSecond, cutAfterBytes, cut, slowCloseMillis);
  }

  public Toxic cutAfter(long bytes, Cut cut) {
    return new Toxic(latencyMillis, jitterMillis, bytesPerSecond, bytes, cut, slowCloseMillis);
  }

  public Toxic slowClose(Duration delay) {
    return new Toxic(latencyMillis, jitterMillis, bytesPerSecond, cutAfterBytes, cut, delay.toMillis());
  }

  /** Short, for logs and summaries. */
  public String describe() {
    if (equals(NONE)) {
      return "none";
    }
    StringBuilder out = new StringBuilder();
    if (latencyMillis > 0 || jitterMillis > 0) {
      out.append("latency ").append(latencyMillis).append("±").append(jitterMillis).append("ms ");
    }
    if (bytesPerSecond > 0) {
      out.append("bandwidth ").append(bytesPerSecond).append("B/s ");
    }
    if (cutAfterBytes >= 0) {
      out.append(cut.name().toLowerCase(java.util.Locale.ROOT)).append(" after ").append(cutAfterBytes).append("B ");
    }
    if (slowCloseMillis > 0) {
      out.append("slow close ").append(slowCloseMillis).append("ms ");
    }
    return out.toString().trim();
  }
}
