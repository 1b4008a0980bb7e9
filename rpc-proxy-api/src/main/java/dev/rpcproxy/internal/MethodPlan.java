package dev.rpcproxy.internal;

import dev.rpcproxy.Fallback;
import dev.rpcproxy.FailureClassifier;
import dev.rpcproxy.TimeSource;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.internal.limit.CallLimiter;
import dev.rpcproxy.internal.limit.CallRateLimiter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
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
  final BoundMethod binding;
  final long timeoutNanos;
  /** {@code null} when no rate limit is set. */
  final CallRateLimiter rateLimiter;
  final CallLimiter limiter;
  /** Whether a blocking call may wait for a permit (and so spend part of its deadline). */
  final boolean waitsForPermit;
  final CircuitBreaker breaker;
  final BreakerGuard guard;
  /** {@code null} when the method is not retried (no retry policy, or not idempotent). */
  final RetryPlan retry;
  /** {@code null} when no fallback is configured. */
  final Fallback fallback;
  final FailureClassifier classifier;
  final CallMetrics metrics;
  final TimeSource time;

  MethodPlan(String client, Method method, boolean async, BoundMethod binding, long timeoutNanos,
      CallRateLimiter rateLimiter, CallLimiter limiter, boolean waitsForPermit, BreakerGuard guard,
      RetryPlan retry, Fallback fallback,
      FailureClassifier classifier, CallMetrics metrics, TimeSource time) {
    this.client = client;
    this.method = method;
    this.methodName = method.getName();
    this.async = async;
    this.binding = binding;
    this.timeoutNanos = timeoutNanos;
    this.rateLimiter = rateLimiter;
    this.limiter = limiter;
    this.waitsForPermit = waitsForPermit || (rateLimiter != null && rateLimiter.maxWaitNanos() > 0);
    this.breaker = guard.breaker();
    this.guard = guard;
    this.retry = retry;
    this.fallback = fallback;
    this.classifier = classifier;
    this.metrics = metrics;
    this.time = time;
  }
}
