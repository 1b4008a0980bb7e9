package dev.rpcproxy.internal;

import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.RpcException;
import dev.rpcproxy.FailureClassifier.Verdict;
import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.AttemptKind;
import io.micrometer.observation.Observation;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The policy pipeline, in the order a call meets it:
 *
 * <ol>
 *   <li><b>metrics</b> and <b>observation</b>: one {@code rpc.client.calls} sample per call, tagged
 *       with its outcome, and one {@code rpc.client.call} Observation when a registry is set;
 *   <li><b>fallback</b>: answers the call's failure, unless the caller was at fault;
 *   <li><b>deadline</b>: fixed when the call starts (capped by an inbound deadline, see
 *       {@code dev.rpcproxy.Deadlines}); covers permit wait, every attempt and backoff;
 *   <li><b>rate limit</b> and <b>bulkhead</b> (the concurrency limit, fixed or adaptive): one
 *       permit each per call (not per attempt); the limit's permit is released when the call ends,
 *       telling an adaptive limit how it ended; a breaker known to be open rejects first;
 *   <li><b>retry</b> and <b>hedge</b>: more attempts of idempotent methods, on the retry budget,
 *       never past the deadline;
 *   <li><b>circuit breaker</b>: asked before each attempt; each attempt's result is recorded
 *       after <b>classification</b>, so the caller's errors never count against the service and
 *       cancelled attempts are not recorded at all;
 *   <li><b>attempt</b>: the transport's {@code BoundMethod}, given an {@link AttemptContext}
 *       whose deadline is the earlier of the call's and the attempt timeout.
 * </ol>
 *
 * <p>The bulkhead (the concurrency limit's permit) sits outside retry so that it bounds
 * outstanding calls, and the breaker inside so that a breaker opening mid-call stops the retries.
 * Every decision lives in {@link CallRules}. The method's {@code CallAdapter} chose the call's shape
 * at {@code build()}:
 *
 * <ul>
 *   <li>a blocking call without hedging runs here, on the caller's thread, one attempt after
 *       another, observed or not (an observation only watches: its call and attempt observations
 *       start and stop here, and each attempt's starts with its call's scope open, so that inside a
 *       caller's span it is still the call's child);
 *   <li>an async call, or a hedged one (two attempts at once), runs in the attempt engine
 *       {@link AsyncCall}; a hedged blocking caller waits for it;
 *   <li>a streaming call runs in {@link StreamCall}, with the same rules and the streaming ones.
 * </ul>
 *
 * <p>The engines' lock rule is written at the top of {@link StreamCall} and {@link AsyncCall}; see
 * also docs/architecture.md. The speed of this class is watched by the {@code CallOverhead} and
 * {@code Rejections} benchmarks (benchmarks/RESULTS.md), not by its shape.
 */
final class CallPipeline {
  private static final Object[] NO_ARGS = new Object[0];

  private CallPipeline() {}

  /**
   * Makes one call of a planned method. A blocking call rejected at once without a fallback is
   * returned as a {@link Rejected}, for {@link ProxyHandler#invoke} to throw: the handler stays
   * small enough for the JIT to inline into the proxy class and its caller, so the throw compiles
   * into a jump to the caller's catch instead of a compiled frame's unwinding (see
   * benchmarks/RESULTS.md). An unobserved blocking call's rejections are written out here; an
   * observed one's go through {@link #admitted}, which observes them.
   */
  static Object invoke(MethodPlan plan, Object[] args) throws Throwable {
    Object[] arguments = args == null ? NO_ARGS : args;
    if (plan.stream != null) {
      return plan.adapter == null ? new StreamCall(plan, arguments)
          : plan.adapter.adaptStream(() -> new StreamCall(plan, arguments));
    }
    if (plan.usesEngine) {
      if (!plan.async) {
        return new AsyncCall(plan, arguments, plan.time.nanoTime()).start().await(); // hedged, blocking
      }
      return plan.adapter == null ? async(plan, arguments) : plan.adapter.adaptAsync(() -> async(plan, arguments));
    }
    // A call rejected before it took anything is recorded as taking no time, and reads no clock:
    // the start time is read once the call has its permit.
    if (plan.observations == null) {
      if (plan.guard.rejectsFast()) {
        plan.metrics.record(Outcome.CIRCUIT_OPEN, 0);
        if (plan.fallback == null) {
          return plan.circuitOpenRejected;
        }
        return fallback(plan, arguments, plan.circuitOpen, Outcome.CIRCUIT_OPEN);
      }
      if (plan.admitsAtOnce) {
        if (!CallRules.acquirePermit(plan)) {
          plan.metrics.record(Outcome.BULKHEAD_FULL, 0);
          if (plan.fallback == null) {
            Rejected fixed = plan.bulkheadFullRejected;
            return fixed != null ? fixed : new Rejected(CallRules.bulkheadFull(plan));
          }
          return fallback(plan, arguments, CallRules.bulkheadFull(plan), Outcome.BULKHEAD_FULL);
        }
        long start = plan.time.nanoTime();
        return attempts(plan, arguments, start, CallRules.callDeadline(plan, start), start, null);
      }
    }
    return admitted(plan, arguments);
  }

  /** Starts one async call in the attempt engine; one rejected at once is a failed future. */
  private static CompletableFuture<Object> async(MethodPlan plan, Object[] arguments) {
    if (plan.asyncFailsFast) {
      if (plan.guard.rejectsFast()) {
        plan.metrics.record(Outcome.CIRCUIT_OPEN, 0);
        return CompletableFuture.failedFuture(plan.circuitOpen);
      }
      if (plan.admitsAtOnce) {
        if (!CallRules.acquirePermit(plan)) {
          plan.metrics.record(Outcome.BULKHEAD_FULL, 0);
          return CompletableFuture.failedFuture(CallRules.bulkheadFull(plan));
        }
        return new AsyncCall(plan, arguments, plan.time.nanoTime()).admitted();
      }
    }
    return new AsyncCall(plan, arguments, plan.time.nanoTime()).start();
  }

  /**
   * A blocking call that may wait for its rate limit or its permit, or that is observed: the
   * observation only watches, and the attempts still run on the caller's thread.
   */
  private static Object admitted(MethodPlan plan, Object[] arguments) throws Throwable {
    long start = plan.time.nanoTime();
    Observation call = plan.observations == null ? null : Observations.startCall(plan);
    long callDeadline = CallRules.callDeadline(plan, start);
    if (call != null && plan.guard.rejectsFast()) {
      return failed(plan, arguments, plan.circuitOpen, start, call);
    }
    if (!CallRules.rateLimitAllows(plan, start, callDeadline)) {
      return failed(plan, arguments, CallRules.rateLimited(plan), start, call);
    }
    if (!CallRules.acquirePermit(plan, start, callDeadline)) {
      return failed(plan, arguments, CallRules.noPermit(plan, callDeadline), start, call);
    }
    // A permit wait may have used up the deadline; without one, no time has passed since start.
    long permitAt = plan.waitsForPermit ? plan.time.nanoTime() : start;
    return attempts(plan, arguments, start, callDeadline, permitAt, call);
  }

  /** One blocking call holding its permit: attempts one after another on the caller's thread. */
  private static Object attempts(MethodPlan plan, Object[] args, long start, long callDeadline, long permitAt,
      Observation call) throws Throwable {
    Object result;
    long end;
    try {
      if (plan.budget != null) {
        plan.budget.onCall(start);
      }
      long attemptStart = permitAt;
      AttemptContext attempt = null;
      for (int number = 1; ; number++) {
        // attemptStart is read after any permit wait or backoff; an inbound deadline may be spent already.
        if (callDeadline - attemptStart <= 0) {
          throw CallRules.timeout(plan, null);
        }
        if (!CallRules.permitAttempt(plan, attemptStart)) {
          throw CallRules.circuitOpen(plan);
        }
        AttemptKind kind = number == 1 ? AttemptKind.FIRST : AttemptKind.RETRY;
        Observation observed = call == null ? null : Observations.startAttempt(plan, call, kind, number);
        attempt = CallRules.attempt(plan, attemptStart, callDeadline, number, kind, attempt,
            observed == null ? Map.of() : Observations.headers(observed));
        try {
          result = plan.binding.invoke(args, attempt);
        } catch (Throwable t) {
          if (observed != null) {
            Observations.stopAttempt(observed, attempt, t);
          }
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
        if (observed != null) {
          Observations.stopAttempt(observed, attempt, null);
        }
        end = plan.timesSuccess ? plan.time.nanoTime() : attemptStart;
        CallRules.afterSuccess(plan, end - attemptStart, end);
        break;
      }
    } catch (Throwable t) {
      Outcome outcome = CallRules.outcomeOf(plan, t);
      long failedAt = plan.time.nanoTime();
      CallRules.releasePermit(plan, failedAt - permitAt, outcome);
      plan.metrics.record(outcome, failedAt - start);
      if (call != null) {
        Observations.stopCall(call, outcome, t);
      }
      return fallback(plan, args, t, outcome);
    }
    CallRules.releasePermit(plan, end - permitAt, Outcome.SUCCESS);
    plan.metrics.record(Outcome.SUCCESS, end - start);
    if (call != null) {
      Observations.stopCall(call, Outcome.SUCCESS, null);
    }
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
  private static Object failed(MethodPlan plan, Object[] args, Throwable failure, long start, Observation call)
      throws Throwable {
    Outcome outcome = CallRules.outcomeOf(plan, failure);
    plan.metrics.record(outcome, plan.time.nanoTime() - start);
    if (call != null) {
      Observations.stopCall(call, outcome, failure);
    }
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
