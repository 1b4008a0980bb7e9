package dev.rpcproxy.internal.faults;

import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.StreamingMethod;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;

/** {@link FaultingMethod} for a streaming method: the faults come before the stream is opened. */
final class FaultingStreamingMethod extends FaultingMethod implements StreamingMethod {
  FaultingStreamingMethod(StreamingMethod delegate, FaultPlan faults, String client, String method) {
    super(delegate, faults, client, method);
  }

  @Override
  public Object invoke(Object[] args, AttemptContext attempt) {
    return StreamingMethod.super.invoke(args, attempt);
  }

  @Override
  public java.util.concurrent.CompletableFuture<?> invokeAsync(Object[] args, AttemptContext attempt) {
    return StreamingMethod.super.invokeAsync(args, attempt);
  }

  @Override
  public void open(Object[] args, AttemptContext attempt, Flow.Subscriber<Object> messages) {
    int drawn = faults.next();
    StreamingMethod streaming = (StreamingMethod) delegate;
    if ((drawn & FaultPlan.DELAY) == 0) {
      if ((drawn & FaultPlan.ABORT) != 0) {
        fail(messages, faults.abort());
      } else {
        streaming.open(args, attempt, messages);
      }
      return;
    }
    long left = attempt.remainingNanos();
    Waiting waiting = new Waiting();
    messages.onSubscribe(waiting);
    waiting.timer = attempt.timeSource().schedule(() -> {
      if (waiting.cancelled) {
        return;
      }
      if (faults.delayNanos() >= left) {
        messages.onError(attempt.timeoutException(client, method, null));
      } else if ((drawn & FaultPlan.ABORT) != 0) {
        messages.onError(faults.abort());
      } else {
        waiting.open(streaming, args, attempt, messages);
      }
    }, Math.min(faults.delayNanos(), Math.max(0, left)));
  }

  private static void fail(Flow.Subscriber<Object> messages, Throwable failure) {
    messages.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {}

      @Override
      public void cancel() {}
    });
    messages.onError(failure);
  }

  /**
   * The subscription while an attempt waits out its delay: requests are kept for the stream opened
   * after it, and a cancel stops the wait (or the stream).
   */
  private static final class Waiting implements Flow.Subscription {
    volatile Future<?> timer;
    volatile boolean cancelled;
    private long requested;
    private Flow.Subscription opened;

    void open(StreamingMethod streaming, Object[] args, AttemptContext attempt, Flow.Subscriber<Object> messages) {
      streaming.open(args, attempt, new Flow.Subscriber<>() {
        @Override
        public void onSubscribe(Flow.Subscription subscription) {
          long pending;
          synchronized (Waiting.this) {
            opened = subscription;
            pending = requested;
          }
          if (cancelled) {
            subscription.cancel();
          } else if (pending > 0) {
            subscription.request(pending);
          }
        }

        @Override
        public void onNext(Object item) {
          messages.onNext(item);
        }

        @Override
        public void onError(Throwable throwable) {
          messages.onError(throwable);
        }

        @Override
        public void onComplete() {
          messages.onComplete();
        }
      });
    }

    @Override
    public void request(long n) {
      Flow.Subscription target;
      synchronized (this) {
        target = opened;
        if (target == null) {
          requested = requested + n < 0 ? Long.MAX_VALUE : requested + n;
          return;
        }
      }
      target.request(n);
    }

    @Override
    public void cancel() {
      cancelled = true;
      Future<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
      Flow.Subscription target;
      synchronized (this) {
        target = opened;
      }
      if (target != null) {
        target.cancel();
      }
    }
  }
}
