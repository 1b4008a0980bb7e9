package dev.rpcproxy;

import dev.rpcproxy.internal.SystemTimeSource;
import java.time.Clock;
import java.util.concurrent.Future;

/**
 * The time and scheduling seam of a client: deadlines, backoff waits, breaker windows, open-state
 * waits and fallback cache ages all read it. Production code uses {@link #system()}; tests inject a
 * fake (see {@code dev.rpcproxy.testing.FakeTime} in the api test-jar) so windows and waits run
 * without sleeping.
 *
 * <pre>{@code
 * FakeTime time = new FakeTime();
 * Api api = RpcProxy.builder(Api.class).timeSource(time)...build();
 * time.advance(Duration.ofSeconds(5)); // the breaker's open-state wait has passed
 * }</pre>
 */
public interface TimeSource {

  /** A monotonic reading in nanoseconds, like {@link System#nanoTime()}. */
  long nanoTime();

  /** The wall clock handed to Resilience4j's breaker (sliding windows, open-state wait). */
  Clock clock();

  /**
   * Waits on the calling thread (a backoff before a blocking retry).
   *
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  void sleep(long nanos) throws InterruptedException;

  /**
   * Runs {@code task} once after {@code delayNanos} (async backoff, async deadline). The task must
   * be short: it runs on a shared timer thread.
   *
   * @return a handle whose {@code cancel(false)} drops the task if it has not run
   */
  Future<?> schedule(Runnable task, long delayNanos);

  /** Real time: {@link System#nanoTime()}, the UTC system clock and one shared daemon timer thread. */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}
