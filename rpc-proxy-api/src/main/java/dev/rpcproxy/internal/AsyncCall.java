package dev.rpcproxy.internal;

import dev.rpcproxy.FailureClassifier.Verdict;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.AttemptKind;
import io.micrometer.observation.Observation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

/**
 * The attempt engine: one call through the pipeline of {@link CallPipeline} with its attempts as
 * objects, possibly several at once (hedges), and the future the caller holds. Async methods
 * return it; hedged blocking methods wait for it ({@link #await}). The caller's thread starts the
 * first attempt; later steps run on whichever thread completes an attempt or fires a timer.
 *
 * <p>One place decides which result the caller gets: {@link #attemptEnded}. The first success
 * wins; a caller's error or a non-retryable failure ends the call; a retryable failure lets the
 * other attempts go on (gRFC A6), sends the next hedge at once if one is left, or else retries
 * after the backoff when none is in flight.
 *
 * <p>Invariants: the call ends exactly once ({@link #state} moves RUNNING to DONE by CAS, from
 * success, failure, deadline or {@link #cancel}); whoever ends it cancels every attempt still in
 * flight before it releases the permit (so the bulkhead keeps bounding what the service sees),
 * cancels the timers and records the outcome. Every attempt's breaker permission is settled
 * exactly once, when its future completes.
 *
 * <p>The lock rule (the same as {@link StreamCall}'s): the attempt list and counters are guarded by
 * this object's monitor, and nothing outside rpc-proxy (the transport, an observation handler, the
 * fallback, the caller's callbacks on this future) is called while it is held; the end is decided
 * by a compare-and-set on {@link #state}, not under the monitor.
 */
final class AsyncCall extends CompletableFuture<Object> implements Runnable {
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
  private final long callDeadline;
  private final Observation observation;
  private volatile int state;
  private volatile Outcome outcome;
  private volatile Future<?> deadlineTask;
  private volatile Future<?> retryTask;
  private volatile Future<?> hedgeTask;
  private boolean holdsPermit;
  private long permitAt;
  // Guarded by this.
  private Attempt first;
  private Attempt last;
  private int started;
  private int inFlight;

  AsyncCall(MethodPlan plan, Object[] args, long start) {
    this.plan = plan;
    this.args = args;
    this.start = start;
    this.callDeadline = CallRules.callDeadline(plan, start);
    this.observation = plan.observations == null ? null : Observations.startCall(plan);
  }

  AsyncCall start() {
    if (plan.guard.rejectsFast()) {
      fail(CallRules.circuitOpen(plan), Outcome.CIRCUIT_OPEN);
      return this;
    }
    if (!CallRules.rateLimitAllows(plan, start, callDeadline)) {
      fail(CallRules.rateLimited(plan), Outcome.RATE_LIMITED);
      return this;
    }
    if (!CallRules.acquirePermit(plan, start, callDeadline)) {
      RuntimeException rejection = CallRules.noPermit(plan, callDeadline);
      fail(rejection, CallRules.outcomeOf(plan, rejection));
      return this;
    }
    return admitted();
  }

  /** Starts the call that holds its permit already. */
  AsyncCall admitted() {
    holdsPermit = true;
    permitAt = plan.waitsForPermit ? plan.time.nanoTime() : start;
    if (plan.budget != null) {
      plan.budget.onCall(start);
    }
    startAttempt(AttemptKind.FIRST, permitAt);
    // Most attempts that complete at once need no deadline timer: arm it only if still running.
    if (state == RUNNING) {
      Future<?> task = plan.time.schedule(this, callDeadline - plan.time.nanoTime());
      deadlineTask = task;
      if (state != RUNNING) {
        task.cancel(false); // ended meanwhile; end() may have missed this task
      }
    }
    return this;
  }

  /** Waits for the call on the caller's thread (hedged blocking methods). */
  Object await() throws Throwable {
    try {
      return get();
    } catch (ExecutionException e) {
      throw e.getCause();
    } catch (InterruptedException e) {
      cancel(true);
      Thread.currentThread().interrupt();
      throw RpcTransportException.permanent(plan.client, plan.methodName, "interrupted while waiting for the call", e);
    }
  }

  /** The deadline timer. */
  @Override
  public void run() {
    fail(CallRules.timeout(plan, null), Outcome.TIMEOUT);
  }

  // ---- attempts --------------------------------------------------------------------------

