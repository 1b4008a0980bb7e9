package dev.rpcproxy.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * A {@link BoundMethod} whose RPC answers with a stream of messages (a gRPC server-streaming RPC).
 * The pipeline calls {@link #open} once per attempt and never {@link #invoke} or
 * {@link #invokeAsync}. A transport binds a method this way when its return type is
 * {@code java.util.stream.Stream<M>} or {@code Flow.Publisher<M>} ({@link MethodContext#streaming()});
 * {@link MethodContext#valueType()} is then the message type {@code M}.
 *
 * <pre>{@code
 * public void open(Object[] args, AttemptContext attempt, Flow.Subscriber<Object> messages) {
 *   ClientCall<Object, Object> call = channel.newCall(rpc, options.withDeadlineAfter(attempt.remainingNanos(), NANOSECONDS));
 *   messages.onSubscribe(subscriptionOver(call));      // request(n) -> call.request(n), cancel() -> call.cancel(..)
 *   call.start(listenerFeeding(messages), new Metadata());
 *   call.sendMessage(args[0]);
 *   call.halfClose();
 * }
 * }</pre>
 */
public interface StreamingMethod extends BoundMethod {

  /**
   * Starts one attempt. Before any other signal, and before or soon after this method returns,
   * the transport calls {@code messages.onSubscribe} exactly once with a subscription whose
   * {@code request(n)} lets {@code n} more messages through (flow control: nothing is delivered
   * before the first request) and whose {@code cancel()} cancels the remote call (the server sees
   * it). Then, serially: {@code onNext} for each decoded message, and one {@code onComplete} when
   * the stream ended well or one {@code onError} with an exception the classifier understands
   * (as for {@link BoundMethod}). After {@code cancel()} the transport may stay silent.
   * Should not throw: report failures through {@code onError} (after {@code onSubscribe}).
   *
   * @param args the method's arguments
   * @param attempt the attempt's deadline, number and headers; the deadline ends the stream
   * @param messages where the messages and the end go
   */
  void open(Object[] args, AttemptContext attempt, Flow.Subscriber<Object> messages);

  /** Not used for streaming methods: the pipeline calls {@link #open}. */
  @Override
  default Object invoke(Object[] args, AttemptContext attempt) {
    throw new UnsupportedOperationException("a streaming method is opened, not invoked");
  }

  /** Not used for streaming methods: the pipeline calls {@link #open}. */
  @Override
  default CompletableFuture<?> invokeAsync(Object[] args, AttemptContext attempt) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("a streaming method is opened, not invoked"));
  }
}
