package dev.rpcproxy.testing;

import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import dev.rpcproxy.spi.StreamingMethod;
import dev.rpcproxy.spi.Transport;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;

/**
 * A transport whose methods all stream (return {@code Stream} or {@code Flow.Publisher}): every
 * attempt opened is recorded as a {@link StreamAttempt} that says nothing until the test drives it
 * ({@link StreamAttempt#send}, {@link StreamAttempt#complete}, {@link StreamAttempt#fail}), on the
 * test's thread. Methods are idempotent unless {@link #idempotent} is set to false.
 *
 * <pre>{@code
 * ScriptedStreams transport = new ScriptedStreams();
 * Api api = RpcProxy.builder(Api.class).transport(transport).timeSource(time).build();
 * api.watch().subscribe(subscriber);
 * transport.attempt(0).send("a", "b").complete();
 * }</pre>
 */
public final class ScriptedStreams implements Transport {
  private final List<StreamAttempt> attempts = new CopyOnWriteArrayList<>();
  private volatile boolean idempotent = true;

  /** Whether bound methods say they are idempotent. Default true. */
  public ScriptedStreams idempotent(boolean idempotent) {
    this.idempotent = idempotent;
    return this;
  }

  /** Every attempt opened, in order. */
  public List<StreamAttempt> attempts() {
    return attempts;
  }

  /** The attempt opened {@code index}-th, from 0. */
  public StreamAttempt attempt(int index) {
    return attempts.get(index);
  }

  /** @throws IllegalArgumentException for a method that does not stream */
  @Override
  public BoundMethod bind(MethodContext method) {
    if (!method.streaming()) {
      throw new IllegalArgumentException("ScriptedStreams serves streaming methods only");
    }
    return new StreamingMethod() {
      @Override
      public void open(Object[] args, AttemptContext attempt, Flow.Subscriber<Object> messages) {
        StreamAttempt opened = new StreamAttempt(attempt, messages);
        attempts.add(opened);
        messages.onSubscribe(opened);
      }

      @Override
      public boolean isIdempotent() {
        return idempotent;
      }
    };
  }

  /** One attempt: what the pipeline asked of it, and the signals the test sends through it. */
  public static final class StreamAttempt implements Flow.Subscription {
    private final AttemptContext context;
    private final Flow.Subscriber<Object> messages;
    private long requested;
    private long sent;
    private volatile boolean cancelled;

    StreamAttempt(AttemptContext context, Flow.Subscriber<Object> messages) {
      this.context = context;
      this.messages = messages;
    }

    /** The attempt's context: kind, number, deadline, headers. */
    public AttemptContext context() {
      return context;
    }

    /** Messages asked for so far. */
    public synchronized long requested() {
      return requested;
    }

    /** Whether the pipeline cancelled this attempt. */
    public boolean isCancelled() {
      return cancelled;
    }

    /**
     * Sends messages, as a transport would even after a cancel it has not seen yet.
     *
     * @throws IllegalStateException if more were sent than requested (flow control)
     */
    public StreamAttempt send(Object... values) {
      for (Object value : values) {
        synchronized (this) {
          if (sent == requested) {
            throw new IllegalStateException("message " + (sent + 1) + " sent, only " + requested + " requested");
          }
          sent++;
        }
        messages.onNext(value);
      }
      return this;
    }

    /** Ends the stream well. */
    public void complete() {
      messages.onComplete();
    }

    /** Ends the stream with {@code failure}. */
    public void fail(RuntimeException failure) {
      messages.onError(failure);
    }

    @Override
    public synchronized void request(long n) {
      requested = requested + n < 0 ? Long.MAX_VALUE : requested + n;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }
}
