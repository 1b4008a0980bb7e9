package dev.rpcproxy.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in front of one Resilience4j breaker: logs its state changes with the client's name, and
 * rejects calls while the breaker is known to be open without asking it.
 *
 * <p>Why: once anyone subscribes to a breaker's events, Resilience4j allocates an event (with a
 * {@code ZonedDateTime}) on every call, and its open state builds one for every rejection even
 * with no subscriber. Watching the state after each interaction costs one volatile read.
 *
 * <p>The fast rejection window ends at the shortest open-state wait the breaker's configuration
 * allows, measured from a time no later than the real transition, so it never rejects a call the
 * breaker would have let through; after the window every call asks the breaker again.
 *
 * <p>Concurrency: the last seen state moves by CAS, so each change is logged once; two changes in
 * quick succession on different threads may be logged out of order.
 */
final class BreakerGuard {
  private static final Logger log = LoggerFactory.getLogger("dev.rpcproxy.CircuitBreaker");

  private final CircuitBreaker breaker;
  private final String client;
  private final long minOpenNanos;
  private final AtomicReference<CircuitBreaker.State> last;
  private final LongAdder rejections = new LongAdder();
  private volatile long openUntilNanos;
  private volatile boolean open;

  BreakerGuard(CircuitBreaker breaker, String client) {
    this.breaker = breaker;
    this.client = client;
    long waitMillis = breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1);
    this.minOpenNanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
    this.last = new AtomicReference<>(breaker.getState());
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
    if (rejectsFast(now)) {
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
  boolean rejectsFast(long now) {
    if (open && now - openUntilNanos < 0) {
      rejections.increment();
      return true;
    }
    return false;
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
    if (now == CircuitBreaker.State.OPEN) {
      openUntilNanos = before + minOpenNanos;
      open = true;
      log.warn("client '{}': circuit breaker '{}' {} -> {}", client, breaker.getName(), previous, now);
    } else {
      open = false;
      if (now == CircuitBreaker.State.FORCED_OPEN) {
        log.warn("client '{}': circuit breaker '{}' {} -> {}", client, breaker.getName(), previous, now);
      } else {
        log.info("client '{}': circuit breaker '{}' {} -> {}", client, breaker.getName(), previous, now);
      }
    }
  }

  /** {@code true} while the breaker is closed (hedges are sent only then). */
  boolean isClosed() {
    return breaker.getState() == CircuitBreaker.State.CLOSED;
  }

  /** Attempts the breaker did not permit, since the client was built (monotonic). */
  long rejections() {
    return rejections.sum();
  }
}
