package dev.rpcproxy;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A read-only snapshot of one client built by {@link RpcProxy}: what it is, how each method is
 * guarded, and the state of its breakers and concurrency limits at the moment it was taken.
 *
 * <pre>{@code
 * ClientView view = RpcProxy.inspect(restaurantApi);
 * view.breakers().forEach(b -> log.info("{} is {}", b.name(), b.state()));
 * log.info("{} of {} calls in flight", view.inFlight(), view.limit());
 * }</pre>
 *
 * <p>Taking a view reads a few counters and allocates; it never blocks a call. Meant for health
 * checks, admin endpoints and tests, not for the call path.
 *
 * @param name the client's name (metrics, logs, breaker names)
 * @param api the interface
 * @param transport the transport's description ({@code toString()}), with no secrets in it
 * @param methods each method sent to the transport, by name then signature
 * @param breakers each circuit breaker of the client ({@code client}, or {@code client.method})
 * @param limits each bulkhead of the client ({@code client}, or {@code client.method})
 */
public record ClientView(String name, Class<?> api, String transport, List<MethodView> methods,
    List<BreakerView> breakers, List<LimitView> limits) {

  /** Copies the lists. */
  public ClientView {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(api, "api");
    methods = List.copyOf(methods);
    breakers = List.copyOf(breakers);
    limits = List.copyOf(limits);
  }

  /** Calls in flight over every bulkhead of the client. */
  public int inFlight() {
    return limits.stream().mapToInt(LimitView::inFlight).sum();
  }

  /** The client's own limit on outstanding calls ({@code 0} if every method has its own). */
  public int limit() {
    return limits.stream().filter(l -> l.name().equals(name)).mapToInt(LimitView::limit).findFirst().orElse(0);
  }

  /**
   * How one method is guarded.
   *
   * @param name the method's name
   * @param async whether it returns a {@code CompletableFuture}/{@code CompletionStage}
   * @param timeout the whole-call deadline
   * @param maxAttempts attempts in all ({@code 1}: not retried, for want of a retry policy or of idempotence)
   * @param breaker the name of its circuit breaker
   * @param limit the name of its bulkhead
   * @param fallback whether a fallback answers its failures
   */
  public record MethodView(String name, boolean async, Duration timeout, int maxAttempts, String breaker,
      String limit, boolean fallback) {}

  /**
   * One Resilience4j circuit breaker, as it is now.
   *
   * @param name the breaker's name
   * @param state its state
   * @param failureRate the failure rate in percent, or {@code -1} until it has enough calls
   * @param slowCallRate the slow call rate in percent, or {@code -1} until it has enough calls
   * @param bufferedCalls calls in its sliding window
   * @param failedCalls failed calls in its sliding window
   * @param notPermittedCalls calls it rejected since it last closed
   */
  public record BreakerView(String name, CircuitBreaker.State state, float failureRate, float slowCallRate,
      int bufferedCalls, int failedCalls, long notPermittedCalls) {}

  /**
   * One bulkhead, as it is now.
   *
   * @param name the bulkhead's name
   * @param inFlight calls holding a permit now
   * @param limit the limit in force
   */
  public record LimitView(String name, int inFlight, int limit) {}
}
