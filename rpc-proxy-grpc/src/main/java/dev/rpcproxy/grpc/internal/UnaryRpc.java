package dev.rpcproxy.grpc.internal;

import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.Deadline;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One interface method bound to one unary RPC. Each attempt is a new {@code ClientCall} whose
 * {@link CallOptions} carry the client's options plus the attempt's deadline, so the server sees
 * the time left and both sides stop when it passes.
 */
public final class UnaryRpc implements BoundMethod {
  private final String client;
  private final String method;
  private final Channel channel;
  @SuppressWarnings("rawtypes")
  private final MethodDescriptor rpc;
  private final CallOptions callOptions;
  private final boolean idempotent;

  UnaryRpc(String client, String method, Channel channel, MethodDescriptor<?, ?> rpc,
      CallOptions callOptions, boolean idempotent) {
    this.client = client;
    this.method = method;
    this.channel = channel;
    this.rpc = rpc;
    this.callOptions = callOptions;
    this.idempotent = idempotent;
  }

  /** Blocks the caller's thread; an interrupt cancels the RPC. */
  @Override
  @SuppressWarnings("unchecked")
  public Object invoke(Object[] args, Deadline deadline) {
    long remaining = deadline.remainingNanos();
    if (remaining <= 0) {
      throw new RpcTimeoutException(client, method, deadline.timeout(), null);
    }
    try {
      return ClientCalls.blockingUnaryCall(channel, rpc, options(remaining), args[0]);
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        // ClientCalls cancelled the RPC on the interrupt and restored the flag.
        throw new RpcTransportException(client, method,
            "interrupted while waiting for the RPC, which was cancelled", false, e);
      }
      throw StatusTranslator.translate(client, method, deadline, e);
    }
  }

  /** Cancelling the returned future cancels the RPC. */
  @Override
  @SuppressWarnings("unchecked")
  public CompletableFuture<?> invokeAsync(Object[] args, Deadline deadline) {
    long remaining = deadline.remainingNanos();
    if (remaining <= 0) {
      return CompletableFuture.failedFuture(new RpcTimeoutException(client, method, deadline.timeout(), null));
    }
    ClientCall<Object, Object> call;
    try {
      call = channel.newCall(rpc, options(remaining));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(StatusTranslator.translate(client, method, deadline, e));
    }
    UnaryCallFuture future = new UnaryCallFuture(client, method, deadline, call);
    try {
      ClientCalls.asyncUnaryCall(call, args[0], future);
    } catch (RuntimeException e) {
      // asyncUnaryCall has already cancelled the call.
      future.onError(e);
    }
    return future;
  }

  @Override
  public boolean isIdempotent() {
    return idempotent;
  }

  private CallOptions options(long remainingNanos) {
    return callOptions.withDeadlineAfter(remainingNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "UnaryRpc[" + client + "." + method + " -> " + rpc.getFullMethodName() + "]";
  }
}
