package dev.rpcproxy.internal.faults;

import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.BoundMethod;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * A transport's method with faults in front of it: each attempt first draws its faults from the
 * {@link FaultPlan}, waits out a delay (never past the attempt's deadline: an attempt whose delay
 * outlasts it ends as a timeout, unsent), and fails unsent when aborted. Every engine (blocking,
 * async, hedged, streaming) sends its attempts through here, so this is the one place faults are
 * injected; the transport, and so its endpoint health, sees only the attempts that are sent.
 */
public class FaultingMethod implements BoundMethod {
  final BoundMethod delegate;
  final FaultPlan faults;
  final String client;
  final String method;

  FaultingMethod(BoundMethod delegate, FaultPlan faults, String client, String method) {
    this.delegate = delegate;
    this.faults = faults;
    this.client = client;
    this.method = method;
  }

  /** {@code delegate} behind the faults of {@code plan}, or {@code delegate} itself when {@code plan} is null. */
  public static BoundMethod wrap(BoundMethod delegate, FaultPlan plan, String client, String method) {
    if (plan == null) {
      return delegate;
    }
    if (delegate instanceof dev.rpcproxy.spi.StreamingMethod streaming) {
      return new FaultingStreamingMethod(streaming, plan, client, method);
    }
    return new FaultingMethod(delegate, plan, client, method);
  }

  @Override
  public Object invoke(Object[] args, AttemptContext attempt) throws Throwable {
    int drawn = faults.next();
    if ((drawn & FaultPlan.DELAY) != 0) {
      long left = attempt.remainingNanos();
      attempt.timeSource().sleep(Math.min(faults.delayNanos(), Math.max(0, left)));
      if (faults.delayNanos() >= left) {
        throw attempt.timeoutException(client, method, null);
      }
    }
    if ((drawn & FaultPlan.ABORT) != 0) {
      throw faults.abort();
    }
    return delegate.invoke(args, attempt);
  }

  @Override
  public CompletableFuture<?> invokeAsync(Object[] args, AttemptContext attempt) {
    int drawn = faults.next();
    if ((drawn & FaultPlan.DELAY) == 0) {
      return (drawn & FaultPlan.ABORT) != 0 ? CompletableFuture.failedFuture(faults.abort())
          : delegate.invokeAsync(args, attempt);
    }
    long left = attempt.remainingNanos();
    Delayed result = new Delayed();
    result.timer = attempt.timeSource().schedule(() -> {
      if (result.isDone()) {
        return; // cancelled while it waited
      }
      if (faults.delayNanos() >= left) {
        result.completeExceptionally(attempt.timeoutException(client, method, null));
      } else if ((drawn & FaultPlan.ABORT) != 0) {
        result.completeExceptionally(faults.abort());
      } else {
        result.follow(delegate.invokeAsync(args, attempt));
      }
    }, Math.min(faults.delayNanos(), Math.max(0, left)));
    return result;
  }

  @Override
  public boolean isIdempotent() {
    return delegate.isIdempotent();
  }

  /** A delayed attempt: cancelling it stops the wait, or the attempt sent after it. */
  private static final class Delayed extends CompletableFuture<Object> {
    volatile Future<?> timer;
    private volatile CompletableFuture<?> sent;

    void follow(CompletableFuture<?> attempt) {
      sent = attempt;
      attempt.whenComplete((value, failure) -> {
        if (failure != null) {
          completeExceptionally(failure);
        } else {
          complete(value);
        }
      });
      if (isCancelled()) {
        attempt.cancel(true);
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      Future<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
      CompletableFuture<?> s = sent;
      if (s != null) {
        s.cancel(mayInterruptIfRunning);
      }
      return cancelled;
    }
  }
}
