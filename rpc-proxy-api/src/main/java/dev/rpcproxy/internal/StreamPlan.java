package dev.rpcproxy.internal;

import dev.rpcproxy.spi.StreamingMethod;

/**
 * What a streaming method needs beyond any method's plan: the transport's {@link StreamingMethod}
 * and the idle timeout between messages. How the caller receives the messages (a blocking
 * {@code Stream}, a {@code Flow.Publisher}) is its {@code CallAdapter}'s business.
 */
final class StreamPlan {
  final StreamingMethod binding;
  /** Zero when the call's deadline covers the whole stream. */
  final long idleTimeoutNanos;

  StreamPlan(StreamingMethod binding, long idleTimeoutNanos) {
    this.binding = binding;
    this.idleTimeoutNanos = idleTimeoutNanos;
  }
}
