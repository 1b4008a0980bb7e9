package dev.rpcproxy.internal.limit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A fixed limit that never waits: a count of permits held, taken by compare-and-set and returned
 * by an atomic decrement, alone on its cache line. Resilience4j's semaphore bulkhead does the same
 * through a fair {@code Semaphore}'s timed path (which also reads the wait queue), and the
 * semaphore's state shares its line with whatever objects the heap puts beside it: with two
 * callers, every permit then costs the neighbours' readers a cache miss, more or less depending on
 * where a fork's objects land (benchmarks/RESULTS.md). Published under Resilience4j's bulkhead
 * meter names by {@link CallLimiters#bind}.
 */
public final class FixedCallLimiter implements CallLimiter {
  private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(int[].class);
  /** The count's index: 64 bytes of padding on each side. */
  private static final int HELD = 16;

  private final String name;
  private final int limit;
  private final int[] held = new int[2 * HELD + 1];

  public FixedCallLimiter(String name, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1: " + limit);
    }
    this.name = name;
    this.limit = limit;
  }

  @Override
  public boolean tryAcquire() {
    for (;;) {
      int now = (int) COUNTS.getVolatile(held, HELD);
      if (now >= limit) {
        return false;
      }
      if (COUNTS.compareAndSet(held, HELD, now, now + 1)) {
        return true;
      }
    }
  }

  @Override
  public void release(long rttNanos, Signal signal) {
    COUNTS.getAndAdd(held, HELD, -1);
  }

  @Override
  public int limit() {
    return limit;
  }

  @Override
  public int inFlight() {
    return (int) COUNTS.getVolatile(held, HELD);
  }

  /** The limit's name: the client's, or {@code client.method}. */
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return "FixedCallLimiter[" + name + ", limit=" + limit + "]";
  }
}
