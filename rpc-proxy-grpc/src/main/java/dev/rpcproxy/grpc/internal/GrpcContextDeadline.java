package dev.rpcproxy.grpc.internal;

import dev.rpcproxy.spi.InboundDeadline;
import io.grpc.Context;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;

/**
 * The deadline of the current gRPC {@link Context}: inside a gRPC server handler, the time its
 * caller gave. Found by {@code ServiceLoader}, so every rpc-proxy call made in the handler, REST
 * or gRPC, ends by then, and gRPC calls carry it on.
 */
public final class GrpcContextDeadline implements InboundDeadline {

  @Override
  public long remainingNanos() {
    Deadline deadline = Context.current().getDeadline();
    return deadline == null ? Long.MAX_VALUE : deadline.timeRemaining(TimeUnit.NANOSECONDS);
  }
}
