package dev.rpcproxy.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The closed state's count-based sliding window of one circuit breaker, recorded without a lock:
 * the results of the last {@code slidingWindowSize} attempts and the thresholds of Resilience4j's
 * {@code CircuitBreakerConfig}, deciding as Resilience4j's {@code FixedSizeSlidingWindowMetrics} and
 * {@code CircuitBreakerMetrics} do (same ring, same rates, same {@code >=} comparisons, the
 * minimum number of calls capped by the window size).
 *
 * <p>Why not Resilience4j's window: it takes a lock on every record, and with two or more callers
 * that lock is where calls queue, park and wake each other (measured in benchmarks/RESULTS.md).
 * Here a record claims a slot by advancing a cursor, reads the slot, and swaps it only when the
 * result differs from the one it replaces; the counters change only then. So a healthy service's
 * calls write nothing but the cursor. While callers do not collide there is one cursor over the
 * whole ring; the first failed compare-and-set on it splits the ring into 2, 4, ... parts, each
 * with its own cursor on its own cache line (at most two per processor, at least 16 slots each),
 * and a caller writes the part its thread's probe points to; a caller that collides moves its
 * probe, as {@code LongAdder} spreads its cells. Every time a part has been written all the way round,
 * every thread moves on to the next part, so the oldest results are the next overwritten: one
 * caller left alone after a split keeps exactly its last {@code size} results again once it has
 * gone round the ring (tested).
 *
 * <p>Exact for one caller at a time: a script of results gives Resilience4j's states and rates
 * step by step (tested). With concurrent callers each result is still counted once and removed
 * once (the swap decides), but the counters are read one by one, so a decision may see one call
 * more or less than a lock would have shown; and once the ring is split, each part replaces its
 * own oldest result, so a caller that calls less often keeps its results a little longer.
 */
