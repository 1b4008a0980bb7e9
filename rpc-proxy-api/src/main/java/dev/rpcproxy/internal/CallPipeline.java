package dev.rpcproxy.internal;

import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.FailedCall;
import dev.rpcproxy.FailureClassifier.Verdict;
import dev.rpcproxy.RateLimitedException;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.internal.limit.CallLimiter.Signal;
import dev.rpcproxy.spi.Deadline;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The policy pipeline, in the order a call meets it:
 *
 * <ol>
 *   <li><b>metrics</b>: one {@code rpc.client.calls} sample per call, tagged with its outcome;
 *   <li><b>fallback</b>: answers the call's failure, unless the caller was at fault;
 *   <li><b>deadline</b>: fixed when the call starts; covers permit wait, every attempt and backoff;
 *   <li><b>rate limit</b>: one permit per call, if set; a rejection is counted by nothing else;
 *   <li><b>bulkhead</b> (the concurrency limit, fixed or adaptive): one permit per call (not per
 *       attempt), released when the call ends, telling an adaptive limit how it ended (a breaker
 *       known to be open rejects the call before it takes either permit);
 *   <li><b>retry</b>: budgeted, backoff with jitter, only retryable failures of idempotent methods,
 *       never past the deadline;
 *   <li><b>circuit breaker</b>: asked before each attempt; each attempt's result is recorded
 *       after <b>classification</b>, so the caller's errors never count against the service;
 *   <li><b>attempt</b>: the transport's {@code BoundMethod}, given the deadline.
 * </ol>
 *
 * <p>The bulkhead sits outside retry so that it bounds outstanding calls, and the breaker inside
 * so that a breaker opening mid-call stops the retries. Blocking calls run here on the caller's
 * thread; {@code CompletableFuture} calls run as an {@link AsyncCall}.
 */
final class CallPipeline {
  private static final Object[] NO_ARGS = new Object[0];

  private CallPipeline() {}

  static Object invoke(MethodPlan plan, Object[] args) throws Throwable {
    Object[] arguments = args == null ? NO_ARGS : args;
    if (plan.async) {
      return new AsyncCall(plan, arguments).start();
    }
    long start = plan.time.nanoTime();
    if (plan.guard.rejectsFast(start)) {
      // Kept in this small method, which inlines into the proxy: the throw can then be compiled
      // together with the caller's catch instead of unwinding frames. Needs no permit.
      CircuitOpenException rejection = circuitOpen(plan);
      plan.metrics.record(Outcome.CIRCUIT_OPEN, plan.time.nanoTime() - start);
      if (plan.fallback == null) {
        throw rejection;
      }
      return fallback(plan, arguments, rejection, Outcome.CIRCUIT_OPEN);
    }
    return invokeBlocking(plan, arguments, start);
  }

  private static Object invokeBlocking(MethodPlan plan, Object[] args, long start) throws Throwable {
    if (plan.rateLimiter != null
        && !plan.rateLimiter.tryAcquire(Math.min(plan.rateLimiter.maxWaitNanos(), plan.timeoutNanos))) {
      return failed(plan, args, rateLimited(plan), start);
    }
    if (!plan.limiter.tryAcquire()) {
      return failed(plan, args, bulkheadFull(plan), start);
    }
    // A permit wait may have used up the deadline; without one, no time has passed since start.
    long permitAt = plan.waitsForPermit ? plan.time.nanoTime() : start;
    Deadline deadline = Deadline.of(plan.time, start, plan.timeoutNanos);
    Object result;
    long end;
    try {
      if (plan.retry != null) {
        plan.retry.onCall(start);
      }
      long attemptStart = permitAt;
      for (int attempt = 1; ; attempt++) {
        if ((attempt > 1 || plan.waitsForPermit) && deadline.isExpired()) {
          throw timeout(plan, null);
        }
        if (!plan.guard.tryAcquire(attemptStart)) {
          throw circuitOpen(plan);
        }
        try {
          result = plan.binding.invoke(args, deadline);
        } catch (Throwable t) {
          long failedAt = plan.time.nanoTime();
          Verdict verdict = plan.classifier.classify(t);
          if (verdict == Verdict.CALLER_ERROR) {
            plan.breaker.releasePermission();
            throw t;
          }
          plan.breaker.onError(failedAt - attemptStart, TimeUnit.NANOSECONDS, t);
          plan.guard.check(failedAt);
          long delay = plan.retry == null
              ? RetryPlan.NO_RETRY
              : plan.retry.delayNanos(attempt, verdict, t, deadline);
          if (delay == RetryPlan.NO_RETRY) {
            throw t;
          }
          sleep(plan, delay, t);
          attemptStart = plan.time.nanoTime();
          continue;
        }
        end = plan.time.nanoTime();
        plan.breaker.onSuccess(end - attemptStart, TimeUnit.NANOSECONDS);
        plan.guard.check(end);
        break;
      }
    } catch (Throwable t) {
      Outcome outcome = outcomeOf(plan, t);
      long failedAt = plan.time.nanoTime();
      plan.limiter.release(failedAt - permitAt, signalOf(outcome));
      plan.metrics.record(outcome, failedAt - start);
      return fallback(plan, args, t, outcome);
    }
    plan.limiter.release(end - permitAt, Signal.SUCCESS);
    plan.metrics.record(Outcome.SUCCESS, end - start);
    if (plan.fallback != null) {
      plan.fallback.onSuccess(plan.client, plan.method, args, result);
    }
    return result;
  }

