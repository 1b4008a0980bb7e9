package dev.rpcproxy.internal;

import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.FailedCall;
import dev.rpcproxy.FailureClassifier.Verdict;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
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
 *   <li><b>bulkhead</b>: one permit per call (not per attempt), released when the call ends;
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
    return invokeBlocking(plan, arguments);
  }

  private static Object invokeBlocking(MethodPlan plan, Object[] args) throws Throwable {
    long start = plan.time.nanoTime();
    Deadline deadline = Deadline.of(plan.time, start, plan.timeoutNanos);
    Object result = null;
    Throwable failure = null;
    long end;
    if (plan.bulkhead.tryAcquirePermission()) {
      try {
        result = attempts(plan, args, deadline, start);
      } catch (Throwable t) {
        failure = t;
      } finally {
        plan.bulkhead.onComplete();
      }
      end = plan.time.nanoTime();
    } else {
      failure = bulkheadFull(plan);
      end = plan.time.nanoTime();
    }
    if (failure == null) {
      plan.metrics.record(Outcome.SUCCESS, end - start);
      if (plan.fallback != null) {
        plan.fallback.onSuccess(plan.client, plan.method, args, result);
      }
      return result;
    }
    Outcome outcome = outcomeOf(plan, failure);
    plan.metrics.record(outcome, end - start);
    return fallback(plan, args, failure, outcome);
  }

  private static Object attempts(MethodPlan plan, Object[] args, Deadline deadline, long start)
      throws Throwable {
    if (plan.retry != null) {
      plan.retry.onCall();
    }
    // A permit wait may have used up the deadline; without one, no time has passed since start.
    long attemptStart = plan.waitsForPermit ? plan.time.nanoTime() : start;
    for (int attempt = 1; ; attempt++) {
      if ((attempt > 1 || plan.waitsForPermit) && deadline.isExpired()) {
        throw timeout(plan, null);
      }
      boolean permitted = plan.breaker.tryAcquirePermission();
      plan.breakerLog.check();
      if (!permitted) {
        throw circuitOpen(plan);
      }
      try {
        Object result = plan.binding.invoke(args, deadline);
        plan.breaker.onSuccess(plan.time.nanoTime() - attemptStart, TimeUnit.NANOSECONDS);
        plan.breakerLog.check();
        return result;
      } catch (Throwable t) {
        Verdict verdict = plan.classifier.classify(t);
        if (verdict == Verdict.CALLER_ERROR) {
          plan.breaker.releasePermission();
          throw t;
        }
        plan.breaker.onError(plan.time.nanoTime() - attemptStart, TimeUnit.NANOSECONDS, t);
        plan.breakerLog.check();
        long delay = plan.retry == null
            ? RetryPlan.NO_RETRY
            : plan.retry.delayNanos(attempt, verdict, t, deadline);
        if (delay == RetryPlan.NO_RETRY) {
          throw t;
        }
        if (delay > 0) {
          try {
            plan.time.sleep(delay);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            t.addSuppressed(interrupted);
            throw t;
          }
        }
        attemptStart = plan.time.nanoTime();
      }
    }
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
    return plan.classifier.classify(failure) == Verdict.CALLER_ERROR ? Outcome.CLIENT_ERROR : Outcome.FAILURE;
  }

  static BulkheadFullException bulkheadFull(MethodPlan plan) {
    return new BulkheadFullException(plan.client, plan.methodName, plan.maxConcurrentCalls);
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
