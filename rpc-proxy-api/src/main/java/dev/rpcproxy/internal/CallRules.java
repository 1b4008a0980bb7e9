package dev.rpcproxy.internal;

import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.FailedCall;
import dev.rpcproxy.FailureClassifier.Verdict;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RateLimitedException;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.internal.limit.CallLimiter.Signal;
import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.AttemptKind;
import java.util.Map;

/**
 * Every decision of the pipeline, written once: what a call needs before it starts, what an
 * attempt's result means for the breaker and the retry, and how a call's end is counted. The
 * blocking path ({@link CallPipeline}), the attempt engine ({@link AsyncCall}) and streams
 * ({@link StreamCall}) all call these; only the waiting differs between them.
 */
final class CallRules {
  /** What {@link #retryDelay} returns when the failed attempt is not retried. */
  static final long NO_RETRY = RetryPlan.NO_RETRY;

  private CallRules() {}

  // ---- before the call -------------------------------------------------------------------

  /** The call's deadline on the plan's time source: its timeout from {@code start}, capped by an inbound deadline. */
  static long callDeadline(MethodPlan plan, long start) {
    return InboundDeadlines.cap(plan.time, start + plan.timeoutNanos);
  }

  /**
   * Takes a permit of the rate limit, if one is set, waiting at most its {@code maxWait} and never
   * past the call's deadline; {@code false} when the call must be rejected.
   */
  static boolean rateLimitAllows(MethodPlan plan, long start, long callDeadline) {
    return plan.rateLimiter == null
        || plan.rateLimiter.tryAcquire(Math.min(plan.rateLimiter.maxWaitNanos(), callDeadline - start));
  }

  /** Takes the call's permit of the concurrency limit (bulkhead) without waiting; {@code false} when it is full. */
  static boolean acquirePermit(MethodPlan plan) {
    return plan.limiter.tryAcquire();
  }

  /**
   * Takes the call's permit, waiting (if the limit lets callers wait) no longer than the call's
   * deadline allows; {@code false} when none came in time.
   */
  static boolean acquirePermit(MethodPlan plan, long now, long callDeadline) {
    return plan.limiter.tryAcquire(Math.min(plan.limiter.maxWaitNanos(), callDeadline - now));
  }

  /** Why a call got no permit: its deadline passed while it waited, or the limit was full. */
  static RuntimeException noPermit(MethodPlan plan, long callDeadline) {
    if (plan.waitsForPermit && plan.time.nanoTime() - callDeadline >= 0) {
      return timeout(plan, null);
    }
    return bulkheadFull(plan);
  }

  /**
   * Returns the call's permit, exactly once, when the call has really ended, telling an adaptive
   * limit how long the call held it and how it ended.
   */
  static void releasePermit(MethodPlan plan, long heldNanos, Outcome outcome) {
    plan.limiter.release(heldNanos, signalOf(outcome));
  }

  /**
   * Returns a stream's permit: a stream's length says nothing of the service's latency, so an
   * adaptive limit learns only that it timed out or failed.
   */
  static void releaseStreamPermit(MethodPlan plan, Outcome outcome) {
    Signal signal = signalOf(outcome);
    plan.limiter.release(0, signal == Signal.SUCCESS ? Signal.IGNORED : signal);
  }

  /** What a call's end tells its concurrency limit: timeouts and the service's failures lower it. */
  static Signal signalOf(Outcome outcome) {
    return switch (outcome) {
      case SUCCESS -> Signal.SUCCESS;
      case TIMEOUT, FAILURE -> Signal.DROPPED;
      default -> Signal.IGNORED;
    };
  }

  /** {@code true} if the concurrency limit has room for one more request now (a hedge). */
  static boolean hasRoom(MethodPlan plan) {
    return plan.limiter.inFlight() < plan.limiter.limit();
  }

  // ---- hedges ----------------------------------------------------------------------------

  /** What {@link #hedgeDelay} returns when the deadline leaves no room for a hedge. */
  static final long NO_HEDGE = -1;

  /**
   * The wait before the next hedge of a call whose deadline is {@code callDeadline}, or
   * {@link #NO_HEDGE} when the deadline leaves less than the delay. {@code plan.hedge} is set.
   */
  static long hedgeDelay(MethodPlan plan, long now, long callDeadline) {
    long delay = plan.hedge.delayNanos(now);
    return callDeadline - now <= delay ? NO_HEDGE : delay;
  }

  /**
   * Whether a call that has started {@code started} attempts may send a hedge now: attempts left,
   * the breaker closed, room in the concurrency limit, and one hedge taken from the budget (taken
   * last, so that only a hedge really sent spends it). {@code plan.hedge} is set.
   */
  static boolean mayHedge(MethodPlan plan, int started) {
    return started < plan.hedge.maxAttempts && plan.guard.isClosed() && hasRoom(plan) && plan.hedge.tryHedge();
  }

