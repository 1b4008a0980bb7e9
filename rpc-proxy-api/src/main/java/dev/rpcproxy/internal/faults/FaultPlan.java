package dev.rpcproxy.internal.faults;

import dev.rpcproxy.FaultInjection;
import dev.rpcproxy.RemoteCallException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The faults of one method, drawn attempt by attempt: whether it waits first, whether it is
 * aborted unsent. Made only for a policy whose {@link FaultInjection} is active, so a method
 * without faults has none and pays nothing.
 *
 * <p>With a seed, attempt {@code n} of the method (counted from the first) draws from the
 * SplitMix64 sequence of that seed (Steele, Lea and Flood, "Fast Splittable Pseudorandom Number
 * Generators", OOPSLA 2014, the generator behind {@link java.util.SplittableRandom}) at positions
 * {@code 2n} and {@code 2n + 1}: the same attempts meet the same faults on every run. Without one,
 * each attempt draws from {@link ThreadLocalRandom}.
 */
public final class FaultPlan {
  /** {@link #next()}: the attempt waits {@link #delayNanos()} before it is sent. */
  public static final int DELAY = 1;
  /** {@link #next()}: the attempt fails with {@link #abort()} and is not sent. */
  public static final int ABORT = 2;

  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
  private static final double UNIT = 0x1.0p-53;
  private static final String FAULTS = "rpc.client.faults";

  private final String client;
  private final String method;
  private final long delayNanos;
  private final double delayPercent;
  private final double abortPercent;
  private final String abortStatus;
  private final boolean seeded;
  private final long seed;
  private final AtomicLong attempts = new AtomicLong();
  private final Counter delays;
  private final Counter aborts;

  private FaultPlan(FaultInjection faults, String client, String method, MeterRegistry registry) {
    this.client = client;
    this.method = method;
    this.delayNanos = faults.delay().toNanos();
    this.delayPercent = faults.delayPercent();
    this.abortPercent = faults.abortPercent();
    this.abortStatus = faults.abortStatus();
    this.seeded = faults.seed().isPresent();
    this.seed = faults.seed().orElse(0);
    this.delays = registry == null ? null : counter(registry, client, method, "delay");
    this.aborts = registry == null ? null : counter(registry, client, method, "abort");
  }

  /** The plan of a method, or {@code null} when {@code faults} injects nothing. */
  public static FaultPlan of(FaultInjection faults, String client, String method, MeterRegistry registry) {
    return faults == null || !faults.isActive() ? null : new FaultPlan(faults, client, method, registry);
  }

  private static Counter counter(MeterRegistry registry, String client, String method, String kind) {
    return Counter.builder(FAULTS)
        .description("Faults injected on purpose into attempts, by kind")
        .tags("client", client, "method", method, "kind", kind)
        .register(registry);
  }

  /** Draws the faults of the next attempt: {@code 0}, or {@link #DELAY} and/or {@link #ABORT}. */
  public int next() {
    double delayDraw;
    double abortDraw;
    if (seeded) {
      long n = attempts.getAndIncrement();
      delayDraw = percent(mix(seed + (2 * n + 1) * GOLDEN_GAMMA));
      abortDraw = percent(mix(seed + (2 * n + 2) * GOLDEN_GAMMA));
    } else {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      delayDraw = random.nextDouble(100);
      abortDraw = random.nextDouble(100);
    }
    int faults = 0;
    if (delayDraw < delayPercent) {
      faults |= DELAY;
      if (delays != null) {
        delays.increment();
      }
    }
    if (abortDraw < abortPercent) {
      faults |= ABORT;
      if (aborts != null) {
        aborts.increment();
      }
    }
    return faults;
  }

  /** How long a delayed attempt waits before it is sent. */
  public long delayNanos() {
    return delayNanos;
  }

  /** The failure of an aborted attempt: the service's, retryable, with the configured status. */
  public RemoteCallException abort() {
    return RemoteCallException.retryable(client, method, abortStatus, null, "fault injected", null);
  }

  /** SplitMix64's output function (the paper's {@code mix64}). */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static double percent(long bits) {
    return (bits >>> 11) * UNIT * 100;
  }
}
