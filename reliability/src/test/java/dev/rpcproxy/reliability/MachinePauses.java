package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * What the machine and the JVM took from a test's threads, so that a timing bound can be judged
 * against it instead of against a hope about the machine.
 *
 * <p>A probe thread sleeps {@value #PERIOD_MILLIS} ms in a loop and records each wake-up later than
 * {@value #NOISE_MILLIS} ms past its time as a <em>stall</em> (the machine did not run it, or the
 * JVM had stopped every thread); the collectors' notifications record each GC pause. {@link
 * #lostNanos(long, long)} is the time within a window covered by either (their union, so a GC pause
 * the probe also saw counts once). A bound {@code B} on how late something may be is then checked as
 *
 * <pre>late &lt;= B + lostNanos(start - period, end + period)</pre>
 *
 * with {@code start}/{@code end} the thing's own {@link System#nanoTime()} interval, widened by one
 * probe period because the probe only sees a stall when it next wakes. On a quiet machine nothing
 * is lost and the bound is {@code B} exactly; a late answer with no stall or pause around it still
 * fails however loaded the machine was elsewhere in the run.
 *
 * <pre>{@code
 * try (MachinePauses pauses = MachinePauses.start()) {
 *   long t0 = System.nanoTime();
 *   call();
 *   long late = System.nanoTime() - t0 - timeout;
 *   assertThat(late).isLessThanOrEqualTo(slack + pauses.lostAround(t0, System.nanoTime()));
 * }
 * }</pre>
 */