  // ---- each attempt ----------------------------------------------------------------------

  /** The context of attempt {@code number}, started at {@code now}. */
  static AttemptContext attempt(MethodPlan plan, long now, long callDeadline, int number, AttemptKind kind,
      AttemptContext previous, Map<String, String> headers) {
    long deadline = callDeadline;
    if (plan.attemptTimeoutNanos > 0 && now + plan.attemptTimeoutNanos - callDeadline < 0) {
      deadline = now + plan.attemptTimeoutNanos;
    }
    plan.metrics.attemptSent(kind);
    return new AttemptContext(plan.time, deadline, plan.timeout, number, kind, previous, headers);
  }

  /** Asks the breaker for one attempt. */
  static boolean permitAttempt(MethodPlan plan, long now) {
    return plan.guard.tryAcquire(now);
  }

  /** An attempt succeeded after {@code took} nanoseconds: the breaker records it. */
  static void afterSuccess(MethodPlan plan, long took, long now) {
    plan.guard.onSuccess(took, now);
    if (plan.hedge != null) {
      plan.hedge.recordLatency(took, now);
    }
  }

  /**
   * An attempt failed: classifies the failure and records it on the breaker (the caller's errors
   * only release the breaker's permission).
   */
  static Verdict afterFailure(MethodPlan plan, Throwable failure, long took, long now) {
    Verdict verdict = plan.classifier.classify(failure);
    if (verdict == Verdict.CALLER_ERROR) {
      plan.guard.release();
    } else {
      plan.guard.onError(took, failure, now);
    }
    return verdict;
  }

  /**
   * A stream's attempt ended well after {@code took} nanoseconds (to its first message, or to its
   * end if it had none): the breaker records it. Unlike {@link #afterSuccess}, no latency goes to
   * the hedge delay: a stream's was recorded by {@link #firstMessage} when it committed.
   */
  static void afterStreamSuccess(MethodPlan plan, long took, long now) {
    plan.guard.onSuccess(took, now);
  }

  /**
   * A stream's attempt committed the call (its first message, or its end without any) after
   * {@code waited} nanoseconds: the adaptive hedge delay learns it. A stream's whole length is
   * not a latency.
   */
  static void firstMessage(MethodPlan plan, long waited, long now) {
    if (plan.hedge != null) {
      plan.hedge.recordLatency(waited, now);
    }
  }

  /** An attempt was cancelled because another answered or the caller gave up: not recorded. */
  static void afterCancel(MethodPlan plan) {
    plan.guard.release();
  }

  /** The wait before retrying after attempt {@code number} failed, or {@link #NO_RETRY}. */
  static long retryDelay(MethodPlan plan, int number, Verdict verdict, Throwable failure, long callDeadline) {
    if (plan.retry == null) {
      return NO_RETRY;
    }
    return plan.retry.delayNanos(number, verdict, failure, callDeadline - plan.time.nanoTime());
  }

  // ---- the end of the call ---------------------------------------------------------------

  /** How a failed call is counted. */
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

  /** Whether a fallback may answer a call that ended this way. */
  static boolean fallbackApplies(MethodPlan plan, Outcome outcome) {
    return plan.fallback != null && outcome != Outcome.CLIENT_ERROR;
  }

  /** The fallback's answer (a value, or for async methods possibly a {@code CompletionStage}). */
  static Object fallbackAnswer(MethodPlan plan, Object[] args, Throwable failure) throws Throwable {
    return plan.fallback.apply(new FailedCall(plan.client, plan.method, args, failure));
  }

  /** A success of the whole call: the fallback's cache learns the answer. */
  static void succeeded(MethodPlan plan, Object[] args, Object value) {
    if (plan.fallback != null) {
      plan.fallback.onSuccess(plan.client, plan.method, args, value);
    }
  }

  // ---- the pipeline's own exceptions -----------------------------------------------------

  static BulkheadFullException bulkheadFull(MethodPlan plan) {
    BulkheadFullException fixed = plan.bulkheadFull;
    return fixed != null ? fixed : new BulkheadFullException(plan.client, plan.methodName, plan.limiter.limit());
  }

  static RateLimitedException rateLimited(MethodPlan plan) {
    Policy.RateLimit settings = plan.rateLimiter.settings();
    return new RateLimitedException(plan.client, plan.methodName, settings.permits(), settings.period());
  }

  static CircuitOpenException circuitOpen(MethodPlan plan) {
    return plan.circuitOpen;
  }

  static RpcTimeoutException timeout(MethodPlan plan, Throwable cause) {
    return new RpcTimeoutException(plan.client, plan.methodName, plan.timeout, cause);
  }

  static RpcTransportException nullFuture(MethodPlan plan) {
    return RpcTransportException.permanent(plan.client, plan.methodName, "the transport returned no future", null);
  }
}
