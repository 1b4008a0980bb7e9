package dev.rpcproxy.spi;

/**
 * How a method's call runs in rpc-proxy's engine, as its {@link CallAdapter} says: one value
 * returned to a waiting caller, one value completed later, or a stream of messages from the
 * service. A transport reads it from {@link MethodContext#shape()}.
 */
public enum CallShape {
  /** One value, returned to the caller's thread, which waits ({@code Ticket get(id)}). */
  BLOCKING,
  /** One value, completed later; the caller does not wait ({@code CompletableFuture<Ticket>}). */
  ASYNC,
  /** A stream of messages from the service ({@code Stream<Ticket>}, {@code Flow.Publisher<Ticket>}). */
  SERVER_STREAM
}