  /** Starts one attempt of {@code kind}, unless the call ended or the breaker refuses. */
  private boolean startAttempt(AttemptKind kind, long now) {
    if (state != RUNNING) {
      return false;
    }
    if (callDeadline - now <= 0) {
      fail(CallRules.timeout(plan, null), Outcome.TIMEOUT);
      return false;
    }
    if (!CallRules.permitAttempt(plan, now)) {
      if (kind == AttemptKind.HEDGE) {
        return false; // the attempts in flight go on
      }
      fail(CallRules.circuitOpen(plan), Outcome.CIRCUIT_OPEN);
      return false;
    }
    int number;
    AttemptContext previous;
    synchronized (this) {
      if (state != RUNNING) {
        CallRules.afterCancel(plan);
        return false;
      }
      number = ++started;
      inFlight++;
      previous = last == null ? null : last.context;
    }
    // Outside the monitor: an observation handler is not rpc-proxy's code (the lock rule).
    Observation attemptObservation = observation == null ? null
        : Observations.startAttempt(plan, observation, kind, number);
    Map<String, String> headers = attemptObservation == null ? Map.of() : Observations.headers(attemptObservation);
    Attempt attempt = new Attempt(CallRules.attempt(plan, now, callDeadline, number, kind, previous, headers),
        now, attemptObservation);
    synchronized (this) {
      if (last == null) {
        first = attempt;
      } else {
        last.next = attempt;
      }
      last = attempt;
    }
    CompletableFuture<?> future = startTransport(attempt.context);
    attempt.future = future;
    if (state != RUNNING) {
      attempt.cancelledByCall = true;
      future.cancel(true); // the call ended while this attempt was starting
    }
    future.whenComplete(attempt);
    scheduleHedge(now);
    return true;
  }

  private CompletableFuture<?> startTransport(AttemptContext context) {
    try {
      CompletableFuture<?> future = plan.binding.invokeAsync(args, context);
      return future != null ? future : CompletableFuture.failedFuture(CallRules.nullFuture(plan));
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(t);
    }
  }

  /** Arms the timer of the next hedge, if the plan allows one and the deadline leaves room for it. */
  private void scheduleHedge(long now) {
    HedgePlan hedge = plan.hedge;
    if (hedge == null || state != RUNNING) {
      return;
    }
    synchronized (this) {
      if (started >= hedge.maxAttempts || inFlight == 0) {
        return;
      }
    }
    long delay = CallRules.hedgeDelay(plan, now, callDeadline);
    if (delay == CallRules.NO_HEDGE) {
      return; // no hedge when the deadline leaves less than the delay
    }
    Future<?> previous = hedgeTask;
    if (previous != null) {
      previous.cancel(false);
    }
    Future<?> task = plan.time.schedule(this::hedgeNow, delay);
    hedgeTask = task;
    if (state != RUNNING) {
      task.cancel(false);
    }
  }

  /** The hedge timer fired: send a hedge if the call still waits and the rules allow it. */
  private void hedgeNow() {
    if (state == RUNNING && mayHedge()) {
      startAttempt(AttemptKind.HEDGE, plan.time.nanoTime());
    }
  }

  /** No hedge while the breaker is not closed, the limit has no room, or the budget is spent. */
  private boolean mayHedge() {
    int attempts;
    synchronized (this) {
      attempts = started;
    }
    return CallRules.mayHedge(plan, attempts);
  }