final class CountWindow {
  /** Slot codes: bit 0 a result is there, bit 1 it failed, bit 2 it was slow. */
  static final int SUCCESS = 1;
  static final int FAILURE = 3;
  static final int SLOW_SUCCESS = 5;
  static final int SLOW_FAILURE = 7;

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
  private static final VarHandle CURSORS;
  /** Longs per cache line: cursors sit this far apart, with as much padding before the first. */
  private static final int LINE = 8;
  /**
   * The most parts: a few per processor, and at least {@link #MIN_PART} slots each (a part that
   * goes round every few calls would make the turn count as busy as one cursor).
   */
  private static final int MAX_PARTS = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 2);
  private static final int MIN_PART = 16;
  /** Which part a thread writes (with the turns), moved on when it collides, as {@code LongAdder}'s probe. */
  private static final ThreadLocal<int[]> PROBE = ThreadLocal.withInitial(() -> new int[] {mix(Thread.currentThread().getId())});
  /** Indexes of the counters in {@link #counters}, together on one line, padded on each side. */
  private static final int CALLS = 16;
  private static final int FAILED = 17;
  private static final int SLOW_SUCCEEDED = 18;
  private static final int SLOW_FAILED = 19;

  static {
    try {
      CURSORS = MethodHandles.lookup().findVarHandle(CountWindow.class, "cursors", Cursors.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int size;
  private final int minimumCalls;
  private final float failureRateThreshold;
  private final float slowCallRateThreshold;
  private final int[] counters = new int[2 * CALLS + 4];
  private final int[] ring;
  /** The ring's parts and their cursors; replaced by one with twice as many when callers collide. */
  private volatile Cursors cursors;

  CountWindow(CircuitBreakerConfig config) {
    this.size = config.getSlidingWindowSize();
    this.minimumCalls = Math.min(config.getMinimumNumberOfCalls(), size);
    this.failureRateThreshold = config.getFailureRateThreshold();
    this.slowCallRateThreshold = config.getSlowCallRateThreshold();
    this.ring = new int[size];
    this.cursors = new Cursors(1, size);
  }

  /** A window already split into {@code parts} (a power of two): for tests. */
  CountWindow(CircuitBreakerConfig config, int parts) {
    this(config);
    this.cursors = new Cursors(parts, size);
  }

  /**
   * The ring cut into {@code parts} consecutive parts, each written round-robin from its own
   * cursor; index 0 of {@code next} counts the turns completed (read by every record, written once
   * per turn), which shifts every thread's part by one.
   */
  private static final class Cursors {
    final int parts;
    /** Part {@code i}'s next position at index {@code (i + 1) * LINE}; the turns at index 0. */
    final long[] next;
    final int[] start;
    final int[] length;

    Cursors(int parts, int size) {
      this.parts = parts;
      this.next = new long[(parts + 2) * LINE];
      this.start = new int[parts];
      this.length = new int[parts];
      for (int i = 0; i < parts; i++) {
        start[i] = (int) ((long) i * size / parts);
        length[i] = (int) ((long) (i + 1) * size / parts) - start[i];
      }
    }
  }

  /**
   * Records one attempt's result (one of the slot codes) in place of the oldest one.
   *
   * @return {@code true} if the failure rate or the slow-call rate has reached its threshold
   */
  boolean record(int result) {
    int slot = claim();
    int old = (int) INTS.getVolatile(ring, slot);
    if (old == result || (old = (int) INTS.getAndSet(ring, slot, result)) == result) {
      return false; // nothing counted changed: the rates are what they were after the last check
    }
    if (old == 0) {
      INTS.getAndAdd(counters, CALLS, 1);
    }
    int failed = ((result >> 1) & 1) - ((old >> 1) & 1);
    if (failed != 0) {
      INTS.getAndAdd(counters, FAILED, failed);
    }
    int slowSucceeded = (result == SLOW_SUCCESS ? 1 : 0) - (old == SLOW_SUCCESS ? 1 : 0);
    if (slowSucceeded != 0) {
      INTS.getAndAdd(counters, SLOW_SUCCEEDED, slowSucceeded);
    }
    int slowFailed = (result == SLOW_FAILURE ? 1 : 0) - (old == SLOW_FAILURE ? 1 : 0);
    if (slowFailed != 0) {
      INTS.getAndAdd(counters, SLOW_FAILED, slowFailed);
    }
    return exceeded();
  }

  /** The next slot to write: the oldest of the part this thread writes. */
  private int claim() {
    Cursors c = cursors;
    if (c.parts == 1) {
      for (;;) {
        long position = (long) LONGS.getVolatile(c.next, LINE);
        if (LONGS.compareAndSet(c.next, LINE, position, position + 1)) {
          return (int) (position % size);
        }
        split(c);
      }
    }
    int[] probe = PROBE.get();
    for (;;) {
      int part = (probe[0] + (int) (long) LONGS.getVolatile(c.next, 0)) & (c.parts - 1);
      int at = (part + 1) * LINE;
      long position = (long) LONGS.getVolatile(c.next, at);
      if (LONGS.compareAndSet(c.next, at, position, position + 1)) {
        int offset = (int) (position % c.length[part]);
        if (offset == c.length[part] - 1) {
          LONGS.getAndAdd(c.next, 0, 1L); // this part is all new: every thread moves on
        }
        return c.start[part] + offset;
      }
      int p = probe[0]; // collided: this thread moves to another part (xorshift), and the ring may split
      p ^= p << 13;
      p ^= p >>> 17;
      p ^= p << 5;
      probe[0] = p;
      split(c);
    }
  }

  /** Callers collided on a cursor of {@code c}: spread them over twice as many parts. */
  private void split(Cursors c) {
    if (c.parts < MAX_PARTS && c.parts * 2 * MIN_PART <= size && cursors == c) {
      CURSORS.compareAndSet(this, c, new Cursors(c.parts * 2, size));
    }
  }

  /** How many parts the ring is cut into now. */
  int parts() {
    return cursors.parts;
  }

  /** A thread's first probe: its id through MurmurHash3's finalizer, never zero (xorshift would stay at zero). */
  private static int mix(long id) {
    long h = id;
    h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
    h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    int probe = (int) h;
    return probe == 0 ? 1 : probe;
  }

  private boolean exceeded() {
    int calls = calls();
    if (calls == 0 || calls < minimumCalls) {
      return false;
    }
    return failed() * 100.0f / calls >= failureRateThreshold
        || (slowSucceeded() + slowFailed()) * 100.0f / calls >= slowCallRateThreshold;
  }

  /** Results in the window. */
  int calls() {
    return (int) INTS.getVolatile(counters, CALLS);
  }

  /** Failed results in the window (slow or not). */
  int failed() {
    return (int) INTS.getVolatile(counters, FAILED);
  }

  /** Successful results slower than the slow-call threshold. */
  int slowSucceeded() {
    return (int) INTS.getVolatile(counters, SLOW_SUCCEEDED);
  }

  /** Failed results slower than the slow-call threshold. */
  int slowFailed() {
    return (int) INTS.getVolatile(counters, SLOW_FAILED);
  }

  /** The failure rate in percent, or -1 below the minimum number of calls (as Resilience4j reports it). */
  float failureRate() {
    int calls = calls();
    return calls == 0 || calls < minimumCalls ? -1.0f : failed() * 100.0f / calls;
  }

  /** The slow-call rate in percent, or -1 below the minimum number of calls. */
  float slowCallRate() {
    int calls = calls();
    return calls == 0 || calls < minimumCalls ? -1.0f : (slowSucceeded() + slowFailed()) * 100.0f / calls;
  }
}
