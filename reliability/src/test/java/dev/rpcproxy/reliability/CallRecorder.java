package dev.rpcproxy.reliability;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Times calls made against a deadline and files each under its outcome ("success" or the simple
 * name of the exception the caller got), for the figures of the network-fault and fuzz tests.
 * With {@link MachinePauses}, also how far past its deadline each call ended once the machine's
 * stalls and GC pauses around it are taken off ({@link #netOvershootMillis()}, the figure bounds are
 * checked against; see {@link DeadlineJudge}). Thread-safe.
 */
final class CallRecorder {
  private final String name;
  private final Duration timeout;
  private final Map<String, LongAdder> outcomes = new ConcurrentSkipListMap<>();
  private final LongAccumulator maxOvershootNanos = new LongAccumulator(Math::max, Long.MIN_VALUE);
  private final LongAccumulator maxNetOvershootNanos = new LongAccumulator(Math::max, Long.MIN_VALUE);
  private final LongAdder calls = new LongAdder();
  private final MachinePauses pauses;

  CallRecorder(String name, Duration timeout) {
    this(name, timeout, null);
  }

  CallRecorder(String name, Duration timeout, MachinePauses pauses) {
    this.name = name;
    this.timeout = timeout;
    this.pauses = pauses;
  }

  /** Runs {@code call}; returns its value, or the exception it ended with (unwrapped from futures). */
  Object call(Callable<?> call) {
    long t0 = System.nanoTime();
    Object result;
    try {
      result = call.call();
    } catch (Throwable t) {
      result = unwrap(t);
    }
    record(t0, result);
    return result;
  }

  /** Records a call that ended now, started at {@code t0} ({@link System#nanoTime()}). */
  void record(long t0, Object result) {
    long end = System.nanoTime();
    long elapsed = end - t0;
    calls.increment();
    maxOvershootNanos.accumulate(elapsed - timeout.toNanos());
    if (pauses != null) {
      try {
        maxNetOvershootNanos.accumulate(elapsed - timeout.toNanos() - pauses.lostAroundSettled(t0, end));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        maxNetOvershootNanos.accumulate(elapsed - timeout.toNanos());
      }
    }
    String outcome = result instanceof Throwable t ? t.getClass().getSimpleName() : "success";
    outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  long calls() {
    return calls.sum();
  }

  long count(String outcome) {
    LongAdder n = outcomes.get(outcome);
    return n == null ? 0 : n.sum();
  }

  /** The longest any call ran past its deadline, in ms; negative if all ended before it. */
  double maxOvershootMillis() {
    return calls.sum() == 0 ? 0 : maxOvershootNanos.get() / 1e6;
  }

  /**
   * The longest any call ran past its deadline beyond the time the machine lost around it (its
   * stalls and GC pauses), in ms; negative if all ended before it. The measured overshoot without
   * {@link MachinePauses}, and on a quiet machine.
   */
  double netOvershootMillis() {
    if (pauses == null) {
      return maxOvershootMillis();
    }
    return calls.sum() == 0 ? 0 : maxNetOvershootNanos.get() / 1e6;
  }

  String outcomes() {
    StringBuilder out = new StringBuilder();
    outcomes.forEach((k, v) -> out.append(out.length() == 0 ? "" : ", ").append(k).append(' ').append(v.sum()));
    return out.toString();
  }

  /** One Markdown row: case, calls, outcomes, max overshoot, leaks, connections opened / reused. */
  String row(long connectionsOpened, long attempts, int leaks) {
    String row = String.format(Locale.ROOT, "| %s | %d | %s | %.1f ms | %d | %d / %d |", name, calls(), outcomes(),
        maxOvershootMillis(), leaks, connectionsOpened, Math.max(0, attempts - connectionsOpened));
    System.out.println("FIGURES " + row);
    return row;
  }
}
