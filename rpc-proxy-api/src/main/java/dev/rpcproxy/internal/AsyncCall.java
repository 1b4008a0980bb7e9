package dev.rpcproxy.internal;

import dev.rpcproxy.FailedCall;
import dev.rpcproxy.FailureClassifier.Verdict;
import dev.rpcproxy.spi.Deadline;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * One non-blocking call through the pipeline of {@link CallPipeline}, and the future the caller
 * holds. The caller's thread only starts the first attempt; later steps run on whichever thread
 * completes an attempt or fires a timer.
 *
 * <p>Invariants: the call ends exactly once ({@link #state} moves RUNNING to DONE by CAS, from
 * success, failure, deadline or {@link #cancel}); whoever ends it releases the concurrency permit,
 * cancels the timers and records the outcome. Every attempt's breaker permission is settled
 * exactly once, in {@link #accept}, which each attempt future calls once; an attempt that ends
 * after the call did (cancelled at the deadline, or racing it) is settled by {@link #settleLate}.
 */
final class AsyncCall extends CompletableFuture<Object> implements BiConsumer<Object, Throwable>, Runnable {
  private static final int RUNNING = 0;
  private static final int DONE = 1;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(AsyncCall.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final MethodPlan plan;
  private final Object[] args;
  private final long start;
  private final Deadline deadline;
  private volatile int state;
  private volatile Outcome outcome;
  private volatile CompletableFuture<?> current;
  private volatile Future<?> deadlineTask;
  private volatile Future<?> retryTask;
  private boolean holdsPermit;
  private long permitAt;
  // Written before an attempt starts and read when it completes: ordered by the attempt future.
  private int attempt;
  private long attemptStart;

  AsyncCall(MethodPlan plan, Object[] args) {
    this.plan = plan;
    this.args = args;
    this.start = plan.time.nanoTime();
    this.deadline = Deadline.of(plan.time, start, plan.timeoutNanos);
  }

  AsyncCall start() {
    if (plan.guard.rejectsFast(start)) {
      fail(CallPipeline.circuitOpen(plan), Outcome.CIRCUIT_OPEN);
      return this;
    }
    if (plan.rateLimiter != null && !plan.rateLimiter.tryAcquire(
        Math.min(plan.rateLimiter.maxWaitNanos(), deadline.remainingNanos()))) {
      fail(CallPipeline.rateLimited(plan), Outcome.RATE_LIMITED);
      return this;
    }
    if (!plan.limiter.tryAcquire()) {
      fail(CallPipeline.bulkheadFull(plan), Outcome.BULKHEAD_FULL);
      return this;
    }
    holdsPermit = true;
    permitAt = plan.waitsForPermit ? plan.time.nanoTime() : start;
    if (plan.retry != null) {
      plan.retry.onCall(start);
    }
    nextAttempt();
    // Most attempts that complete at once need no deadline timer: arm it only if still running.
    if (state == RUNNING) {
      Future<?> task = plan.time.schedule(this, deadline.remainingNanos());
      deadlineTask = task;
      if (state != RUNNING) {
        task.cancel(false); // ended meanwhile; end() may have missed this task
      }
    }
    return this;
  }

  /** The deadline timer. */
  @Override
  public void run() {
    fail(CallPipeline.timeout(plan, null), Outcome.TIMEOUT);
  }

  private void nextAttempt() {
    if (state != RUNNING) {
      return;
    }
    if (deadline.isExpired()) {
      fail(CallPipeline.timeout(plan, null), Outcome.TIMEOUT);
      return;
    }
    // The first attempt starts when the call does (only a permit check lies between).
    long now = attempt == 0 ? start : plan.time.nanoTime();
    if (!plan.guard.tryAcquire(now)) {
      fail(CallPipeline.circuitOpen(plan), Outcome.CIRCUIT_OPEN);
      return;
    }
    attempt++;
    attemptStart = now;
    CompletableFuture<?> future = CallPipeline.startAttempt(plan, args, deadline);
    current = future;
    if (state != RUNNING) {
      future.cancel(true); // the call ended while this attempt was starting
    }
    future.whenComplete(this);
  }

  /** An attempt completed. */
  @Override
  public void accept(Object value, Throwable error) {
    long now = plan.time.nanoTime();
    long took = now - attemptStart;
    Throwable failure = unwrap(error);
    if (state != RUNNING) {
      settleLate(failure, took);
      plan.guard.check(now);
      return;
    }
    if (failure == null) {
      plan.breaker.onSuccess(took, TimeUnit.NANOSECONDS);
      plan.guard.check(now);
      succeed(value);
      return;
    }
    Verdict verdict = plan.classifier.classify(failure);
    if (verdict == Verdict.CALLER_ERROR) {
      plan.breaker.releasePermission();
      fail(failure, Outcome.CLIENT_ERROR);
      return;
    }
    plan.breaker.onError(took, TimeUnit.NANOSECONDS, failure);
    plan.guard.check(now);
    long delay = plan.retry == null
        ? RetryPlan.NO_RETRY
        : plan.retry.delayNanos(attempt, verdict, failure, deadline);
    if (delay == RetryPlan.NO_RETRY) {
      fail(failure, CallPipeline.outcomeOf(plan, failure));
    } else if (delay == 0) {
      nextAttempt();
    } else {
      retryTask = plan.time.schedule(this::nextAttempt, delay);
    }
  }

  private void settleLate(Throwable failure, long took) {
    if (failure == null) {
      plan.breaker.onSuccess(took, TimeUnit.NANOSECONDS);
    } else if (failure instanceof CancellationException) {
      if (outcome == Outcome.TIMEOUT) {
        plan.breaker.onError(took, TimeUnit.NANOSECONDS, CallPipeline.timeout(plan, failure));
      } else {
        plan.breaker.releasePermission();
      }
    } else if (plan.classifier.classify(failure) == Verdict.CALLER_ERROR) {
      plan.breaker.releasePermission();
    } else {
      plan.breaker.onError(took, TimeUnit.NANOSECONDS, failure);
    }
  }

  private boolean end(Outcome how) {
    if (!STATE.compareAndSet(this, RUNNING, DONE)) {
      return false;
    }
    outcome = how;
    Future<?> task = deadlineTask;
    if (task != null) {
      task.cancel(false);
    }
    task = retryTask;
    if (task != null) {
      task.cancel(false);
    }
    if (how == Outcome.TIMEOUT || how == Outcome.CANCELLED) {
      // Stop the remote work before the permit goes to another call, so that the bulkhead keeps
      // bounding what the service sees. settleLate records the attempt on the breaker.
      CompletableFuture<?> attemptInFlight = current;
      if (attemptInFlight != null) {
        attemptInFlight.cancel(true);
      }
    }
    long now = plan.time.nanoTime();
    if (holdsPermit) {
      plan.limiter.release(now - permitAt, CallPipeline.signalOf(how));
    }
    plan.metrics.record(how, now - start);
    return true;
  }

  private void succeed(Object value) {
    if (end(Outcome.SUCCESS)) {
      if (plan.fallback != null) {
        plan.fallback.onSuccess(plan.client, plan.method, args, value);
      }
      complete(value);
    }
  }

  private void fail(Throwable failure, Outcome how) {
    if (!end(how)) {
      return;
    }
    if (plan.fallback == null || how == Outcome.CLIENT_ERROR) {
      completeExceptionally(failure);
      return;
    }
    Object answer;
    try {
      answer = plan.fallback.apply(new FailedCall(plan.client, plan.method, args, failure));
    } catch (Throwable noAnswer) {
      completeExceptionally(noAnswer);
      return;
    }
    if (answer instanceof CompletionStage<?> stage) {
      stage.whenComplete((value, error) -> {
        if (error == null) {
          if (complete(value)) {
            plan.metrics.fallbackServed();
          }
        } else {
          completeExceptionally(unwrap(error));
        }
      });
    } else if (complete(answer)) {
      plan.metrics.fallbackServed(); // not when the caller cancelled meanwhile: nobody got it
    }
  }

  /** Cancelling the caller's future cancels the attempt in flight and releases the permit. */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      end(Outcome.CANCELLED);
    }
    return cancelled;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }
}
