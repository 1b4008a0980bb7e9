package dev.rpcproxy.internal;

import dev.rpcproxy.RpcTransportException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A streaming call read as a blocking {@link Stream}: messages are pulled on the caller's thread,
 * asked for in small batches (so the service is held back by gRPC flow control while the caller
 * is slow), and closing the stream cancels the call. The call's failure is thrown by the stream
 * operation that reaches it.
 *
 * <p>Concurrency: the {@link Flow.Subscriber} side is signalled serially by {@link StreamCall};
 * the {@link Iterator} side is the caller's thread only. They meet in the queue.
 */
final class BlockingMessages implements Flow.Subscriber<Object>, Iterator<Object> {
  /** Messages asked for at once; more are asked for when half of them have been read. */
  private static final int BATCH = 32;
  private static final Object COMPLETE = new Object();

  private final String client;
  private final String method;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private volatile Flow.Subscription subscription;
  // The caller's thread only.
  private Object next;
  private boolean done;
  private int readSinceRequest;

  BlockingMessages(String client, String method) {
    this.client = client;
    this.method = method;
  }

  /** The caller's stream: ordered, non-null messages; {@code close()} cancels the call. */
  Stream<Object> stream() {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(this::close);
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    s.request(BATCH);
  }

  @Override
  public void onNext(Object message) {
    queue.add(message);
  }

  @Override
  public void onError(Throwable failure) {
    queue.add(new Failure(failure));
  }

  @Override
  public void onComplete() {
    queue.add(COMPLETE);
  }

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    if (done) {
      return false;
    }
    Object item;
    try {
      item = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      done = true;
      subscription.cancel();
      throw RpcTransportException.interrupted(client, method, "the next message of a stream, which was cancelled", e);
    }
    if (item == COMPLETE) {
      done = true;
      return false;
    }
    if (item instanceof Failure failure) {
      done = true;
      throw Failure.<RuntimeException>sneaky(failure.error);
    }
    next = item;
    if (++readSinceRequest == BATCH / 2) {
      readSinceRequest = 0;
      subscription.request(BATCH / 2);
    }
    return true;
  }

  @Override
  public Object next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Object value = next;
    next = null;
    return value;
  }

  /** Cancels the call unless it has ended; idempotent. */
  private void close() {
    done = true;
    subscription.cancel();
  }

  /** The call's failure, queued behind the messages that came before it. */
  private record Failure(Throwable error) {
    @SuppressWarnings("unchecked")
    static <T extends Throwable> T sneaky(Throwable t) throws T {
      throw (T) t;
    }
  }
}
