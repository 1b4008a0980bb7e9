package dev.rpcproxy.internal;

import dev.rpcproxy.BreakerUpdate;
import dev.rpcproxy.TimeSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.IllegalStateTransitionException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in front of one Resilience4j breaker, which keeps its configuration, its states and its
 * transitions; every attempt's permission and result goes through here.
 *
 * <ul>
 *   <li><b>closed</b>: with a count-based window (Resilience4j's default) the guard records the
 *       results itself, in a lock-free {@link CountWindow} that decides as Resilience4j's closed
 *       state would, and moves the breaker to OPEN when a threshold is reached. Resilience4j's own
 *       window takes a lock on every record; with two callers that lock is where calls queue.
 *       Time-based windows, and breakers with a {@code transitionOnResult} function, are left to
 *       Resilience4j entirely;
 *   <li><b>open</b>: rejects calls while the breaker is known to be open without asking it or
 *       reading the clock, until the shortest open-state wait its configuration allows has passed,
 *       measured from a time no later than the real transition; a task on the client's timer ends
 *       that (so a call is let through to Resilience4j at most the timer's lateness after the
 *       breaker would have let it through). Resilience4j's open state reads the clock and builds an
 *       object for every rejection;
 *   <li><b>every other state</b> (half-open, forced, disabled, metrics-only): Resilience4j decides.
 * </ul>
 *
 * <p>It logs state changes with the client's name. It does not subscribe to the breaker's
 * events: once anyone does, Resilience4j allocates an event (with a {@code ZonedDateTime}) on
 * every call. The breaker's numbers for meters and views come from {@link #metrics()}: the
 * guard's window while it records (and while the breaker is open after it), else Resilience4j's.
 *
 * <p>Concurrency: the window in use is one volatile reference, {@code null} unless the breaker is
 * closed; the transition to OPEN is decided by one compare-and-set on it, so only one caller moves
 * the breaker. A result that arrives after its window was replaced is recorded by the state the
 * breaker is in then, as Resilience4j does with calls permitted before a transition.
 */
final class BreakerGuard {
  private static final Logger log = LoggerFactory.getLogger("dev.rpcproxy.CircuitBreaker");
  private static final VarHandle WINDOW;
  private static final VarHandle OPEN_UNTIL;
  /** {@link #openUntilNanos} while calls are not rejected here. */
  private static final long NOT_OPEN = Long.MIN_VALUE;

  static {
    try {
      WINDOW = MethodHandles.lookup().findVarHandle(BreakerGuard.class, "window", CountWindow.class);
      OPEN_UNTIL = MethodHandles.lookup().findVarHandle(BreakerGuard.class, "openUntilNanos", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final CircuitBreaker breaker;
  private final CircuitBreakerConfig config;
  private final String client;
  private final TimeSource time;
  private final long minOpenNanos;
  private final long slowCallNanos;
  /** Whether the closed state's results are recorded here (count-based window, no result hook). */
  private final boolean recordsClosedState;
  private final AtomicReference<CircuitBreaker.State> last;
  private final LongAdder rejections = new LongAdder();
  private final Metrics metrics = new Metrics();
  /** The closed state's window while the breaker is closed; {@code null} in every other state. */
  private volatile CountWindow window;
  /** The window whose numbers {@link #metrics()} shows, or {@code null} to show Resilience4j's. */
  private volatile CountWindow shown;
  /**
   * While the breaker is known to be open, the end of its shortest open wait, when a timer task
   * sets this back to {@link #NOT_OPEN}; {@code NOT_OPEN} otherwise.
   */
  private volatile long openUntilNanos = NOT_OPEN;

  BreakerGuard(CircuitBreaker breaker, String client, TimeSource time) {
    this.breaker = breaker;
    this.config = breaker.getCircuitBreakerConfig();
    this.client = client;
    this.time = time;
    long waitMillis = config.getWaitIntervalFunctionInOpenState().apply(1);
    this.minOpenNanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
    this.slowCallNanos = config.getSlowCallDurationThreshold().toNanos();
    this.recordsClosedState = config.getSlidingWindowType() == CircuitBreakerConfig.SlidingWindowType.COUNT_BASED
        && config.getTransitionOnResult() == CircuitBreakerConfig.ofDefaults().getTransitionOnResult();
    CircuitBreaker.State state = breaker.getState();
    this.last = new AtomicReference<>(state);
    if (state == CircuitBreaker.State.CLOSED && recordsClosedState) {
      CountWindow first = new CountWindow(config);
      this.shown = first;
      this.window = first;
    }
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  /**
   * Asks for permission to make one attempt.
   *
   * @param now a reading of the client's time source taken just before
   */
  boolean tryAcquire(long now) {
    if (window != null) {
      return true; // the closed state permits every call
    }
    if (rejectsFast()) {
      return false;
    }
    boolean permitted = breaker.tryAcquirePermission();
    check(now);
    if (!permitted) {
      rejections.increment();
    }
    return permitted;
  }

  /**
   * {@code true} (and counted as a rejection) while the breaker is known to be open: the call can
   * be rejected before it takes anything else, such as a bulkhead permit.
   */
  boolean rejectsFast() {
    if (openUntilNanos != NOT_OPEN) {
      rejections.increment();
      return true;
    }
    return false;
  }

  /** A permitted attempt succeeded after {@code took} nanoseconds. */
  void onSuccess(long took, long now) {
    CountWindow closed = window;
    if (closed != null) {
      if (closed.record(took > slowCallNanos ? CountWindow.SLOW_SUCCESS : CountWindow.SUCCESS)) {
        open(closed, now);
      }
      return;
    }
    breaker.onSuccess(took, TimeUnit.NANOSECONDS);
    check(now);
  }

  /** A permitted attempt failed with the service's (or the network's) failure after {@code took} nanoseconds. */
  void onError(long took, Throwable failure, long now) {
    CountWindow closed = window;
    if (closed == null) {
      breaker.onError(took, TimeUnit.NANOSECONDS, failure);
      check(now);
      return;
    }
    // Resilience4j's rules: unwrap, then ignored exceptions are not recorded and exceptions the
    // configuration does not record count as successes.
    Throwable cause = failure;
    if ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (config.getIgnoreExceptionPredicate().test(cause)) {
      return;
    }
    boolean slow = took > slowCallNanos;
    int result = config.getRecordExceptionPredicate().test(cause)
        ? (slow ? CountWindow.SLOW_FAILURE : CountWindow.FAILURE)
        : (slow ? CountWindow.SLOW_SUCCESS : CountWindow.SUCCESS);
    if (closed.record(result)) {
      open(closed, now);
    }
  }

  /**
   * Moves the breaker as an operator asked, then follows it like any other state change (the
   * guard stops recording or rejecting fast, and logs the change). Closing a closed breaker
   * empties its window.
   */
  void update(BreakerUpdate update) {
    long before = time.nanoTime();
    // The window goes first, so that no result recorded meanwhile can open the breaker over the operator's state.
    window = null;
    switch (update) {
      case FORCE_OPEN -> breaker.transitionToForcedOpenState();
      case DISABLE -> breaker.transitionToDisabledState();
      case CLOSE -> {
        if (breaker.getState() == CircuitBreaker.State.CLOSED) {
          breaker.reset();
        } else {
          breaker.transitionToClosedState();
        }
      }
      default -> throw new IllegalArgumentException("unknown update " + update);
    }
    if (breaker.getState() == CircuitBreaker.State.CLOSED && last.get() == CircuitBreaker.State.CLOSED
        && recordsClosedState) {
      CountWindow fresh = new CountWindow(config); // closed before and after: check() sees no change
      shown = fresh;
      window = fresh;
    }
    check(before);
  }

  /** A permitted attempt ended without a result to record (cancelled, or the caller's own error). */
  void release() {
    if (window == null) {
      breaker.releasePermission();
    }
  }

  /** The closed window reached a threshold: the one caller that takes it away moves the breaker to OPEN. */
  private void open(CountWindow closed, long now) {
    if (!WINDOW.compareAndSet(this, closed, null)) {
      return;
    }
    try {
      breaker.transitionToOpenState();
    } catch (IllegalStateTransitionException movedMeanwhile) {
      // the breaker left CLOSED some other way; check() below follows it
    }
    check(now);
  }

  /**
   * Notices a state change after an interaction with the breaker.
   *
   * @param before a time source reading taken before the interaction
   */
  void check(long before) {
    CircuitBreaker.State now = breaker.getState();
    CircuitBreaker.State previous = last.get();
    if (now == previous || !last.compareAndSet(previous, now)) {
      return;
    }
    if (now == CircuitBreaker.State.CLOSED && recordsClosedState) {
      CountWindow fresh = new CountWindow(config);
      shown = fresh;
      window = fresh;
    } else {
      window = null;
      if (now != CircuitBreaker.State.OPEN || previous != CircuitBreaker.State.CLOSED) {
        shown = null; // Resilience4j's numbers: half-open, forced, disabled, or open after half-open
      }
    }
    if (now == CircuitBreaker.State.OPEN) {
      long until = before + minOpenNanos;
      openUntilNanos = until;
      time.schedule(() -> OPEN_UNTIL.compareAndSet(this, until, NOT_OPEN), until - time.nanoTime());
      log.warn("client '{}': circuit breaker '{}' {} -> {}", client, breaker.getName(), previous, now);
    } else {
      openUntilNanos = NOT_OPEN;
      if (now == CircuitBreaker.State.FORCED_OPEN) {
        log.warn("client '{}': circuit breaker '{}' {} -> {}", client, breaker.getName(), previous, now);
      } else {
        log.info("client '{}': circuit breaker '{}' {} -> {}", client, breaker.getName(), previous, now);
      }
    }
  }

  /** Whether an attempt shorter than {@code timeoutNanos} can count as a slow call. */
  boolean countsSlowCallsBelow(long timeoutNanos) {
    return slowCallNanos < timeoutNanos;
  }

  /** {@code true} while the breaker is closed (hedges are sent only then). */
  boolean isClosed() {
    return breaker.getState() == CircuitBreaker.State.CLOSED;
  }

  /** Attempts the breaker did not permit, since the client was built (monotonic). */
  long rejections() {
    return rejections.sum();
  }

  /** The breaker's numbers, for meters and views: the guard's window while it records, else Resilience4j's. */
  CircuitBreaker.Metrics metrics() {
    return metrics;
  }

  /** Reads the window shown, or Resilience4j's metrics, when asked. */
  private final class Metrics implements CircuitBreaker.Metrics {
    @Override
    public float getFailureRate() {
      CountWindow w = shown;
      return w != null ? w.failureRate() : breaker.getMetrics().getFailureRate();
    }

    @Override
    public float getSlowCallRate() {
      CountWindow w = shown;
      return w != null ? w.slowCallRate() : breaker.getMetrics().getSlowCallRate();
    }

    @Override
    public int getNumberOfSlowCalls() {
      CountWindow w = shown;
      return w != null ? w.slowSucceeded() + w.slowFailed() : breaker.getMetrics().getNumberOfSlowCalls();
    }

    @Override
    public int getNumberOfSlowSuccessfulCalls() {
      CountWindow w = shown;
      return w != null ? w.slowSucceeded() : breaker.getMetrics().getNumberOfSlowSuccessfulCalls();
    }

    @Override
    public int getNumberOfSlowFailedCalls() {
      CountWindow w = shown;
      return w != null ? w.slowFailed() : breaker.getMetrics().getNumberOfSlowFailedCalls();
    }

    @Override
    public int getNumberOfBufferedCalls() {
      CountWindow w = shown;
      return w != null ? w.calls() : breaker.getMetrics().getNumberOfBufferedCalls();
    }

    @Override
    public int getNumberOfFailedCalls() {
      CountWindow w = shown;
      return w != null ? w.failed() : breaker.getMetrics().getNumberOfFailedCalls();
    }

    @Override
    public long getNumberOfNotPermittedCalls() {
      return rejections.sum();
    }

    @Override
    public int getNumberOfSuccessfulCalls() {
      CountWindow w = shown;
      return w != null ? w.calls() - w.failed() : breaker.getMetrics().getNumberOfSuccessfulCalls();
    }
  }
}
