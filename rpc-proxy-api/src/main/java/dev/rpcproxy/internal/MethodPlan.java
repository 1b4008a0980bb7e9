package dev.rpcproxy.internal;

import dev.rpcproxy.Fallback;
import dev.rpcproxy.FailureClassifier;
import dev.rpcproxy.TimeSource;
import dev.rpcproxy.spi.BoundMethod;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.observation.ObservationRegistry;
import java.lang.reflect.Method;

/**
 * Everything one interface method needs at call time, prepared once at {@code build()}: no
 * reflection, annotation reads or lookups by name happen on the call path.
 */
final class MethodPlan {
  final String client;
  final Method method;
  final String methodName;
  final boolean async;
  /** Whether calls run in the attempt engine ({@link AsyncCall}): async or hedged methods. */
  final boolean usesEngine;
  final BoundMethod binding;
  final long timeoutNanos;
  /** Zero when attempts end only with the call's deadline. */
  final long attemptTimeoutNanos;
  final Bulkhead bulkhead;
  final int maxConcurrentCalls;
  /** Whether a blocking call may wait for a bulkhead permit (and so spend part of its deadline). */
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

  MethodPlan(String client, Method method, boolean async, BoundMethod binding, long timeoutNanos,
      long attemptTimeoutNanos, Bulkhead bulkhead, BreakerGuard guard, RetryPlan retry, HedgePlan hedge,
      RetryBudget budget, Fallback fallback, FailureClassifier classifier, CallMetrics metrics,
      ObservationRegistry observations, TimeSource time) {
    this.client = client;
    this.method = method;
    this.methodName = method.getName();
    this.async = async;
    this.binding = binding;
    this.timeoutNanos = timeoutNanos;
    this.attemptTimeoutNanos = attemptTimeoutNanos;
    this.bulkhead = bulkhead;
    this.maxConcurrentCalls = bulkhead.getBulkheadConfig().getMaxConcurrentCalls();
    this.waitsForPermit = !bulkhead.getBulkheadConfig().getMaxWaitDuration().isZero();
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
    this.usesEngine = async || hedge != null || this.observations != null;
  }
}
