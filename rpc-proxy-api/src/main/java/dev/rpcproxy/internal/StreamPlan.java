package dev.rpcproxy.internal;

import dev.rpcproxy.spi.StreamingMethod;

/**
 * What a streaming method needs beyond any method's plan: the transport's {@link StreamingMethod},
 * whether the caller reads a blocking {@code Stream} or subscribes to a {@code Flow.Publisher}, and
 * the idle timeout between messages.
 */
final class StreamPlan {
  /** How the caller receives the messages. */
  enum Shape {
    /** {@code java.util.stream.Stream}: pulled on the caller's thread; the call starts at once. */
    BLOCKING_STREAM,
    /** {@code Flow.Publisher}: the call starts when it is subscribed to, one subscriber. */
    PUBLISHER
  }

  final StreamingMethod binding;
  final Shape shape;
  /** Zero when the call's deadline covers the whole stream. */
  final long idleTimeoutNanos;

  StreamPlan(StreamingMethod binding, Shape shape, long idleTimeoutNanos) {
    this.binding = binding;
    this.shape = shape;
    this.idleTimeoutNanos = idleTimeoutNanos;
  }
}
