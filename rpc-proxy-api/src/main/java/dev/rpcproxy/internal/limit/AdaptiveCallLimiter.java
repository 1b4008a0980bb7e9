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
 *   <li><b>Queued, not noisy.</b> A window counts as queued when its average exceeds baseline x
 *       tolerance <em>and</em> its shortest call exceeds the lowest shortest call of the last 10 s
 *       x the square root of the tolerance. A busy client machine (a second CPU-bound process)
 *       keeps the client's threads waiting for a CPU now and then: that lengthens some measured
 *       latencies, not all, and the shortest call of the window filters it out, as Linux's TCP
 *       Vegas takes the least RTT of each round trip as its sample. A queue at the service
 *       lengthens every call.
 *   <li><b>Draining.</b> When a window is queued, the limit drops
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
 *       anything: the baseline restarts from that average and the limit grows back (and a probe
 *       follows in 0.5 s, in case it was a lower capacity that the floor below held cuts above).
 *   <li><b>A floor under the cuts.</b> A cut never takes the limit below half the calls that
 *       were in flight in the last window that was not queued (TCP sets its ssthresh to half the
 *       flight size on a loss, RFC 5681), and that floor halves every 1.5 s. Cuts do not compound
 *       to 1 while they find out that a slower service has no queue to drain, and a lasting drop
 *       of capacity is followed within a few seconds. Only a probe goes below it, for one window.
 *   <li><b>Only a limit in use comes down.</b> When the most calls in flight at once in a window
 *       were under half the limit, neither latency nor failures lower it: the client is
 *       application-limited (the {@code inflight * 2 < limit} test concurrency-limits'
 *       {@code VegasLimit} applies to latency "to prevent upward drift"; here failures too), so a
 *       few slow or failed calls at low load do not shrink the room a burst or a hedge needs.
 *   <li><b>A ceiling from demand.</b> The limit never stands above twice the most calls that
 *       wanted to be in flight at once (rejected ones included) in the last 10 s, or the initial
 *       limit if that is higher: growth that demand never pressed is not capacity.
 *   <li><b>Growth.</b> Slow start (doubling per window, as TCP slow start, RFC 5681) until the
 *       first sign of queueing, then additive growth per window by the square root of the limit
 *       while calls are not queued, shrinking to 1 as their latency nears the tolerance; and
 *       only in a window in which the limit was reached (TCP's congestion-window validation,
 *       RFC 7661), so an idle or lightly loaded client does not inflate its limit.
 * </ul>
 *
 * <p>Timeouts and the service's failures ({@link Signal#DROPPED}) in 5% or more of a window's
 * calls cut the limit by 10% (the multiplicative decrease of AIMD), when most of the window's
 * calls failed or the ones that succeeded were queued too. The caller's errors and
 * cancellations ({@link Signal#IGNORED}) and rejected calls do not move it.
 *
 * <p>A window closes at the first release after it has lasted {@link ConcurrencyLimit#window()}
 * and twice the previous window's average latency, and has seen {@code min(10, limit)} calls
 * end. The first window is dropped unread: connection set-up and a cold JIT make the first calls
 * slow.
 *
 * <p>Concurrency: {@link #tryAcquire} is one CAS on the in-flight count (and a CAS on the
 * window's peak demand when the count is at a new peak); {@link #release} is one atomic add
 * (latency sum and count packed in one {@code long}), a CAS when the call is the window's
 * shortest so far, a clock read and a comparison. The thread that finds a window due closes it under a try-lock flag; nobody waits
 * for it. Nothing is allocated per call.
 */
public final class AdaptiveCallLimiter implements CallLimiter {
  private static final VarHandle IN_FLIGHT;
  private static final VarHandle SAMPLES;
  private static final VarHandle DROPS;
  private static final VarHandle UPDATING;
  private static final VarHandle PEAK;
  private static final VarHandle SHORTEST;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      IN_FLIGHT = lookup.findVarHandle(AdaptiveCallLimiter.class, "inFlight", int.class);
      SAMPLES = lookup.findVarHandle(AdaptiveCallLimiter.class, "samples", long.class);
      DROPS = lookup.findVarHandle(AdaptiveCallLimiter.class, "drops", int.class);
      UPDATING = lookup.findVarHandle(AdaptiveCallLimiter.class, "updating", int.class);
      PEAK = lookup.findVarHandle(AdaptiveCallLimiter.class, "windowPeak", int.class);
      SHORTEST = lookup.findVarHandle(AdaptiveCallLimiter.class, "shortest", long.class);
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
  private static final long FLOOR_HALF_LIFE_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);

  private final TimeSource time;
  private final int minLimit;
  private final int initialLimit;
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
  /** The most calls that wanted to be in flight at once in this window, rejected ones included. */
  private volatile int windowPeak;
  /** The window's shortest latency (microseconds). */
  private volatile long shortest = Long.MAX_VALUE;
  private volatile long windowStart;
  private volatile long windowLength;

  // Read and written only by the thread holding `updating` (its CAS and volatile reset order them).
  private double estimate;
  private boolean slowStart = true;
  private boolean firstWindow = true;
  private long holdUntil;
  /** The lowest shortest-latency of a window in the last 10 s (microseconds). */
  private double baseShortest = Double.NaN;
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
  private final double[] bucketShortest = new double[BUCKETS];
  private final long[] bucketEpoch = new long[BUCKETS];
  /** Per second of the last 10 s: the peak demand. */
  private final int[] bucketDemand = new int[BUCKETS];
  /** The calls in flight in the last window not queued that set the floor, and when. */
  private int healthyPeak;
  private long healthyAt;
  private final long[] peakEpoch = new long[BUCKETS];

  public AdaptiveCallLimiter(ConcurrencyLimit settings, TimeSource time) {
    if (settings.kind() != ConcurrencyLimit.Kind.ADAPTIVE) {
      throw new IllegalArgumentException("not an adaptive limit: " + settings);
    }
    this.time = time;
    this.minLimit = settings.minLimit();
    this.initialLimit = settings.initialLimit();
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
    Arrays.fill(bucketShortest, Double.POSITIVE_INFINITY);
    Arrays.fill(peakEpoch, Long.MIN_VALUE);
  }

  @Override
  public boolean tryAcquire() {
    while (true) {
      int current = inFlight;
      int max = limit;
      if (current >= windowPeak) {
        noteDemand(current + 1);
      }
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

  private void noteDemand(int demand) {
    int peak;
    while (demand > (peak = windowPeak) && !PEAK.compareAndSet(this, peak, demand)) {
      // another caller raised it first: look again
    }
  }

  @Override
  public void release(long rttNanos, Signal signal) {
    IN_FLIGHT.getAndAdd(this, -1);
    long packed;
    if (signal == Signal.SUCCESS) {
      long micros = Math.min(MAX_SAMPLE_MICROS, Math.max(1L, rttNanos / 1000));
      packed = (long) SAMPLES.getAndAdd(this, (micros << COUNT_BITS) + 1L);
      long least;
      while (micros < (least = shortest) && !SHORTEST.compareAndSet(this, least, micros)) {
        // another call ended shorter or at the same time: look again
      }
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
    long least = (long) SHORTEST.getAndSet(this, Long.MAX_VALUE);
    int dropped = (int) DROPS.getAndSet(this, 0);
    // Calls admitted in earlier windows and still running count as demand too (+1: the one ending).
    int peak = Math.max((int) PEAK.getAndSet(this, 0), inFlight + 1);
    boolean reached = limitReached;
    limitReached = false;
    long elapsed = now - windowStart;
    windowStart = now;
    if (firstWindow) {
      firstWindow = false; // connection set-up and a cold JIT make the first calls slow: not a baseline
      return;
    }
    count = packed & COUNT_MASK;
    adjust(now, count, packed >>> COUNT_BITS, least, dropped, reached, elapsed, peak);
    if (count > 0) {
      // A change of the limit shows in latencies about one latency later: let a window last two.
      windowLength = Math.max(windowNanos, 2_000 * ((packed >>> COUNT_BITS) / count));
    }
  }

  private void adjust(long now, long count, long sumMicros, long shortestMicros, int dropped, boolean reached,
      long elapsed, int peak) {
    double next = estimate;
    // Vegas' "application-limited" test: a limit that calls do not press is not what queues the
    // service, so neither a latency rise nor failures move it down then.
    boolean pressed = 2 * peak >= limit;
    boolean healthy = false;
    double average = count > 0 ? (double) sumMicros / count : Double.NaN;
    double base = count > 0 ? noteBaseline(average, shortestMicros, now) : Double.NaN;
    // Queued: the average beyond the tolerance, and the shortest call beyond its square root. A
    // busy client's threads wait for a CPU now and then and lengthen some latencies, not all:
    // the shortest call of the window filters that out (as Linux's TCP Vegas takes the least RTT
    // of each round trip); a queue at the service lengthens every call.
    boolean queued = count > 0 && average > base * tolerance && shortestMicros > baseShortest * Math.sqrt(tolerance);
    if (dropped > 0 && (long) dropped * DROP_SHARE_DIVISOR >= count + dropped) {
      // Failures speak of overload when most calls failed, or when the calls that succeeded were
      // queued too; a service that fails some calls fast, or is slow on a few, is not helped by
      // fewer calls in flight.
      if (pressed && (dropped >= count || queued)) {
        next = next * DROP_BACKOFF;
      }
      slowStart = false;
    } else if (count > 0) {
      if (!queued) {
        cutAverage = Double.NaN;
        unmovedCuts = 0;
        healthy = true;
      }
      if (!Double.isNaN(probeFrom)) {
        if (now - holdUntil >= 0) {
          if (average > UNMOVED * probeAverage) {
            next = probeFrom; // fewer calls in flight were not shorter: nothing was queued
          } else if (average < INFLATED * probeBase) {
            // Shorter than the baseline: it had been measured queued; look again soon. The windows
            // that looked unqueued were queued too: their calls in flight are no floor.
            lastProbeAt = now - PROBE_EVERY_NANOS + PROBE_AGAIN_NANOS;
            healthyPeak = 0;
            healthy = false;
          }
          probeFrom = Double.NaN;
        }
      } else if (queued) {
        if (pressed && now - holdUntil >= 0) {
          if (average > UNMOVED * cutAverage && ++unmovedCuts >= 2) {
            // Two cuts in a row did not bring latency down: not a queue, the service is slower.
            rebaseline(average, shortestMicros, now);
            cutAverage = Double.NaN;
            unmovedCuts = 0;
            // Or the floor held the cuts above a lower capacity: a probe in 0.5 s tells them apart.
            lastProbeAt = now - PROBE_EVERY_NANOS + PROBE_AGAIN_NANOS;
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
    int demand = notePeaks(now, peak, healthy ? Math.min(peak, limit) : 0);
    if (next < estimate && Double.isNaN(probeFrom)) {
      next = Math.max(next, floor(now)); // a probe goes below the floor, for one window
    }
    // Never more than twice the most calls that wanted to be in flight at once in the last 10 s
    // (or the initial limit, which a lightly loaded client keeps as its room for bursts).
    next = Math.min(next, Math.max(2.0 * demand, initialLimit));
    next = Math.max(minLimit, Math.min(maxLimit, next));
    estimate = next;
    limit = (int) next;
  }

  /**
   * Records a window's peak demand and its peak in flight if it was not queued (0 if it was);
   * returns the peak demand of the last 10 s.
   */
  private int notePeaks(long now, int demand, int healthyInFlight) {
    long epoch = Math.floorDiv(now, BUCKET_NANOS);
    int slot = (int) Math.floorMod(epoch, (long) BUCKETS);
    if (peakEpoch[slot] != epoch) {
      peakEpoch[slot] = epoch;
      bucketDemand[slot] = demand;
    } else {
      bucketDemand[slot] = Math.max(bucketDemand[slot], demand);
    }
    if (healthyInFlight > 0 && healthyInFlight >= 2 * floor(now)) {
      healthyPeak = healthyInFlight;
      healthyAt = now;
    }
    int peak = demand;
    for (int i = 0; i < BUCKETS; i++) {
      if (epoch - peakEpoch[i] < BUCKETS) {
        peak = Math.max(peak, bucketDemand[i]);
      }
    }
    return peak;
  }

  /**
   * The lowest a cut may take the limit: half the calls in flight in the last window that was not
   * queued (as TCP sets ssthresh to half the flight size on a loss, RFC 5681), halving every 1.5 s
   * since, so that cuts do not compound below what a healthy service carried (a service that got
   * slower keeps half its capacity while the cuts find out that no queue drains), nor hold a
   * lasting drop of capacity up for long. A new healthy window resets it if it is at least twice
   * the decayed floor.
   */
  private double floor(long now) {
    if (healthyPeak == 0) {
      return 0;
    }
    return healthyPeak * 0.5 * Math.pow(0.5, (double) (now - healthyAt) / FLOOR_HALF_LIFE_NANOS);
  }

  private void rebaseline(double averageMicros, long shortestMicros, long now) {
    Arrays.fill(bucketMin, Double.POSITIVE_INFINITY);
    Arrays.fill(bucketShortest, Double.POSITIVE_INFINITY);
    noteBaseline(averageMicros, shortestMicros, now);
  }

  /**
   * Records a window's average and shortest latency and returns the baseline: the lowest window
   * average of the last 10 s ({@link #baseShortest}: the lowest shortest latency).
   */
  private double noteBaseline(double averageMicros, long shortestMicros, long now) {
    long epoch = Math.floorDiv(now, BUCKET_NANOS);
    int slot = (int) Math.floorMod(epoch, (long) BUCKETS);
    if (bucketEpoch[slot] != epoch) {
      bucketEpoch[slot] = epoch;
      bucketMin[slot] = averageMicros;
      bucketShortest[slot] = shortestMicros;
    } else {
      bucketMin[slot] = Math.min(bucketMin[slot], averageMicros);
      bucketShortest[slot] = Math.min(bucketShortest[slot], shortestMicros);
    }
    double base = averageMicros;
    double least = shortestMicros;
    for (int i = 0; i < BUCKETS; i++) {
      if (epoch - bucketEpoch[i] < BUCKETS) {
        base = Math.min(base, bucketMin[i]);
        least = Math.min(least, bucketShortest[i]);
      }
    }
    baseShortest = least;
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