  /** One attempt's future completed: the one place that decides what the caller gets. */
  private void attemptEnded(Attempt attempt, Object value, Throwable error) {
    long now = plan.time.nanoTime();
    long took = now - attempt.startNanos;
    Throwable failure = unwrap(error);
    boolean othersInFlight;
    synchronized (this) {
      inFlight--;
      othersInFlight = inFlight > 0;
    }
    if (attempt.observation != null) {
      Observations.stopAttempt(attempt.observation, attempt.context, failure);
    }
    if (state != RUNNING || attempt.cancelledByCall) {
      settleLate(attempt, failure, took, now);
      return;
    }
    if (failure == null) {
      CallRules.afterSuccess(plan, took, now);
      succeed(value, attempt);
      return;
    }
    Verdict verdict = CallRules.afterFailure(plan, failure, took, now);
    if (verdict != Verdict.RETRYABLE_FAILURE) {
      fail(failure, verdict == Verdict.CALLER_ERROR ? Outcome.CLIENT_ERROR : CallRules.outcomeOf(plan, failure));
      return;
    }
    if (plan.hedge != null && mayHedge() && startAttempt(AttemptKind.HEDGE, now)) {
      return; // gRFC A6: a non-fatal failure sends the next hedge at once
    }
    if (othersInFlight) {
      return; // a hedge in flight may still answer
    }
    int attempts;
    synchronized (this) {
      attempts = started;
    }
    long delay = CallRules.retryDelay(plan, attempts, verdict, failure, callDeadline);
    if (delay == CallRules.NO_RETRY) {
      fail(failure, CallRules.outcomeOf(plan, failure));
    } else if (delay == 0) {
      startAttempt(AttemptKind.RETRY, now);
    } else {
      Future<?> task = plan.time.schedule(() -> startAttempt(AttemptKind.RETRY, plan.time.nanoTime()), delay);
      retryTask = task;
      if (state != RUNNING) {
        task.cancel(false);
      }
    }
  }

  /**
   * An attempt that ended after the call did, or that the call cancelled: a loser cancelled
   * because another answered is not recorded; one cut by the call's deadline counts as a timeout.
   */
  private void settleLate(Attempt attempt, Throwable failure, long took, long now) {
    if (failure == null) {
      CallRules.afterSuccess(plan, took, now);
    } else if (failure instanceof CancellationException) {
      if (outcome == Outcome.TIMEOUT) {
        CallRules.afterFailure(plan, CallRules.timeout(plan, failure), took, now);
      } else {
        CallRules.afterCancel(plan);
      }
    } else {
      CallRules.afterFailure(plan, failure, took, now);
    }
  }

  // ---- the end of the call ---------------------------------------------------------------

  private boolean end(Outcome how, Attempt winner) {
    if (!STATE.compareAndSet(this, RUNNING, DONE)) {
      return false;
    }
    outcome = how;
    cancelTimer(deadlineTask);
    cancelTimer(retryTask);
    cancelTimer(hedgeTask);
    // Stop the remote work before the permit goes to another call, so that the bulkhead keeps
    // bounding what the service sees. attemptEnded settles each cancelled attempt's breaker permit.
    Attempt attempt;
    synchronized (this) {
      attempt = first;
    }
    for (; attempt != null; attempt = attempt.next) {
      CompletableFuture<?> future = attempt.future;
      if (attempt != winner && future != null && !future.isDone()) {
        attempt.cancelledByCall = true;
        future.cancel(true);
      }
    }
    long now = plan.time.nanoTime();
    if (holdsPermit) {
      CallRules.releasePermit(plan, now - permitAt, how);
    }
    plan.metrics.record(how, now - start);
    return true;
  }

  private static void cancelTimer(Future<?> task) {
    if (task != null) {
      task.cancel(false);
    }
  }

  private void succeed(Object value, Attempt winner) {
    if (end(Outcome.SUCCESS, winner)) {
      if (observation != null) {
        Observations.stopCall(observation, Outcome.SUCCESS, null);
      }
      CallRules.succeeded(plan, args, value);
      complete(value);
    }
  }

  private void fail(Throwable failure, Outcome how) {
    if (!end(how, null)) {
      return;
    }
    if (observation != null) {
      Observations.stopCall(observation, how, failure);
    }
    if (!CallRules.fallbackApplies(plan, how)) {
      completeExceptionally(failure);
      return;
    }
    Object answer;
    try {
      answer = CallRules.fallbackAnswer(plan, args, failure);
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

  /** Cancelling the caller's future cancels the attempts in flight and releases the permit. */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled && end(Outcome.CANCELLED, null) && observation != null) {
      Observations.stopCall(observation, Outcome.CANCELLED, null);
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

  /** One attempt: its context, when it started, its future, and whether the call cancelled it. */
  private final class Attempt implements BiConsumer<Object, Throwable> {
    final AttemptContext context;
    final long startNanos;
    final Observation observation;
    volatile CompletableFuture<?> future;
    volatile boolean cancelledByCall;
    volatile Attempt next; // written under the call's monitor

    Attempt(AttemptContext context, long startNanos, Observation observation) {
      this.context = context;
      this.startNanos = startNanos;
      this.observation = observation;
    }

    @Override
    public void accept(Object value, Throwable error) {
      attemptEnded(this, value, error);
    }
  }
}