  /** Waits before a blocking retry; an interrupt ends the call with the attempt's failure. */
  private static void sleep(MethodPlan plan, long delayNanos, Throwable failure) throws Throwable {
    if (delayNanos <= 0) {
      return;
    }
    try {
      plan.time.sleep(delayNanos);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      failure.addSuppressed(interrupted);
      throw failure;
    }
  }

  /** Records a blocking call's failure and applies the fallback, or rethrows. */
  private static Object failed(MethodPlan plan, Object[] args, Throwable failure, long start) throws Throwable {
    Outcome outcome = outcomeOf(plan, failure);
    plan.metrics.record(outcome, plan.time.nanoTime() - start);
    return fallback(plan, args, failure, outcome);
  }

  /** Applies the fallback to a blocking call's failure, or rethrows it. */
  private static Object fallback(MethodPlan plan, Object[] args, Throwable failure, Outcome outcome)
      throws Throwable {
    if (plan.fallback == null || outcome == Outcome.CLIENT_ERROR) {
      throw failure;
    }
    Object answer = plan.fallback.apply(new FailedCall(plan.client, plan.method, args, failure));
    plan.metrics.fallbackServed();
    return answer;
  }

  static Outcome outcomeOf(MethodPlan plan, Throwable failure) {
    if (failure instanceof RpcTimeoutException) {
      return Outcome.TIMEOUT;
    }
    if (failure instanceof CircuitOpenException) {
      return Outcome.CIRCUIT_OPEN;
    }
    if (failure instanceof BulkheadFullException) {
      return Outcome.BULKHEAD_FULL;
    }
    if (failure instanceof RateLimitedException) {
      return Outcome.RATE_LIMITED;
    }
    return plan.classifier.classify(failure) == Verdict.CALLER_ERROR ? Outcome.CLIENT_ERROR : Outcome.FAILURE;
  }

  /** What a call's end tells its concurrency limit: timeouts and the service's failures lower it. */
  static Signal signalOf(Outcome outcome) {
    return switch (outcome) {
      case SUCCESS -> Signal.SUCCESS;
      case TIMEOUT, FAILURE -> Signal.DROPPED;
      default -> Signal.IGNORED;
    };
  }

  static BulkheadFullException bulkheadFull(MethodPlan plan) {
    return new BulkheadFullException(plan.client, plan.methodName, plan.limiter.limit());
  }

  static RateLimitedException rateLimited(MethodPlan plan) {
    var settings = plan.rateLimiter.settings();
    return new RateLimitedException(plan.client, plan.methodName, settings.permits(), settings.period());
  }

  static CircuitOpenException circuitOpen(MethodPlan plan) {
    return new CircuitOpenException(plan.client, plan.methodName, plan.breaker.getName());
  }

  static RpcTimeoutException timeout(MethodPlan plan, Throwable cause) {
    return new RpcTimeoutException(plan.client, plan.methodName, Duration.ofNanos(plan.timeoutNanos), cause);
  }

  static RpcTransportException nullFuture(MethodPlan plan) {
    return new RpcTransportException(plan.client, plan.methodName,
        "the transport returned no future", false, null);
  }

  static CompletableFuture<?> startAttempt(MethodPlan plan, Object[] args, Deadline deadline) {
    try {
      CompletableFuture<?> future = plan.binding.invokeAsync(args, deadline);
      return future != null ? future : CompletableFuture.failedFuture(nullFuture(plan));
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(t);
    }
  }
}
