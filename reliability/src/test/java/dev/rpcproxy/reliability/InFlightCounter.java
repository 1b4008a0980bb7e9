package dev.rpcproxy.reliability;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a test server saw of concurrency: calls in flight now, the peak, and how many calls arrived
 * at each in-flight level (so arrivals above a bulkhead can be counted). Thread-safe.
 */
final class InFlightCounter {
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger max = new AtomicInteger();
  private final AtomicLong total = new AtomicLong();
  private final ConcurrentHashMap<Integer, AtomicLong> arrivalsAt = new ConcurrentHashMap<>();

  /** A call arrived; pair with one {@link #leave()}. */
  void arrive() {
    total.incrementAndGet();
    int now = inFlight.incrementAndGet();
    max.accumulateAndGet(now, Math::max);
    arrivalsAt.computeIfAbsent(now, k -> new AtomicLong()).incrementAndGet();
  }

  /** A call ended. */
  void leave() {
    inFlight.decrementAndGet();
  }

  int inFlight() {
    return inFlight.get();
  }

  int max() {
    return max.get();
  }

  long total() {
    return total.get();
  }

  /** Calls that arrived while more than {@code limit} were in flight (themselves included). */
  long arrivalsOver(int limit) {
    return arrivalsAt.entrySet().stream().filter(e -> e.getKey() > limit).mapToLong(e -> e.getValue().get()).sum();
  }
}
