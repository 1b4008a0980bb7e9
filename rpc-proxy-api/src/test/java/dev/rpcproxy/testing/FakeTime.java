package dev.rpcproxy.testing;

import dev.rpcproxy.TimeSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TimeSource} that moves only when told: {@link #advance} runs every task that falls due,
 * in time order; {@link #sleep} advances by the slept amount at once. Thread-safe.
 *
 * <pre>{@code
 * FakeTime time = new FakeTime();
 * Api api = RpcProxy.builder(Api.class).timeSource(time)...build();
 * time.advance(Duration.ofSeconds(5));
 * }</pre>
 */
public final class FakeTime implements TimeSource {
  private static final Instant ORIGIN = Instant.parse("2026-01-01T00:00:00Z");

  private final PriorityQueue<Task> tasks = new PriorityQueue<>(
      (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.order, b.order));
  private long nanos;
  private long sequence;
  private long slept;

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public Clock clock() {
    return new FakeClock();
  }

  /** Advances time by {@code nanos} instead of sleeping. */
  @Override
  public void sleep(long nanos) {
    synchronized (this) {
      slept += nanos;
    }
    advance(Duration.ofNanos(nanos));
  }

  /** Total time passed in {@link #sleep} (backoff waits of blocking calls). */
  public synchronized Duration slept() {
    return Duration.ofNanos(slept);
  }

  @Override
  public Future<?> schedule(Runnable task, long delayNanos) {
    Task t;
    synchronized (this) {
      t = new Task(task, nanos + Math.max(0, delayNanos), sequence++);
      tasks.add(t);
    }
    return t;
  }

  /** Tasks waiting to run (not cancelled). */
  public synchronized int pendingTasks() {
    return (int) tasks.stream().filter(t -> !t.cancelled).count();
  }

  /** Moves time forward, running every task that falls due on the calling thread, in order. */
  public void advance(Duration by) {
    long target;
    synchronized (this) {
      target = nanos + by.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.due > target) {
          nanos = Math.max(nanos, target);
          return;
        }
        tasks.poll();
        nanos = Math.max(nanos, next.due);
      }
      next.runOnce();
    }
  }

  private final class FakeClock extends Clock {
    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return ORIGIN.plusNanos(nanoTime());
    }
  }

  private static final class Task implements ScheduledFuture<Object> {
    private final Runnable runnable;
    private final long due;
    private final long order;
    private volatile boolean cancelled;
    private volatile boolean done;

    Task(Runnable runnable, long due, long order) {
      this.runnable = runnable;
      this.due = due;
      this.order = order;
    }

    void runOnce() {
      if (!cancelled && !done) {
        done = true;
        runnable.run();
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done) {
        return false;
      }
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done || cancelled;
    }

    @Override
    public Object get() {
      return null;
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      return null;
    }
  }
}
