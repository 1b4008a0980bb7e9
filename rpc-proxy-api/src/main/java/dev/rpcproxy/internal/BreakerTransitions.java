package dev.rpcproxy.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a breaker's state changes with the client's name. The pipeline calls {@link #check()}
 * after it talks to the breaker; this costs one state read per attempt, where subscribing to
 * Resilience4j's event publisher would make the breaker allocate an event on every call.
 *
 * <p>Concurrency: the last seen state moves by CAS, so each change is logged once; two changes
 * in quick succession on different threads may be logged out of order.
 */
final class BreakerTransitions {
  private static final Logger log = LoggerFactory.getLogger("dev.rpcproxy.CircuitBreaker");

  private final CircuitBreaker breaker;
  private final String client;
  private final AtomicReference<CircuitBreaker.State> last;

  BreakerTransitions(CircuitBreaker breaker, String client) {
    this.breaker = breaker;
    this.client = client;
    this.last = new AtomicReference<>(breaker.getState());
  }

  void check() {
    CircuitBreaker.State now = breaker.getState();
    CircuitBreaker.State before = last.get();
    if (now != before && last.compareAndSet(before, now)) {
      if (now == CircuitBreaker.State.OPEN || now == CircuitBreaker.State.FORCED_OPEN) {
        log.warn("client '{}': circuit breaker '{}' {} -> {}", client, breaker.getName(), before, now);
      } else {
        log.info("client '{}': circuit breaker '{}' {} -> {}", client, breaker.getName(), before, now);
      }
    }
  }
}
