package dev.rpcproxy.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Judges "no call outlives its deadline by more than the bound" against what the machine itself
 * did around each call. A call of {@code who} that ran from {@code t0} to {@code end} with deadline
 * {@code timeout} broke its promise when
 *
 * <pre>overshoot - lost(t0 - p, end + p) &gt;= bound,  overshoot = end - t0 - timeout</pre>
 *
 * where {@code lost} is the time in that window covered by a measured stall or GC pause
 * ({@link MachinePauses#lostAround}, their union; {@code p} the probe's period). Only the call's
 * own window counts: a quiet machine keeps the strict bound, and a call late with no stall or
 * pause around it fails however much the machine stalled at other times.
 */
final class DeadlineJudge {
  /** Calls past the bound kept for judging, per judge (the rest passed outright). */
  private static final int KEPT = 20_000;

  /** One call that overshot the strict bound, as measured. */
  record Late(String who, String what, long t0, long end, long overshootNanos) {}

  /** The verdict on one caller's calls. */
  record Verdict(String who, long worstNetNanos, String worst, int pastBound, int excused, long largestLostNanos,
      List<String> broken) {

    /**
     * The largest overshoot left once the machine's own losses around each call are taken off (a call
     * within the bound counts as measured).
     */
    long worstNetMillis() {
      return TimeUnit.NANOSECONDS.toMillis(worstNetNanos);
    }
  }

  private final long timeoutNanos;
  private final long boundNanos;
  private final MachinePauses pauses;
  private final List<Late> late = new ArrayList<>();
  /** Per caller, the largest overshoot of the calls within the bound (judged outright). */
  private final java.util.Map<String, java.util.concurrent.atomic.LongAccumulator> withinBound =
      new java.util.concurrent.ConcurrentHashMap<>();
  private int dropped;

  DeadlineJudge(long timeoutNanos, long boundMillis, MachinePauses pauses) {
    this.timeoutNanos = timeoutNanos;
    this.boundNanos = TimeUnit.MILLISECONDS.toNanos(boundMillis);
    this.pauses = pauses;
  }

  long boundMillis() {
    return TimeUnit.NANOSECONDS.toMillis(boundNanos);
  }

  /** A warm call of {@code who}, {@code what} it was, ran from {@code t0} to {@code end}. */
  void ended(String who, String what, long t0, long end) {
    long overshoot = end - t0 - timeoutNanos;
    if (overshoot < boundNanos) {
      withinBound.computeIfAbsent(who, w -> new java.util.concurrent.atomic.LongAccumulator(Math::max, 0))
          .accumulate(overshoot);
      return;
    }
    synchronized (late) {
      if (late.size() < KEPT) {
        late.add(new Late(who, what, t0, end, overshoot));
      } else {
        dropped++;
      }
    }
  }

  /**
   * The verdict on {@code who}'s calls; {@code startNanos} places calls in the run for messages.
   * Read once every call has ended and the probe has looked past the last one.
   */
  Verdict verdict(String who, long startNanos) {
    List<Late> mine = new ArrayList<>();
    int overflow;
    synchronized (late) {
      for (Late call : late) {
        if (call.who().equals(who)) {
          mine.add(call);
        }
      }
      overflow = dropped;
    }
    java.util.concurrent.atomic.LongAccumulator within = withinBound.get(who);
    long worstNet = within == null ? 0 : within.get();
    String worst = "none past the bound";
    int excused = 0;
    long largestLost = 0;
    List<String> broken = new ArrayList<>();
    for (Late call : mine) {
      long lost = pauses.lostAround(call.t0(), call.end());
      long net = call.overshootNanos() - lost;
      String described = String.format(Locale.ROOT,
          "%s ended %.1f ms past its deadline, %d ms into the run; the machine lost %.1f ms around it, so %.1f ms net (bound %d ms)",
          call.what(), call.overshootNanos() / 1e6, TimeUnit.NANOSECONDS.toMillis(call.end() - startNanos), lost / 1e6,
          net / 1e6, boundMillis());
      // net must stay below the bound, as the raw overshoot had to before
      if (net > worstNet) {
        worstNet = net;
        worst = described;
      }
      if (net >= boundNanos) {
        if (broken.size() < 5) {
          broken.add(who + ": " + described);
        }
      } else {
        excused++;
        largestLost = Math.max(largestLost, lost);
      }
    }
    if (overflow > 0 && !mine.isEmpty()) {
      broken.add(who + ": " + overflow + " more calls past the bound than the judge keeps (" + KEPT + "): not judged");
    }
    return new Verdict(who, worstNet, worst, mine.size(), excused, largestLost, broken);
  }
}
