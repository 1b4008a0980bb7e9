package dev.rpcproxy.internal;

import dev.rpcproxy.Deadlines;
import dev.rpcproxy.TimeSource;
import dev.rpcproxy.spi.InboundDeadline;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.LoggerFactory;

/**
 * The deadlines a call inherits: the thread's {@link Deadlines} scope and every
 * {@link InboundDeadline} found by {@link ServiceLoader} (the gRPC {@code Context}).
 *
 * <p>Inbound deadlines are on {@link System#nanoTime()}; a client's time source may be another
 * (a fake in tests), so a cap is converted through the time left.
 */
public final class InboundDeadlines {
  /** A scope that caps nothing. */
  public static final Deadlines.Scope NO_SCOPE = () -> {};

  private static final ThreadLocal<long[]> SCOPED = new ThreadLocal<>();
  private static final InboundDeadline[] PROVIDERS = load();

  private InboundDeadlines() {}

  /**
   * The providers on the class path that work: rpc-proxy-grpc without grpc-java beside it (its
   * grpc dependencies are optional) must not break every other call, so a provider that cannot be
   * loaded or asked is left out and logged.
   */
  private static InboundDeadline[] load() {
    List<InboundDeadline> found = new ArrayList<>();
    Iterator<InboundDeadline> providers =
        ServiceLoader.load(InboundDeadline.class, InboundDeadlines.class.getClassLoader()).iterator();
    for (int tries = 0; tries < 100; tries++) { // a broken iterator may fail the same way each time
      try {
        if (!providers.hasNext()) {
          break;
        }
        InboundDeadline provider = providers.next();
        provider.remainingNanos(); // loads what it needs now, not on a caller's first call
        found.add(provider);
      } catch (ServiceConfigurationError | LinkageError e) {
        LoggerFactory.getLogger(InboundDeadlines.class).warn("Inbound deadline provider not used: {}", e.toString());
      }
    }
    return found.toArray(new InboundDeadline[0]);
  }

  /** Opens a scope ending at {@code deadlineNanos} on {@link System#nanoTime()}; the earlier deadline wins. */
  public static Deadlines.Scope open(long deadlineNanos) {
    long[] previous = SCOPED.get();
    long effective = previous != null && previous[0] - deadlineNanos < 0 ? previous[0] : deadlineNanos;
    SCOPED.set(new long[] {effective});
    return () -> {
      if (previous == null) {
        SCOPED.remove();
      } else {
        SCOPED.set(previous);
      }
    };
  }

  /** Nanoseconds left of the earliest inbound deadline of this thread; {@link Long#MAX_VALUE} if none. */
  public static long remainingNanos() {
    long remaining = Long.MAX_VALUE;
    long[] scoped = SCOPED.get();
    if (scoped != null) {
      remaining = scoped[0] - System.nanoTime();
    }
    for (InboundDeadline provider : PROVIDERS) {
      remaining = Math.min(remaining, provider.remainingNanos());
    }
    return remaining;
  }

  /** {@code deadline} (on {@code time}) capped by the inbound deadline of this thread, if any. */
  static long cap(TimeSource time, long deadline) {
    long[] scoped = SCOPED.get();
    if (scoped == null && PROVIDERS.length == 0) {
      return deadline;
    }
    long remaining = remainingNanos();
    if (remaining == Long.MAX_VALUE) {
      return deadline;
    }
    long inbound = time.nanoTime() + remaining;
    return inbound - deadline < 0 ? inbound : deadline;
  }
}
