package dev.rpcproxy.internal;

import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.FailureClassifier.Verdict;
import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.AttemptKind;
import java.util.Map;

/**
 * The policy pipeline, in the order a call meets it:
 *
 * <ol>
 *   <li><b>metrics</b> and <b>observation</b>: one {@code rpc.client.calls} sample per call, tagged
 *       with its outcome, and one {@code rpc.client.call} Observation when a registry is set;
 *   <li><b>fallback</b>: answers the call's failure, unless the caller was at fault;
 *   <li><b>deadline</b>: fixed when the call starts (capped by an inbound deadline, see
 *       {@code dev.rpcproxy.Deadlines}); covers permit wait, every attempt and backoff;
 *   <li><b>rate limit</b> and <b>bulkhead</b> (or concurrency limit): one permit per call (not per
 *       attempt), released when the call ends; a breaker known to be open rejects first;
 *   <li><b>retry</b> and <b>hedge</b>: more attempts of idempotent methods, on the retry budget,
 *       never past the deadline;
 *   <li><b>circuit breaker</b>: asked before each attempt; each attempt's result is recorded
 *       after <b>classification</b>, so the caller's errors never count against the service and
 *       cancelled attempts are not recorded at all;
 *   <li><b>attempt</b>: the transport's {@code BoundMethod}, given an {@link AttemptContext}
 *       whose deadline is the earlier of the call's and the attempt timeout.
 * </ol>
 *
 * <p>The bulkhead sits outside retry so that it bounds outstanding calls, and the breaker inside
 * so that a breaker opening mid-call stops the retries. Every decision lives in {@link CallRules}.
 * A blocking call without hedging runs here, on the caller's thread, one attempt after another;
 * every other call (async, or hedged: two attempts at once) runs in the attempt engine
 * {@link AsyncCall}, and a blocking caller waits for it.
 */
final class CallPipeline {
  private static final Object[] NO_ARGS = new Object[0];

  private CallPipeline() {}

  static Object invoke(MethodPlan plan, Object[] args) throws Throwable {
    Object[] arguments = args == null ? NO_ARGS : args;
    if (plan.usesEngine) {
      AsyncCall call = new AsyncCall(plan, arguments).start();
      return plan.async ? call : call.await();
    }
    long start = plan.time.nanoTime();
    if (plan.guard.rejectsFast(start)) {
      // Kept in this small method, which inlines into the proxy: the throw can then be compiled
      // together with the caller's catch instead of unwinding frames. Needs no permit.
      CircuitOpenException rejection = CallRules.circuitOpen(plan);
      plan.metrics.record(Outcome.CIRCUIT_OPEN, plan.time.nanoTime() - start);
      if (plan.fallback == null) {
        throw rejection;
      }
      return fallback(plan, arguments, rejection, Outcome.CIRCUIT_OPEN);
    }
    return invokeBlocking(plan, arguments, start);
  }

  /** One blocking call: attempts one after another on the caller's thread. */
  private static Object invokeBlocking(MethodPlan plan, Object[] args, long start) throws Throwable {
    if (!CallRules.acquirePermit(plan)) {
      return failed(plan, args, CallRules.bulkheadFull(plan), start);
    }
    long callDeadline = CallRules.callDeadline(plan, start);
    Object result;
    long end;
    try {
      if (plan.budget != null) {
        plan.budget.onCall(start);
      }
      // A permit wait may have used up the deadline; without one, no time has passed since start.
      long attemptStart = plan.waitsForPermit ? plan.time.nanoTime() : start;
      AttemptContext attempt = null;
      for (int number = 1; ; number++) {
        // attemptStart is read after any permit wait or backoff; an inbound deadline may be spent already.
        if (callDeadline - attemptStart <= 0) {
          throw CallRules.timeout(plan, null);
        }
        if (!CallRules.permitAttempt(plan, attemptStart)) {
          throw CallRules.circuitOpen(plan);
        }
        attempt = CallRules.attempt(plan, attemptStart, callDeadline, number,
            number == 1 ? AttemptKind.FIRST : AttemptKind.RETRY, attempt, Map.of());
        try {
          result = plan.binding.invoke(args, attempt);
        } catch (Throwable t) {
          long failedAt = plan.time.nanoTime();
          Verdict verdict = CallRules.afterFailure(plan, t, failedAt - attemptStart, failedAt);
          if (verdict == Verdict.CALLER_ERROR) {
            throw t;
          }
          long delay = CallRules.retryDelay(plan, number, verdict, t, callDeadline);
          if (delay == CallRules.NO_RETRY) {
            throw t;
          }
          sleep(plan, delay, t);
          attemptStart = plan.time.nanoTime();
          continue;
        }
        end = plan.time.nanoTime();
        CallRules.afterSuccess(plan, end - attemptStart, end);
        break;
      }
    } catch (Throwable t) {
      CallRules.releasePermit(plan);
      return failed(plan, args, t, start);
    }
    CallRules.releasePermit(plan);
    plan.metrics.record(Outcome.SUCCESS, end - start);
    CallRules.succeeded(plan, args, result);
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
    Outcome outcome = CallRules.outcomeOf(plan, failure);
    plan.metrics.record(outcome, plan.time.nanoTime() - start);
    return fallback(plan, args, failure, outcome);
  }

  /** Applies the fallback to a blocking call's failure, or rethrows it. */
  private static Object fallback(MethodPlan plan, Object[] args, Throwable failure, Outcome outcome)
      throws Throwable {
    if (!CallRules.fallbackApplies(plan, outcome)) {
      throw failure;
    }
    Object answer = CallRules.fallbackAnswer(plan, args, failure);
    plan.metrics.fallbackServed();
    return answer;
  }
}
