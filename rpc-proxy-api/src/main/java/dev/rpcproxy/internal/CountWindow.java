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
 * Here a record is one atomic increment of a cursor and one atomic swap of the slot it points to;
 * the counters change only when the swapped-out result differs from the new one, so a healthy
 * service's calls write nothing else. Neighbouring cursor values land on different cache lines
 * ({@code stride}), and the cursor and the counters sit alone on theirs, so two callers do not
 * invalidate each other's lines more than the cursor needs.
 *
 * <p>Exact for one caller at a time: a script of results gives Resilience4j's states and rates
 * step by step (tested). With concurrent callers each result is still counted once and removed
 * once (the swap decides), but the counters are read one by one, so a decision may see one call
 * more or less than a lock would have shown.
 */
final class CountWindow {
  /** Slot codes: bit 0 a result is there, bit 1 it failed, bit 2 it was slow. */
  static final int SUCCESS = 1;
  static final int FAILURE = 3;
  static final int SLOW_SUCCESS = 5;
  static final int SLOW_FAILURE = 7;

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
  /** Index of the cursor in {@link #cursor}: 64 bytes of padding on each side. */
  private static final int CURSOR = 8;
  /** Indexes of the counters in {@link #counters}, together on one line, padded on each side. */
  private static final int CALLS = 16;
  private static final int FAILED = 17;
  private static final int SLOW_SUCCEEDED = 18;
  private static final int SLOW_FAILED = 19;

  private final int size;
  private final int stride;
  private final int minimumCalls;
  private final float failureRateThreshold;
  private final float slowCallRateThreshold;
  private final long[] cursor = new long[2 * CURSOR + 1];
  private final int[] counters = new int[2 * CALLS + 4];
  private final int[] ring;

  CountWindow(CircuitBreakerConfig config) {
    this.size = config.getSlidingWindowSize();
    this.stride = strideFor(size);
    this.minimumCalls = Math.min(config.getMinimumNumberOfCalls(), size);
    this.failureRateThreshold = config.getFailureRateThreshold();
    this.slowCallRateThreshold = config.getSlowCallRateThreshold();
    this.ring = new int[size];
  }

  /**
   * A step through the ring that puts consecutive calls 16 ints (a 64-byte line) apart or more
   * and still visits every slot once per turn: the smallest number from 17 up that shares no
   * factor with the size. Small rings, which fit in two lines anyway, are walked in order.
   */
  static int strideFor(int size) {
    if (size < 64) {
      return 1;
    }
    int stride = 17;
    while (gcd(stride, size) != 1) {
      stride++;
    }
    return stride;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /**
   * Records one attempt's result (one of the slot codes) in place of the oldest one.
   *
   * @return {@code true} if the failure rate or the slow-call rate has reached its threshold
   */
  boolean record(int result) {
    long sequence = (long) LONGS.getAndAdd(cursor, CURSOR, 1L);
    int slot = (int) ((sequence % size) * stride % size);
    int old = (int) INTS.getAndSet(ring, slot, result);
    if (old == result) {
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
