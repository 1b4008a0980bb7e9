package dev.rpcproxy.spi;

/**
 * A deadline the current thread's work inherited from elsewhere, such as the gRPC {@code Context}
 * of the server call being handled. Every rpc-proxy call made meanwhile ends no later than it.
 * Implementations are found with {@link java.util.ServiceLoader} (rpc-proxy-grpc provides the
 * gRPC {@code Context} one); {@code dev.rpcproxy.Deadlines} is the built-in one for other servers.
 */
public interface InboundDeadline {

  /** Nanoseconds left of the current thread's inherited deadline; {@link Long#MAX_VALUE} when it has none. */
  long remainingNanos();
}
