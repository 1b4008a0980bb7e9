package dev.rpcproxy.reliability;

import java.util.Random;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Decides, from a seeded {@link Random}, what the chaos servers do with each request. Two modes:
 * healthy (mostly answers, a sprinkle of every fault) and outage (only faults), switched by the
 * harness to drive the breakers open and closed again.
 */
final class FaultInjector {
  /** What a server does with one request. */
  enum Fault {
    NONE, LATENCY, ERROR, RESET, MALFORMED, TRUNCATED, DRIBBLE, HANG
  }

  private final Random random;
  private final AtomicLongArray counts = new AtomicLongArray(Fault.values().length);
  private volatile boolean outage;
  private volatile boolean off;
  private volatile Fault forced;

  FaultInjector(long seed) {
    this.random = new Random(seed);
  }

  void outage(boolean outage) {
    this.outage = outage;
  }

  /** Every request gets {@code fault} (null: back to random). */
  void force(Fault fault) {
    this.forced = fault;
  }

  /** No faults at all (warm-up). */
  void off(boolean off) {
    this.off = off;
  }

  /** The next fault (HTTP: every kind; gRPC maps RESET/TRUNCATED/DRIBBLE onto its own). */
  Fault next() {
    int roll;
    synchronized (random) {
      roll = random.nextInt(1000);
    }
    Fault fault = forced != null ? forced : off ? Fault.NONE : outage ? outageFault(roll) : healthyFault(roll);
    counts.incrementAndGet(fault.ordinal());
    return fault;
  }

  /** A value in [from, to), from the same seeded stream. */
  int between(int from, int to) {
    synchronized (random) {
      return from + random.nextInt(to - from);
    }
  }

  long count(Fault fault) {
    return counts.get(fault.ordinal());
  }

  // ~16% faults: too few to open a breaker (50% over 20 calls), enough to exercise every path.
  private static Fault healthyFault(int roll) {
    if (roll < 840) return Fault.NONE;
    if (roll < 890) return Fault.LATENCY;
    if (roll < 920) return Fault.ERROR;
    if (roll < 940) return Fault.RESET;
    if (roll < 960) return Fault.MALFORMED;
    if (roll < 975) return Fault.TRUNCATED;
    if (roll < 990) return Fault.DRIBBLE;
    return Fault.HANG;
  }

  private static Fault outageFault(int roll) {
    if (roll < 500) return Fault.ERROR;
    if (roll < 700) return Fault.RESET;
    if (roll < 850) return Fault.HANG;
    if (roll < 950) return Fault.MALFORMED;
    return Fault.TRUNCATED;
  }
}
