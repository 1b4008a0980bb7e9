package dev.rpcproxy.internal;

import dev.rpcproxy.TimeSource;
import java.time.Clock;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Real time; one shared daemon timer thread, started on first use. */
public final class SystemTimeSource implements TimeSource {
  /** The only instance. */
  public static final SystemTimeSource INSTANCE = new SystemTimeSource();

  private SystemTimeSource() {}

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Clock clock() {
    return Clock.systemUTC();
  }

  @Override
  public void sleep(long nanos) throws InterruptedException {
    long end = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = end - System.nanoTime()) {
      LockSupport.parkNanos(this, left);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  @Override
  public Future<?> schedule(Runnable task, long delayNanos) {
    return Timer.EXECUTOR.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "TimeSource.system()";
  }

  /** Holder: the timer thread starts only when something is scheduled. */
  private static final class Timer {
    static final ScheduledThreadPoolExecutor EXECUTOR = create();

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "rpc-proxy-timer");
        thread.setDaemon(true);
        return thread;
      });
      // Cancelled deadline tasks are the common case: drop them at once so the queue stays small.
      executor.setRemoveOnCancelPolicy(true);
      return executor;
    }
  }
}