final class MachinePauses implements AutoCloseable {
  /**
   * How long the probe sleeps between looks. Short, because the probe measures how late one wake-up
   * is: a thread that needs the CPU more often (a call's end passes from a timer to an event loop
   * to its caller) waits at every hop, and a probe that wakes every 10 ms saw a third of what such
   * calls lost on a machine at load 18 (1 ms: about what they lost). A wake-up costs microseconds.
   */
  static final long PERIOD_MILLIS = 1;
  /** A wake-up later than this is a stall; less is the timer's ordinary jitter. */
  static final long NOISE_MILLIS = 1;
  private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS);
  private static final long NOISE_NANOS = TimeUnit.MILLISECONDS.toNanos(NOISE_MILLIS);

  /** Intervals [from, to] in nanoTime, in the order recorded. */
  private final List<long[]> stalls = new ArrayList<>();
  private final List<long[]> gcPauses = new ArrayList<>();
  private final List<Runnable> unsubscribe = new ArrayList<>();
  private final Thread probe;
  private volatile boolean closed;
  /** When the probe last woke. */
  private volatile long lastLook = System.nanoTime();
  /** GC pauses as notified: start and end in the collector's ms, and when the notice arrived (nanoTime). */
  private final List<long[]> gcNotices = new ArrayList<>();

  private MachinePauses(boolean live) {
    if (!live) {
      probe = null;
      return;
    }
    subscribeToGc();
    probe = new Thread(this::probe, "machine-pauses-probe");
    probe.setDaemon(true);
    probe.setPriority(Thread.NORM_PRIORITY);
    probe.start();
  }

  /** Starts the probe and the GC listener; {@link #close} stops them. */
  static MachinePauses start() {
    return new MachinePauses(true);
  }

  /** No probe: stalls and pauses only as a test records them ({@link #recordStall}, {@link #recordGcPause}). */
  static MachinePauses synthetic() {
    return new MachinePauses(false);
  }

  /** Records that the machine ran none of the test's threads from {@code fromNanos} to {@code toNanos}. */
  synchronized void recordStall(long fromNanos, long toNanos) {
    stalls.add(new long[] {fromNanos, toNanos});
  }

  /**
   * A collector's notice of a pause from {@code startMillis} to {@code endMillis} (its own clock:
   * milliseconds since a start that is not {@code RuntimeMXBean.getUptime()}'s; 1.8 s apart was
   * seen) that arrived at {@code arrivedNanos}. Notices arrive a moment after their pause ends, so
   * the clocks are matched by the smallest gap between a pause's end and its notice seen so far;
   * all pauses are placed again with it.
   */
  private synchronized void noticeGc(long startMillis, long endMillis, long arrivedNanos) {
    gcNotices.add(new long[] {startMillis, endMillis, arrivedNanos});
    long offset = Long.MAX_VALUE;
    for (long[] notice : gcNotices) {
      offset = Math.min(offset, notice[2] - TimeUnit.MILLISECONDS.toNanos(notice[1]));
    }
    gcPauses.clear();
    for (long[] notice : gcNotices) {
      gcPauses.add(new long[] {offset + TimeUnit.MILLISECONDS.toNanos(notice[0]),
          offset + TimeUnit.MILLISECONDS.toNanos(notice[1])});
    }
  }

  /** Records a GC pause from {@code fromNanos} to {@code toNanos}. */
  synchronized void recordGcPause(long fromNanos, long toNanos) {
    gcPauses.add(new long[] {fromNanos, toNanos});
  }

  /**
   * Nanoseconds within [{@code fromNanos}, {@code toNanos}] covered by a stall or a GC pause
   * (their union). 0 on a quiet machine.
   */
  synchronized long lostNanos(long fromNanos, long toNanos) {
    if (toNanos <= fromNanos) {
      return 0;
    }
    List<long[]> inWindow = new ArrayList<>();
    for (List<long[]> source : List.of(stalls, gcPauses)) {
      for (long[] interval : source) {
        long from = Math.max(interval[0], fromNanos);
        long to = Math.min(interval[1], toNanos);
        if (to > from) {
          inWindow.add(new long[] {from, to});
        }
      }
    }
    inWindow.sort((a, b) -> Long.compare(a[0], b[0]));
    long lost = 0;
    long coveredTo = Long.MIN_VALUE;
    for (long[] interval : inWindow) {
      long from = Math.max(interval[0], coveredTo);
      if (interval[1] > from) {
        lost += interval[1] - from;
      }
      coveredTo = Math.max(coveredTo, interval[1]);
    }
    return lost;
  }

  /**
   * What the machine took around something that ran from {@code startNanos} to {@code endNanos}:
   * {@link #lostNanos} over that interval widened by one probe period on each side.
   */
  long lostAround(long startNanos, long endNanos) {
    return lostNanos(startNanos - PERIOD_NANOS, endNanos + PERIOD_NANOS);
  }

  /**
   * {@link #lostAround} once the probe has looked past {@code endNanos} (a stall still going on at
   * {@code endNanos} is recorded only when the probe wakes), waiting at most 10 s for it. For a
   * check made right after the thing ended.
   */
  long lostAroundSettled(long startNanos, long endNanos) throws InterruptedException {
    long lookPast = endNanos + PERIOD_NANOS;
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (probe != null && !closed && lastLook - lookPast < 0 && System.nanoTime() - giveUp < 0) {
      Thread.sleep(PERIOD_MILLIS);
    }
    return lostAround(startNanos, endNanos);
  }

  /**
   * Asserts that what ran from {@code startNanos} until now took less than {@code boundMillis},
   * net of what the machine took around it ({@link #lostAroundSettled}).
   */
  void assertTookLessThan(long startNanos, long boundMillis) throws InterruptedException {
    long end = System.nanoTime();
    long lost = lostAroundSettled(startNanos, end);
    assertThat(TimeUnit.NANOSECONDS.toMillis(end - startNanos - lost))
        .as("time taken (ms), net of %.1f ms the machine took around it", lost / 1e6)
        .isLessThan(boundMillis);
  }

  /** The longest stall the probe saw after {@code sinceNanos}. */
  synchronized long largestStallNanos(long sinceNanos) {
    return largest(stalls, sinceNanos);
  }

  /** The longest GC pause that ended after {@code sinceNanos}. */
  synchronized long largestGcPauseNanos(long sinceNanos) {
    return largest(gcPauses, sinceNanos);
  }

  /** All GC pauses that ended after {@code sinceNanos}, added up. */
  synchronized long gcPauseTotalNanos(long sinceNanos) {
    long total = 0;
    for (long[] pause : gcPauses) {
      if (pause[1] > sinceNanos) {
        total += pause[1] - pause[0];
      }
    }
    return total;
  }

  /** One line: the largest stall and GC pause since {@code sinceNanos}, the GC total. */
  String summary(long sinceNanos) {
    return String.format(Locale.ROOT, "largest stall %.1f ms, largest GC pause %.1f ms, GC pauses %.0f ms in all",
        largestStallNanos(sinceNanos) / 1e6, largestGcPauseNanos(sinceNanos) / 1e6, gcPauseTotalNanos(sinceNanos) / 1e6);
  }

  private static long largest(List<long[]> intervals, long sinceNanos) {
    long max = 0;
    for (long[] interval : intervals) {
      if (interval[1] > sinceNanos) {
        max = Math.max(max, interval[1] - interval[0]);
      }
    }
    return max;
  }

  private void probe() {
    while (!closed) {
      long asleep = System.nanoTime();
      try {
        Thread.sleep(PERIOD_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      long awake = System.nanoTime();
      lastLook = awake;
      long due = asleep + PERIOD_NANOS;
      if (awake - due > NOISE_NANOS) {
        recordStall(due, awake);
      }
    }
  }

  private void subscribeToGc() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      // Concurrent cycles (ZGC/Shenandoah "Cycles") run beside the application: not pauses.
      if (!(gc instanceof NotificationEmitter emitter) || gc.getName().contains("Cycles")) {
        continue;
      }
      NotificationListener listener = (Notification notification, Object handback) -> {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
          return;
        }
        long arrived = System.nanoTime();
        GarbageCollectionNotificationInfo info =
            GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        noticeGc(info.getGcInfo().getStartTime(), info.getGcInfo().getEndTime(), arrived);
      };
      emitter.addNotificationListener(listener, null, null);
      unsubscribe.add(() -> {
        try {
          emitter.removeNotificationListener(listener);
        } catch (ListenerNotFoundException ignored) {
          // already gone
        }
      });
    }
  }

  /** Stops the probe and the GC listener; what they recorded stays readable. */
  @Override
  public void close() throws InterruptedException {
    closed = true;
    unsubscribe.forEach(Runnable::run);
    if (probe != null) {
      probe.interrupt();
      probe.join(1_000);
    }
  }
}
