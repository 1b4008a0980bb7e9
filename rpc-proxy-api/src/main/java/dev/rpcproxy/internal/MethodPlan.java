package dev.rpcproxy.internal;

import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.Fallback;
import dev.rpcproxy.FailureClassifier;
import dev.rpcproxy.TimeSource;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.CallAdapter;
import dev.rpcproxy.spi.CallShape;
import dev.rpcproxy.internal.limit.CallLimiter;
import dev.rpcproxy.internal.limit.CallRateLimiter;
import dev.rpcproxy.internal.limit.AdaptiveCallLimiter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.observation.ObservationRegistry;
import java.lang.reflect.Method;
import java.time.Duration;

/**
 * Everything one interface method needs at call time, prepared once at {@code build()}: no
 * reflection, annotation reads or lookups by name happen on the call path.
 */
final class MethodPlan {
  final String client;
  final Method method;
  final String methodName;
  final boolean async;
  /**
   * Wraps the engine's call in the caller's type; {@code null} when the caller gets the engine's
   * own object (a value, the call's {@code CompletableFuture}, its {@code Flow.Publisher}).
   */
  final CallAdapter adapter;
  /**
   * Whether calls run in the attempt engine ({@link AsyncCall}): async or hedged methods. An
   * observation registry does not change it: observation only watches.
   */
  final boolean usesEngine;
  final BoundMethod binding;
  final long timeoutNanos;
  final Duration timeout;
  /** Zero when attempts end only with the call's deadline. */
  final long attemptTimeoutNanos;
  /** {@code null} when no rate limit is set. */
  final CallRateLimiter rateLimiter;
  /** The bound on outstanding calls, fixed or adaptive. */
  final CallLimiter limiter;
  /** The limit's name: the client's, or {@code client.method} for a method with its own. */
  final String limitName;
  /** Whether a blocking call may wait for a permit (and so spend part of its deadline). */
  final boolean waitsForPermit;
  final CircuitBreaker breaker;
  final BreakerGuard guard;
  /** {@code null} when the method is not retried (no retry policy, or not idempotent). */
  final RetryPlan retry;
  /** {@code null} when the method is not hedged (no hedge policy, or not idempotent). */
  final HedgePlan hedge;
  /** The budget retries and hedges draw on; {@code null} when there are neither. */
  final RetryBudget budget;
  /** {@code null} when no fallback is configured. */
  final Fallback fallback;
  final FailureClassifier classifier;
  final CallMetrics metrics;
  /** {@code null} when calls are not observed. */
  final ObservationRegistry observations;
  final TimeSource time;
  /** {@code null} unless the method streams; its calls then run in {@link StreamCall}. */
  final StreamPlan stream;
  /**
   * Whether anything reads how long a successful blocking attempt took: the call timer, an
   * adaptive limit, or a breaker whose slow-call threshold lies below the timeout (a call that
   * reaches its deadline ends as a timeout, so a threshold at or above it never sees a slow
   * success). When nothing does, the clock is not read again after the attempt.
   */
  final boolean timesSuccess;
  /** Whether a call takes its permit without waiting: no rate limit, no permit wait. */
  final boolean admitsAtOnce;
  /** Whether an async call rejected at once can be answered with a plain failed future (no fallback, no observation). */
  final boolean asyncFailsFast;
  /**
   * The rejections, built once: every field is fixed for the method, and rpc-proxy's exceptions
   * carry no stack trace, no suppressed exceptions and no settable cause, so one instance can be
   * thrown to every caller. {@code bulkheadFull} is {@code null} for an adaptive limit, whose
   * limit changes and is built into each rejection.
   */
  final CircuitOpenException circuitOpen;
  final BulkheadFullException bulkheadFull;
  /** The same rejections as a blocking call returns them to the proxy's handler, which throws them. */
  final Rejected circuitOpenRejected;
  final Rejected bulkheadFullRejected;

  MethodPlan(String client, Method method, CallShape shape, CallAdapter adapter, BoundMethod binding, long timeoutNanos,
      long attemptTimeoutNanos, CallRateLimiter rateLimiter, CallLimiter limiter, String limitName,
      BreakerGuard guard, RetryPlan retry, HedgePlan hedge,
      RetryBudget budget, Fallback fallback, FailureClassifier classifier, CallMetrics metrics,
      ObservationRegistry observations, TimeSource time, StreamPlan stream) {
    this.client = client;
    this.method = method;
    this.methodName = method.getName();
    this.async = shape == CallShape.ASYNC;
    this.adapter = adapter;
    this.binding = binding;
    this.timeoutNanos = timeoutNanos;
    this.timeout = Duration.ofNanos(timeoutNanos);
    this.attemptTimeoutNanos = attemptTimeoutNanos;
    this.rateLimiter = rateLimiter;
    this.limiter = limiter;
    this.limitName = limitName;
    this.waitsForPermit = limiter.maxWaitNanos() > 0 || (rateLimiter != null && rateLimiter.maxWaitNanos() > 0);
    this.breaker = guard.breaker();
    this.guard = guard;
    this.retry = retry;
    this.hedge = hedge;
    this.budget = budget;
    this.fallback = fallback;
    this.classifier = classifier;
    this.metrics = metrics;
    this.observations = observations == null || observations.isNoop() ? null : observations;
    this.time = time;
    this.stream = stream;
    this.usesEngine = this.async || hedge != null;
    this.timesSuccess = metrics.records() || limiter instanceof AdaptiveCallLimiter
        || guard.countsSlowCallsBelow(timeoutNanos);
    this.admitsAtOnce = rateLimiter == null && !this.waitsForPermit;
    this.asyncFailsFast = this.async && fallback == null && this.observations == null && stream == null;
    this.circuitOpen = new CircuitOpenException(client, methodName, breaker.getName());
    this.bulkheadFull = limiter instanceof AdaptiveCallLimiter
        ? null
        : new BulkheadFullException(client, methodName, limiter.limit());
    this.circuitOpenRejected = new Rejected(circuitOpen);
    this.bulkheadFullRejected = bulkheadFull == null ? null : new Rejected(bulkheadFull);
  }
}
