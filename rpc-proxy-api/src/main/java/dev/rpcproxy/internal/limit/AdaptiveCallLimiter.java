package dev.rpcproxy.internal.limit;

import dev.rpcproxy.ConcurrencyLimit;
import dev.rpcproxy.TimeSource;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A limit on outstanding calls found from measured latency: a windowed gradient, as in Netflix
 * concurrency-limits' {@code Gradient2Limit} (new limit = limit x baseline latency / current
 * latency), with changes aimed at the traps its users report.
 *
 * <ul>
 *   <li><b>Baseline.</b> Gradient2 takes an exponential average of all latencies as its baseline,
 *       so under a lasting queue the baseline catches up with the queued latency, the gradient
 *       returns to 1 and the limit drifts up. Here the baseline is the lowest <em>window
 *       average</em> of the last 10 s (a windowed minimum filter, as TCP Vegas' BaseRTT or BBR's
 *       min-RTT filter, taken over averages so that a few cheap calls do not set it).
 *   <li><b>Draining.</b> When a window's average exceeds baseline x tolerance, the limit drops
 *       to 0.9 x limit x baseline / average (never below half of it): a little under the level
 *       where the service's queue is empty. The queue drains and unqueued latencies refresh the
 *       baseline within a window or two. After a cut the limit holds for two average latencies,
 *       so calls admitted before the cut do not cut it again.
 *   <li><b>A mild probe.</b> A client started above the service's capacity never sees an
 *       unqueued latency, so its baseline is a queued one. Vegas and Envoy remeasure the minimum
 *       latency by dropping to a small limit periodically, which rejects a burst of calls.
 *       Here, every 2 s in the first 10 s and every 10 s after, a window that cut nothing lowers
 *       the limit to 0.6 x the calls in flight (Little's law: count x average / window) for one
 *       window; if calls do not get at least 10% shorter, the limit is restored; if they get
 *       under 0.75 x the baseline, the baseline was queued and another probe follows in 0.5 s.
 *   <li><b>A slower service is not a queue.</b> A minimum baseline cannot tell a lasting rise of
 *       the service's own latency from a queue, and would cut the limit to its minimum until the
 *       rise leaves the 10 s history. Here, when two cuts in a row are each followed by a window
 *       still above the tolerance whose average fell by less than 10%, the cuts did not drain
 *       anything: the baseline restarts from that average and the limit grows back.
 *   <li><b>Growth.</b> Slow start (doubling per window, as TCP slow start, RFC 5681) until the
 *       first sign of queueing, then additive growth per window by the square root of the limit
 *       while calls are not queued, shrinking to 1 as their latency nears the tolerance; and
 *       only in a window in which the limit was reached (TCP's congestion-window validation,
 *       RFC 7661), so an idle or lightly loaded client does not inflate its limit.
 * </ul>
 *
 * <p>Timeouts and the service's failures ({@link Signal#DROPPED}) in 5% or more of a window's
 * calls cut the limit by 10% (the multiplicative decrease of AIMD). The caller's errors and
 * cancellations ({@link Signal#IGNORED}) and rejected calls do not move it.
 *
 * <p>A window closes at the first release after it has lasted {@link ConcurrencyLimit#window()}
 * and twice the previous window's average latency, and has seen {@code min(10, limit)} calls
 * end. The first window is dropped unread: connection set-up and a cold JIT make the first calls
 * slow.
 *
 * <p>Concurrency: {@link #tryAcquire} is one CAS on the in-flight count; {@link #release} is
 * one atomic add (latency sum and count packed in one {@code long}), a clock read and a
 * comparison. The thread that finds a window due closes it under a try-lock flag; nobody waits
 * for it. Nothing is allocated per call.
 */
public final class AdaptiveCallLimiter implements CallLimiter {
  private static final VarHandle IN_FLIGHT;
  private static final VarHandle SAMPLES;
  private static final VarHandle DROPS;
  private static final VarHandle UPDATING;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      IN_FLIGHT = lookup.findVarHandle(AdaptiveCallLimiter.class, "inFlight", int.class);
      SAMPLES = lookup.findVarHandle(AdaptiveCallLimiter.class, "samples", long.class);
      DROPS = lookup.findVarHandle(AdaptiveCallLimiter.class, "drops", int.class);
      UPDATING = lookup.findVarHandle(AdaptiveCallLimiter.class, "updating", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // samples packs the window's latency sum (microseconds, high 40 bits) and count (low 24 bits).
  private static final int COUNT_BITS = 24;
  private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
  private static final long FULL_COUNT = 1L << (COUNT_BITS - 1);
  private static final long FULL_SUM = 1L << 38;
  private static final long MAX_SAMPLE_MICROS = 1L << 32;
  private static final int MIN_SAMPLES = 10;
  private static final double DRAIN = 0.9;
  private static final double DROP_BACKOFF = 0.9;
  private static final double UNMOVED = 0.9;
  private static final long PROBE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final double PROBE_SHARE = 0.6;
  private static final long PROBE_AGAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final long EARLY_PROBE_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final double INFLATED = 0.75;
  private static final long FIRST_PROBE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int DROP_SHARE_DIVISOR = 20;
  private static final int BUCKETS = 10;
  private static final long BUCKET_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final TimeSource time;
  private final int minLimit;
  private final int maxLimit;
  private final double tolerance;
  private final long windowNanos;

  // The call path.
  private volatile int inFlight;
  private volatile int limit;
  private volatile boolean limitReached;
  private volatile long samples;
  private volatile int drops;
  private volatile int updating;
  private volatile long windowStart;
  private volatile long windowLength;

  // Read and written only by the thread holding `updating` (its CAS and volatile reset order them).
  private double estimate;
  private boolean slowStart = true;
  private boolean firstWindow = true;
  private long holdUntil;
  private double baselineMicros = Double.NaN;
  /** The window average that caused the last cut, until a window is back within the tolerance. */
  private double cutAverage = Double.NaN;
  private int unmovedCuts;
  private long lastProbeAt;
  private final long startedAt;
  /** The limit before a probe, until the window after it is judged; NaN when not probing. */
  private double probeFrom = Double.NaN;
  private double probeAverage;
  private double probeBase;
  private final double[] bucketMin = new double[BUCKETS];
  private final long[] bucketEpoch = new long[BUCKETS];

  public AdaptiveCallLimiter(ConcurrencyLimit settings, TimeSource time) {
    if (settings.kind() != ConcurrencyLimit.Kind.ADAPTIVE) {
      throw new IllegalArgumentException("not an adaptive limit: " + settings);
    }
    this.time = time;
    this.minLimit = settings.minLimit();
    this.maxLimit = settings.maxLimit();
    this.tolerance = settings.latencyTolerance();
    this.windowNanos = settings.window().toNanos();
    this.estimate = settings.initialLimit();
    this.limit = settings.initialLimit();
    this.windowLength = windowNanos;
    this.windowStart = time.nanoTime();
    this.holdUntil = windowStart;
    this.startedAt = windowStart;
    this.lastProbeAt = windowStart - EARLY_PROBE_NANOS + FIRST_PROBE_NANOS;
    Arrays.fill(bucketMin, Double.POSITIVE_INFINITY);
  }

  @Override
  public boolean tryAcquire() {
    while (true) {
      int current = inFlight;
      int max = limit;
      if (current >= max) {
        if (!limitReached) {
          limitReached = true;
        }
        return false;
      }
      if (IN_FLIGHT.compareAndSet(this, current, current + 1)) {
        if (current + 1 == max && !limitReached) {
          limitReached = true;
        }
        return true;
      }
    }
  }

  @Override
  public void release(long rttNanos, Signal signal) {
    IN_FLIGHT.getAndAdd(this, -1);
    long packed;
    if (signal == Signal.SUCCESS) {
      long micros = Math.min(MAX_SAMPLE_MICROS, Math.max(1L, rttNanos / 1000));
      packed = (long) SAMPLES.getAndAdd(this, (micros << COUNT_BITS) + 1L);
    } else if (signal == Signal.DROPPED) {
      DROPS.getAndAdd(this, 1);
      packed = samples;
    } else {
      return;
    }
    long now = time.nanoTime();
    boolean full = (packed & COUNT_MASK) >= FULL_COUNT || (packed >>> COUNT_BITS) >= FULL_SUM;
    if ((full || now - windowStart >= windowLength) && UPDATING.compareAndSet(this, 0, 1)) {
      try {
        closeWindow(now);
      } finally {
        updating = 0;
      }
    }
  }

  private void closeWindow(long now) {
    long packed = samples;
    long count = packed & COUNT_MASK;
    boolean full = count >= FULL_COUNT || (packed >>> COUNT_BITS) >= FULL_SUM;
    boolean enough = count + drops >= Math.min(MIN_SAMPLES, limit);
    if (!full && (now - windowStart < windowLength || !enough)) {
      return;
    }
    packed = (long) SAMPLES.getAndSet(this, 0L);
    int dropped = (int) DROPS.getAndSet(this, 0);
    boolean reached = limitReached;
    limitReached = false;
    long elapsed = now - windowStart;
    windowStart = now;
    if (firstWindow) {
      firstWindow = false; // connection set-up and a cold JIT make the first calls slow: not a baseline
      return;
    }
    count = packed & COUNT_MASK;
    adjust(now, count, packed >>> COUNT_BITS, dropped, reached, elapsed);
    if (count > 0) {
      // A change of the limit shows in latencies about one latency later: let a window last two.
      windowLength = Math.max(windowNanos, 2_000 * ((packed >>> COUNT_BITS) / count));
    }
  }

  private void adjust(long now, long count, long sumMicros, int dropped, boolean reached, long elapsed) {
    double next = estimate;
    if (dropped > 0 && (long) dropped * DROP_SHARE_DIVISOR >= count + dropped) {
      next = next * DROP_BACKOFF;
      slowStart = false;
    } else if (count > 0) {
      double average = (double) sumMicros / count;
      double base = noteBaseline(average, now);
      if (average <= base * tolerance) {
        cutAverage = Double.NaN;
        unmovedCuts = 0;
      }
      if (!Double.isNaN(probeFrom)) {
        if (now - holdUntil >= 0) {
          if (average > UNMOVED * probeAverage) {
            next = probeFrom; // fewer calls in flight were not shorter: nothing was queued
          } else if (average < INFLATED * probeBase) {
            // Shorter than the baseline: it had been measured queued; look again soon.
            lastProbeAt = now - PROBE_EVERY_NANOS + PROBE_AGAIN_NANOS;
          }
          probeFrom = Double.NaN;
        }
      } else if (average > base * tolerance) {
        if (now - holdUntil >= 0) {
          if (average > UNMOVED * cutAverage && ++unmovedCuts >= 2) {
            // Two cuts in a row did not bring latency down: not a queue, the service is slower.
            rebaseline(average, now);
            cutAverage = Double.NaN;
            unmovedCuts = 0;
          } else {
            if (!(average > UNMOVED * cutAverage)) {
              unmovedCuts = 0;
            }
            next = next * Math.max(0.5, base / average) * DRAIN;
            slowStart = false;
            holdUntil = now + (long) (2_000 * average);
            cutAverage = average;
          }
        }
      } else {
        if (reached) {
          // Full steps while calls are not queued, shrinking to +1 as the latency nears the tolerance.
          double room = 1.0 - (average / base - 1.0) / (tolerance - 1.0);
          next = slowStart ? next * 2 : next + Math.max(1.0, Math.sqrt(next) * room);
        }
        // Calls in flight on average over the window (Little's law).
        double inUse = elapsed > 0 ? count * average * 1_000 / elapsed : 0;
        long every = now - startedAt < PROBE_EVERY_NANOS ? EARLY_PROBE_NANOS : PROBE_EVERY_NANOS;
        if (now - lastProbeAt >= every && inUse >= next / 2) {
          // A baseline measured while calls were already queued (a client started above the
          // service's capacity) looks unqueued: every 10 s (every 2 s in the first 10 s), for one
          // window, the limit drops to 0.6 x the calls in flight. If calls get shorter, the
          // baseline follows them down (and if they are under 0.75 x the baseline, another probe
          // follows in 0.5 s); if not, the limit is restored when the window ends.
          probeFrom = next;
          probeAverage = average;
          probeBase = base;
          next = PROBE_SHARE * inUse;
          holdUntil = now + (long) (2_000 * average);
          lastProbeAt = now;
        }
      }
    }
    next = Math.max(minLimit, Math.min(maxLimit, next));
    estimate = next;
    limit = (int) next;
  }

  private void rebaseline(double averageMicros, long now) {
    Arrays.fill(bucketMin, Double.POSITIVE_INFINITY);
    noteBaseline(averageMicros, now);
  }

  /** Records a window's average latency and returns the baseline: the lowest of the last 10 s. */
  private double noteBaseline(double averageMicros, long now) {
    long epoch = Math.floorDiv(now, BUCKET_NANOS);
    int slot = (int) Math.floorMod(epoch, (long) BUCKETS);
    if (bucketEpoch[slot] != epoch) {
      bucketEpoch[slot] = epoch;
      bucketMin[slot] = averageMicros;
    } else if (averageMicros < bucketMin[slot]) {
      bucketMin[slot] = averageMicros;
    }
    double base = averageMicros;
    for (int i = 0; i < BUCKETS; i++) {
      if (epoch - bucketEpoch[i] < BUCKETS && bucketMin[i] < base) {
        base = bucketMin[i];
      }
    }
    baselineMicros = base;
    return base;
  }

  @Override
  public int limit() {
    return limit;
  }

  @Override
  public int inFlight() {
    return inFlight;
  }

  @Override
  public String toString() {
    return "AdaptiveCallLimiter[limit=" + limit + ", inFlight=" + inFlight + "]";
  }
}
