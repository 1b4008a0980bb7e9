package dev.rpcproxy.internal;

import dev.rpcproxy.FailureClassifier.Verdict;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.AttemptKind;
import io.micrometer.observation.Observation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One call of a streaming method through the pipeline of {@link CallPipeline}, with the same
 * decisions ({@link CallRules}) and these streaming rules:
 *
 * <ol>
 *   <li><b>deadline</b>: the call's deadline covers the whole stream; with a stream idle timeout
 *       it covers only the wait for the first message, and then each next message (while the
 *       caller has asked for one) must arrive within the idle timeout. Either ends the stream with
 *       {@link RpcTimeoutException} and cancels the attempts;
 *   <li><b>bulkhead</b>: one permit, held until the remote stream ends (completed, failed, timed
 *       out, cancelled) and released exactly once. Hedges take no permit of their own, as in
 *       {@link AsyncCall}: the limit counts calls, and a hedge is sent only while it has room;
 *   <li><b>commit</b> (gRFC A6): the first message from any attempt commits the call to that
 *       attempt. The others are cancelled at once and not recorded by the breaker, and only the
 *       committed attempt's messages reach the caller. An attempt that completes without any
 *       message before the call is committed commits it too, as an empty stream: the service
 *       answered in full (an OK status), and for an idempotent method the other attempts would
 *       answer the same;
 *   <li><b>hedge</b> (idempotent methods with a hedge policy, before the commit only): when no
 *       attempt has sent a message after the hedge delay, counted from the later of the last
 *       attempt's start and the caller's first request (a caller that asks for nothing cannot get
 *       a message, however fast the service), the next attempt goes out, up to the policy's
 *       attempts; each draws on the retry budget, and none is sent while the limit has no room, the
 *       breaker is not closed or the deadline leaves less than the delay. The adaptive delay learns
 *       each committing attempt's time to its first message. A retryable failure sends the next
 *       hedge at once (or lets the other attempts go on); a caller's error or a non-retryable
 *       failure ends the call;
 *   <li><b>retry</b>: only before the commit, once no attempt is in flight;
 *   <li><b>circuit breaker</b>: asked before each attempt; records each attempt's result once, with
 *       the time to its first message (or to its end) as its duration, so long streams are not
 *       slow calls; a caller cancelling, or a hedge losing, is not recorded as a failure; the
 *       attempts the deadline cuts are timeouts;
 *   <li><b>fallback</b>: may answer a failure before the commit with a {@code Stream},
 *       {@code Flow.Publisher} or {@code Iterable} of messages; after it the failure goes to the
 *       caller;
 *   <li><b>metrics and observations</b>: one {@code rpc.client.calls} sample when the remote stream
 *       ends, {@code rpc.client.stream.messages} per message from the service; with an
 *       observation registry, one {@code rpc.client.call} observation from subscribe to the
 *       remote stream's end and one {@code rpc.client.attempt} per attempt, whose carrier headers
 *       go out with that attempt. Without a registry nothing is allocated for them.
 * </ol>
 *
 * <p>It is a one-subscriber {@link Flow.Publisher}: the call starts on {@link #subscribe}.
 *
 * <p><b>The lock rule.</b> The transport signals each attempt serially on its threads, timers fire
 * on the time source's thread and the caller requests and cancels on its own. Every state change
 * happens under this object's monitor, so the end is decided once. <em>Nothing outside rpc-proxy is
 * called while the monitor is held</em>: not the transport ({@code open}, a subscription's
 * {@code request} and {@code cancel}), not the subscriber, not the fallback or its cache, not an
 * observation handler. Under the monitor such a call is only queued, in order, on the
 * {@linkplain #outbox outbox}; whoever leaves the monitor runs the queue ({@link #flush}), one
 * thread at a time, so the subscriber's signals stay serialized and in order, and a transport that
 * calls back at once (on the same thread, from {@code open} or {@code request}) finds the monitor
 * free and its signal queued behind the one being run. Under the monitor rpc-proxy calls only its
 * own parts (breaker guard, limit, budget, hedge plan, meters) and the time source's
 * {@code schedule}, none of which calls back into a call. A lock held while calling the transport
 * is how grpc-java's hedging deadlocked; {@code StreamCallStressTest} interleaves hedges, cancels,
 * deadlines and requests from several threads to keep it so.
 */
final class StreamCall implements Flow.Publisher<Object>, Flow.Subscription, Runnable {
  /** A deadline so far ahead that it never passes: the stream's attempts when an idle timeout rules. */
  private static final long FAR_NANOS = Long.MAX_VALUE / 4;
  /** The most messages remembered for the fallback's {@code onSuccess} (a cached last complete list). */
  private static final int MAX_REMEMBERED = 1_000;

  private final MethodPlan plan;
  private final StreamPlan stream;
  private final Object[] args;
  // All guarded by this.
  private Flow.Subscriber<Object> downstream;
  /** The call's observation; {@code null} when the client has no observation registry. */
  private Observation observation;
  private long start;
  private long callDeadline;
  private long demand;
  private long lastActivity;
  /** When the caller first asked for a message, if {@link #asked}: hedge delays count from then. */
  private long askedAt;
  private boolean asked;
  private boolean committed;
  private boolean holdsPermit;
  private boolean remoteEnded;
  private boolean finished;
  private int attempts;
  /** The newest attempt; the earlier ones through {@link Attempt#previous}. */
  private Attempt lastAttempt;
  /** What feeds the caller: the committed attempt or the fallback's answer; {@code null} before. */
  private Source current;
  private Future<?> timer;
  private Future<?> retryTask;
  private Future<?> hedgeTask;
  private List<Object> remembered;
  private boolean tooLongToRemember;
  /**
   * Calls out of rpc-proxy decided under the monitor, in the order decided; run by {@link #flush}
   * after the monitor is released. See the lock rule above.
   */
  private final ConcurrentLinkedQueue<Runnable> outbox = new ConcurrentLinkedQueue<>();
  /** How many flushes were asked for while one runs: the outbox's single runner (wip counter). */
  private final AtomicInteger flushes = new AtomicInteger();
  /** The thread running the outbox, while it runs it; {@code null} between runs. */
  private volatile Thread drainer;
  /** While {@link #cancel} runs on the outbox's thread, where {@link #later} puts the calls. Guarded by this. */
  private List<Runnable> inline;
  /** The caller cancelled: signals queued for it before are dropped (Reactive Streams 3.12). */
  private volatile boolean callerCancelled;

  StreamCall(MethodPlan plan, Object[] args) {
    this.plan = plan;
    this.stream = plan.stream;
    this.args = args;
  }

  // ---- the caller's side -----------------------------------------------------------------

  @Override
  public void subscribe(Flow.Subscriber<? super Object> subscriber) {
    @SuppressWarnings("unchecked")
    Flow.Subscriber<Object> s = (Flow.Subscriber<Object>) subscriber;
    boolean first;
    synchronized (this) {
      first = downstream == null;
      if (first) {
        downstream = s;
        start = plan.time.nanoTime(); // the call's time counts from here, also if onSubscribe cancels
      }
    }
    if (first) {
      // Outside the monitor: it may request or cancel at once, which take the monitor themselves.
      s.onSubscribe(this);
      Observation call = plan.observations == null ? null : Observations.startCall(plan);
      synchronized (this) {
        observation = call;
        if (!finished) {
          begin();
        } else if (call != null) {
          later(() -> Observations.stopCall(call, Outcome.CANCELLED, null));
        }
      }
      flush();
      return;
    }
    s.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {}

      @Override
      public void cancel() {}
    });
    s.onError(new IllegalStateException(plan.client + "." + plan.methodName
        + ": this stream has a subscriber already; call the method again for another stream"));
  }

  @Override
  public void request(long n) {
    synchronized (this) {
      requestLocked(n);
    }
    flush();
  }

  private void requestLocked(long n) {
    if (finished) {
      return;
    }
    if (n <= 0) {
      cancelLocked();
      Flow.Subscriber<Object> s = downstream;
      later(() -> s.onError(new IllegalArgumentException("request(n) needs n > 0, was " + n)));
      return;
    }
    long now = plan.time.nanoTime();
    if (demand == 0) {
      lastActivity = now; // the caller paused: not the service's idle time
    }
    demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
    Source source = current;
    if (source != null) {
      if (source.subscription != null && !source.ended) {
        Flow.Subscription upstream = source.subscription;
        later(() -> upstream.request(n));
      }
      return;
    }
    // Before the commit every attempt in flight may send the first message.
    for (Attempt a = lastAttempt; a != null; a = a.previous) {
      if (a.subscription != null && !a.ended) {
        Flow.Subscription upstream = a.subscription;
        later(() -> upstream.request(n));
      }
    }
    if (!asked && begun()) {
      asked = true;
      askedAt = now;
      scheduleHedge(now); // the hedge delay counts from the first request
    }
  }

  /**
   * The caller closed the stream or cancelled its subscription: not a failure. When it returns,
   * the transport has been told to cancel every attempt (the remote work stops, as the caller
   * expects), unless it is called from a signal this call is delivering (then right after it).
   */
  @Override
  public void cancel() {
    if (drainer == Thread.currentThread()) {
      // From a signal this thread is delivering: nothing else runs the outbox now, so the
      // transport cancels run here, before the signal returns, ahead of what is queued.
      List<Runnable> now = new ArrayList<>();
      synchronized (this) {
        callerCancelled = true;
        inline = now;
        try {
          cancelLocked();
        } finally {
          inline = null;
        }
      }
      now.forEach(Runnable::run);
      return;
    }
    CountDownLatch done = new CountDownLatch(1);
    synchronized (this) {
      callerCancelled = true;
      cancelLocked();
      later(done::countDown); // behind the transport cancels cancelLocked queued
    }
    flush();
    awaitUninterruptibly(done); // if another thread is running the outbox, it runs them next
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void cancelLocked() {
    if (finished) {
      return;
    }
    finished = true;
    if (!remoteEnded) {
      endRemote(Outcome.CANCELLED, null, null);
    } else if (current != null) {
      current.cancel();
    }
  }

  // ---- the remote stream -----------------------------------------------------------------

  /** Whether the first attempt has been started (or the call rejected). */
  private boolean begun() {
    return lastAttempt != null || remoteEnded;
  }

  /** Starts the call: breaker known open, permit, first attempt, deadline timer. Under the monitor. */
  private void begin() {
    lastActivity = start;
    callDeadline = CallRules.callDeadline(plan, start);
    if (demand > 0) {
      asked = true; // asked in onSubscribe, before the call began
      askedAt = start;
    }
    if (plan.guard.rejectsFast()) {
      failRemote(CallRules.circuitOpen(plan), Outcome.CIRCUIT_OPEN);
      return;
    }
    if (!CallRules.rateLimitAllows(plan, start, callDeadline)) {
      failRemote(CallRules.rateLimited(plan), Outcome.RATE_LIMITED);
      return;
    }
    if (!CallRules.acquirePermit(plan, start, callDeadline)) {
      RuntimeException rejection = CallRules.noPermit(plan, callDeadline);
      failRemote(rejection, CallRules.outcomeOf(plan, rejection));
      return;
    }
    holdsPermit = true;
    if (plan.budget != null) {
      plan.budget.onCall(start);
    }
    arm(callDeadline - start);
    startAttempt(AttemptKind.FIRST);
  }

  /**
   * Starts an attempt of {@code kind}, unless the call is over, committed, out of time or refused
   * by the breaker: it is counted and listed here, and opened by {@link #open} after the monitor
   * is released. Under the monitor.
   */
  private void startAttempt(AttemptKind kind) {
    if (remoteEnded || committed) {
      return;
    }
    long now = plan.time.nanoTime();
    if (callDeadline - now <= 0) {
      timeOut(CallRules.timeout(plan, null));
      return;
    }
    if (!CallRules.permitAttempt(plan, now)) {
      if (kind == AttemptKind.HEDGE && inFlight()) {
        return; // the attempts in flight go on
      }
      failRemote(CallRules.circuitOpen(plan), Outcome.CIRCUIT_OPEN);
      return;
    }
    attempts++;
    // With an idle timeout, the transport's deadline must not cut a stream that keeps talking.
    long attemptDeadline = stream.idleTimeoutNanos > 0 ? InboundDeadlines.cap(plan.time, now + FAR_NANOS)
        : callDeadline;
    Attempt attempt = new Attempt(kind, attempts, now, attemptDeadline, lastAttempt);
    lastAttempt = attempt;
    later(() -> open(attempt));
    if (plan.hedge != null) {
      scheduleHedge(now);
    }
  }

  /**
   * Opens an attempt on the transport, from the outbox: its observation starts (the carrier's
   * headers go out with it) and the transport is called, both outside the monitor. An attempt the
   * call gave up on meanwhile is not opened.
   */
  private void open(Attempt attempt) {
    Observation observed = observation == null ? null
        : Observations.startAttempt(plan, observation, attempt.kind, attempt.number);
    Map<String, String> headers = observed == null ? Map.of() : Observations.headers(observed);
    AttemptContext previous = attempt.previous == null ? null : attempt.previous.context;
    AttemptContext context = CallRules.attempt(plan, attempt.startNanos, attempt.deadlineNanos, attempt.number,
        attempt.kind, previous, headers);
    boolean wanted;
    synchronized (this) {
      attempt.context = context;
      wanted = !attempt.settled;
      if (wanted) {
        attempt.observation = observed;
      }
    }
    if (!wanted) {
      if (observed != null) {
        Observations.stopAttempt(observed, context, new CancellationException("the call ended"));
      }
      return;
    }
    try {
      stream.binding.open(args, context, attempt);
    } catch (Throwable t) {
      attempt.onError(t);
    }
  }

  /** Whether an attempt is still running (has not ended, failed or been cancelled). Under the monitor. */
  private boolean inFlight() {
    for (Attempt a = lastAttempt; a != null; a = a.previous) {
      if (!a.ended) {
        return true;
      }
    }
    return false;
  }

  /**
   * Arms the timer of the next hedge if the plan has one, the call is not committed, an attempt is
   * in flight, the caller has asked for a message, attempts are left and the deadline leaves
   * room for the delay. Under the monitor.
   */
  private void scheduleHedge(long now) {
    if (plan.hedge == null || remoteEnded || committed || !asked || attempts >= plan.hedge.maxAttempts
        || !inFlight()) {
      return;
    }
    long delay = CallRules.hedgeDelay(plan, now, callDeadline);
    if (delay == CallRules.NO_HEDGE) {
      return;
    }
    cancelTimer(hedgeTask);
    hedgeTask = plan.time.schedule(this::hedgeNow, delay);
  }

  /** The hedge timer fired: no attempt has sent a message; send a hedge if the rules allow it. */
  private void hedgeNow() {
    synchronized (this) {
      if (!remoteEnded && !committed && CallRules.mayHedge(plan, attempts)) {
        startAttempt(AttemptKind.HEDGE);
      }
    }
    flush();
  }

  /** A retry's backoff passed. */
  private void retryNow() {
    synchronized (this) {
      startAttempt(AttemptKind.RETRY);
    }
    flush();
  }

  /** The deadline or idle timer fired. */
  @Override
  public void run() {
    synchronized (this) {
      timerFired();
    }
    flush();
  }

  private void timerFired() {
    if (remoteEnded) {
      return;
    }
    long now = plan.time.nanoTime();
    if (!committed || stream.idleTimeoutNanos == 0) {
      if (callDeadline - now <= 0) {
        timeOut(CallRules.timeout(plan, null));
      } else {
        arm(callDeadline - now);
      }
      return;
    }
    if (demand == 0) {
      lastActivity = now; // nothing asked for: the caller is pausing, the service is not idle
    }
    long left = lastActivity + stream.idleTimeoutNanos - now;
    if (left <= 0) {
      timeOut(new RpcTimeoutException(plan.client, plan.methodName, Duration.ofNanos(stream.idleTimeoutNanos), null));
    } else {
      arm(left);
    }
  }

  private void arm(long delayNanos) {
    timer = plan.time.schedule(this, delayNanos);
  }

  /** The deadline passed: every attempt still running failed with a timeout. Under the monitor. */
  private void timeOut(RpcTimeoutException timeout) {
    long now = plan.time.nanoTime();
    for (Attempt a = lastAttempt; a != null; a = a.previous) {
      if (!a.settled) {
        a.settled = true;
        CallRules.afterFailure(plan, timeout, a.took(now), now);
        a.stopObserving(timeout);
      }
    }
    failRemote(timeout, Outcome.TIMEOUT);
  }

  /**
   * The first message, or the end of an attempt without any, came from {@code winner}: the call
   * is committed to it, and every other attempt is cancelled at once, not recorded by the
   * breaker. Under the monitor.
   */
  private void commit(Attempt winner, long now) {
    committed = true;
    current = winner;
    cancelTimer(hedgeTask);
    long from = asked && askedAt - winner.startNanos > 0 ? askedAt : winner.startNanos;
    CallRules.firstMessage(plan, now - from, now);
    for (Attempt a = lastAttempt; a != null; a = a.previous) {
      if (a != winner) {
        cancelAttempt(a, "another attempt answered first");
      }
    }
  }

  /** Cancels one attempt the call no longer needs; its breaker permission is released unrecorded. */
  private void cancelAttempt(Attempt attempt, String why) {
    if (!attempt.settled) {
      attempt.settled = true;
      CallRules.afterCancel(plan);
    }
    attempt.stopObserving(new CancellationException(why));
    if (!attempt.ended) {
      attempt.cancel();
    }
  }

  /** An attempt failed (its breaker permission is settled): hedge, retry, or end the call. Under the monitor. */
  private void attemptFailed(Throwable failure, Verdict verdict) {
    if (committed || verdict == Verdict.CALLER_ERROR) {
      failRemote(failure, verdict == Verdict.CALLER_ERROR ? Outcome.CLIENT_ERROR : CallRules.outcomeOf(plan, failure));
      return;
    }
    if (verdict != Verdict.RETRYABLE_FAILURE) {
      failRemote(failure, CallRules.outcomeOf(plan, failure)); // ends the hedges in flight too
      return;
    }
    if (plan.hedge != null && CallRules.mayHedge(plan, attempts)) {
      startAttempt(AttemptKind.HEDGE); // gRFC A6: a retryable failure sends the next hedge at once
      return;
    }
    if (inFlight()) {
      return; // a hedge in flight may still answer
    }
    long delay = CallRules.retryDelay(plan, attempts, verdict, failure, callDeadline);
    if (delay == CallRules.NO_RETRY) {
      failRemote(failure, CallRules.outcomeOf(plan, failure));
    } else if (delay == 0) {
      startAttempt(AttemptKind.RETRY);
    } else {
      retryTask = plan.time.schedule(this::retryNow, delay);
    }
  }

  /**
   * The remote stream ends, exactly once: timers stop, the attempts still running are cancelled
   * (all but {@code succeeded}) before the permit goes back, and the outcome is recorded and,
   * with {@code failure} when it failed, observed. Under the monitor.
   */
  private boolean endRemote(Outcome outcome, Attempt succeeded, Throwable failure) {
    if (remoteEnded) {
      return false;
    }
    remoteEnded = true;
    cancelTimer(timer);
    cancelTimer(retryTask);
    cancelTimer(hedgeTask);
    long now = plan.time.nanoTime();
    for (Attempt a = lastAttempt; a != null; a = a.previous) {
      if (a != succeeded) {
        cancelAttempt(a, "the call ended"); // the caller stopped it: not the service's failure
      }
    }
    if (holdsPermit) {
      CallRules.releaseStreamPermit(plan, outcome);
    }
    plan.metrics.record(outcome, now - start);
    Observation call = observation;
    if (call != null) {
      later(() -> Observations.stopCall(call, outcome, failure));
    }
    return true;
  }

  /** The remote stream failed: a fallback answers when it may, else the caller gets the failure. */
  private void failRemote(Throwable failure, Outcome outcome) {
    if (!endRemote(outcome, null, failure)) {
      return;
    }
    if (committed || !CallRules.fallbackApplies(plan, outcome)) {
      terminate(failure);
      return;
    }
    later(() -> serveFallback(failure));
  }

  /** Asks the fallback for an answer and streams it to the caller; from the outbox. */
  private void serveFallback(Throwable failure) {
    synchronized (this) {
      if (finished) {
        return; // the caller cancelled meanwhile: nobody would get the answer
      }
    }
    Flow.Publisher<?> answer;
    try {
      answer = asPublisher(CallRules.fallbackAnswer(plan, args, failure));
    } catch (Throwable noAnswer) {
      synchronized (this) {
        terminate(noAnswer);
      }
      return; // the outbox being run delivers it
    }
    FallbackSource source;
    synchronized (this) {
      if (finished) {
        return;
      }
      plan.metrics.fallbackServed();
      source = new FallbackSource();
      current = source;
    }
    answer.subscribe(source);
  }

  private Flow.Publisher<?> asPublisher(Object answer) {
    if (answer instanceof Flow.Publisher<?> publisher) {
      return publisher;
    }
    if (answer instanceof Stream<?> values) {
      return new IteratorPublisher(values.iterator(), values::close);
    }
    if (answer instanceof Iterable<?> values) {
      return new IteratorPublisher(values.iterator(), () -> {});
    }
    if (answer == null) {
      return new IteratorPublisher(List.of().iterator(), () -> {});
    }
    throw new IllegalStateException(plan.client + "." + plan.methodName + ": the fallback answered a "
        + answer.getClass().getName() + "; a streaming method's fallback answers a Stream, Flow.Publisher or Iterable");
  }

  /** Ends the caller's side once: {@code failure == null} completes it. Under the monitor. */
  private void terminate(Throwable failure) {
    if (finished) {
      return;
    }
    finished = true;
    Flow.Subscriber<Object> s = downstream;
    if (failure == null) {
      later(() -> {
        if (!callerCancelled) {
          s.onComplete();
        }
      });
    } else {
      later(() -> {
        if (!callerCancelled) {
          s.onError(failure);
        }
      });
    }
  }

  /** Passes one message to the caller, in order. Under the monitor. */
  private void deliver(Object message) {
    demand--;
    Flow.Subscriber<Object> s = downstream;
    later(() -> {
      if (!callerCancelled) {
        s.onNext(message);
      }
    });
  }

  // ---- the outbox ------------------------------------------------------------------------

  /** Queues a call out of rpc-proxy, to run once the monitor is released. Under the monitor. */
  private void later(Runnable call) {
    if (inline != null) {
      inline.add(call);
    } else {
      outbox.add(call);
    }
  }

  /**
   * Runs the outbox, never under the monitor: one thread at a time, in the order queued. A thread
   * that finds another running it leaves its calls to that thread. A call that throws (a transport
   * or subscriber breaking its contract) cancels the call and the rest still run.
   */
  private void flush() {
    if (flushes.getAndIncrement() != 0) {
      return;
    }
    Thread me = Thread.currentThread();
    int missed = 1;
    do {
      drainer = me;
      for (Runnable call = outbox.poll(); call != null; call = outbox.poll()) {
        try {
          call.run();
        } catch (RuntimeException | Error broken) {
          synchronized (this) {
            cancelLocked();
          }
        }
      }
      drainer = null; // before the count may reach zero and another thread take over
      missed = flushes.addAndGet(-missed);
    } while (missed != 0);
  }

  private static void cancelTimer(Future<?> task) {
    if (task != null) {
      task.cancel(false);
    }
  }

  // ---- what feeds the caller -------------------------------------------------------------

  /** An attempt or the fallback's answer. Fields guarded by the call. */
  private abstract class Source implements Flow.Subscriber<Object> {
    Flow.Subscription subscription;
    boolean ended;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      long ask;
      boolean refused;
      synchronized (StreamCall.this) {
        refused = subscription != null || !live();
        if (!refused) {
          subscription = s;
        }
        ask = demand;
      }
      if (refused) {
        s.cancel();
      } else if (ask > 0) {
        s.request(ask);
      }
      flush();
    }

    /** Cancels this source's subscription, once, after the monitor is released. Under the monitor. */
    void cancel() {
      ended = true;
      Flow.Subscription s = subscription;
      if (s != null) {
        later(s::cancel);
      }
    }

    /** Whether this source's signals still matter to the caller. */
    abstract boolean live();
  }

  /** One attempt of the remote stream; several may run at once before the commit (hedges). */
  private final class Attempt extends Source {
    final AttemptKind kind;
    final int number;
    final long startNanos;
    final long deadlineNanos;
    final Attempt previous;
    /** Set by {@link StreamCall#open}, which the outbox runs in order: a previous attempt's is set first. */
    AttemptContext context;
    /** Its {@code rpc.client.attempt} observation until stopped; {@code null} when not observed. */
    Observation observation;
    long firstMessageNanos;
    /** Whether this attempt's breaker permission has been settled. */
    boolean settled;

    Attempt(AttemptKind kind, int number, long startNanos, long deadlineNanos, Attempt previous) {
      this.kind = kind;
      this.number = number;
      this.startNanos = startNanos;
      this.deadlineNanos = deadlineNanos;
      this.previous = previous;
    }

    long took(long now) {
      return (firstMessageNanos != 0 ? firstMessageNanos : now) - startNanos;
    }

    /** Before the commit, any attempt still running; after it, only the committed one. */
    @Override
    boolean live() {
      return !ended && !remoteEnded && !finished && (current == null || current == this);
    }

    /** Stops its observation, after the monitor is released. Under the monitor. */
    void stopObserving(Throwable failure) {
      Observation o = observation;
      if (o != null) {
        observation = null;
        AttemptContext c = context;
        later(() -> Observations.stopAttempt(o, c, failure));
      }
    }

    @Override
    public void onNext(Object message) {
      try {
        synchronized (StreamCall.this) {
          if (!live()) {
            return;
          }
          long now = plan.time.nanoTime();
          lastActivity = now;
          if (!committed) {
            firstMessageNanos = now == startNanos ? now + 1 : now;
            commit(this, now);
            if (stream.idleTimeoutNanos > 0) {
              cancelTimer(timer);
              arm(stream.idleTimeoutNanos);
            }
          }
          if (plan.fallback != null) {
            remember(message);
          }
          plan.metrics.streamMessage();
          deliver(message);
        }
      } finally {
        flush();
      }
    }

    @Override
    public void onError(Throwable failure) {
      try {
        synchronized (StreamCall.this) {
          ended = true;
          if (settled) {
            return; // cancelled by the call, or cut by its deadline
          }
          settled = true;
          long now = plan.time.nanoTime();
          Verdict verdict = CallRules.afterFailure(plan, failure, took(now), now);
          stopObserving(failure);
          if (!remoteEnded) {
            attemptFailed(failure, verdict);
          }
        }
      } finally {
        flush();
      }
    }

    @Override
    public void onComplete() {
      try {
        synchronized (StreamCall.this) {
          ended = true;
          if (settled) {
            return;
          }
          settled = true;
          long now = plan.time.nanoTime();
          if (!committed) {
            commit(this, now); // no message before the end: an empty stream is a complete answer
          }
          CallRules.afterStreamSuccess(plan, took(now), now);
          stopObserving(null);
          if (endRemote(Outcome.SUCCESS, this, null)) {
            if (!tooLongToRemember) {
              List<Object> messages = remembered == null ? List.of() : List.copyOf(remembered);
              later(() -> CallRules.succeeded(plan, args, messages));
            }
            terminate(null);
          }
        }
      } finally {
        flush();
      }
    }
  }

  /** Keeps the messages of a stream for the fallback's {@code onSuccess}, up to a bound. */
  private void remember(Object message) {
    if (tooLongToRemember) {
      return;
    }
    if (remembered == null) {
      remembered = new ArrayList<>();
    }
    if (remembered.size() < MAX_REMEMBERED) {
      remembered.add(message);
    } else {
      remembered = null;
      tooLongToRemember = true; // the fallback learns nothing from this stream
    }
  }

  /** The fallback's answer, streamed to the caller as the service's would have been. */
  private final class FallbackSource extends Source {
    @Override
    boolean live() {
      return current == this && !ended && !finished;
    }

    @Override
    public void onNext(Object message) {
      try {
        synchronized (StreamCall.this) {
          if (live()) {
            deliver(message);
          }
        }
      } finally {
        flush();
      }
    }

    @Override
    public void onError(Throwable failure) {
      try {
        synchronized (StreamCall.this) {
          if (live()) {
            ended = true;
            terminate(failure);
          }
        }
      } finally {
        flush();
      }
    }

    @Override
    public void onComplete() {
      try {
        synchronized (StreamCall.this) {
          if (live()) {
            ended = true;
            terminate(null);
          }
        }
      } finally {
        flush();
      }
    }
  }

  /** Streams an iterator's values on demand, on the requesting thread (a fallback's answer). */
  private static final class IteratorPublisher implements Flow.Publisher<Object>, Flow.Subscription {
    private final Iterator<?> values;
    private final Runnable onEnd;
    private Flow.Subscriber<Object> subscriber;
    private long requested;
    private boolean emitting;
    private boolean done;

    IteratorPublisher(Iterator<?> values, Runnable onEnd) {
      this.values = values;
      this.onEnd = onEnd;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void subscribe(Flow.Subscriber<? super Object> s) {
      subscriber = (Flow.Subscriber<Object>) s;
      s.onSubscribe(this);
      drain(); // an empty answer completes without a request
    }

    @Override
    public synchronized void request(long n) {
      requested = requested + n < 0 ? Long.MAX_VALUE : requested + n;
      drain();
    }

    @Override
    public synchronized void cancel() {
      if (!done) {
        done = true;
        onEnd.run();
      }
    }

    /** Emits while there is demand; re-entrant calls from onNext only add demand (no recursion). */
    private synchronized void drain() {
      if (emitting) {
        return;
      }
      emitting = true;
      try {
        while (!done) {
          if (!values.hasNext()) {
            done = true;
            onEnd.run();
            subscriber.onComplete();
            return;
          }
          if (requested == 0) {
            return;
          }
          requested--;
          subscriber.onNext(values.next());
        }
      } catch (RuntimeException e) {
        done = true;
        onEnd.run();
        subscriber.onError(e);
      } finally {
        emitting = false;
      }
    }
  }
}
