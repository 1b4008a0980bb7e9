package dev.rpcproxy.grpc.internal;

import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.BoundMethod;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.CompletableFuture;

/**
 * One interface method bound to one unary RPC. Each attempt is a new {@code ClientCall} whose
 * {@link CallOptions} carry the client's options plus the attempt's deadline, so the server sees
 * the time left and both sides stop when it passes.
 */
public final class UnaryRpc implements BoundMethod {
  private final String client;
  private final String method;
  private final AttemptChannel calls;
  @SuppressWarnings("rawtypes")
  private final MethodDescriptor rpc;
  private final boolean idempotent;

  UnaryRpc(String client, String method, Channel channel, MethodDescriptor<?, ?> rpc,
      CallOptions callOptions, boolean idempotent) {
    this.client = client;
    this.method = method;
    this.calls = new AttemptChannel(channel, callOptions);
    this.rpc = rpc;
    this.idempotent = idempotent;
  }

  /** Blocks the caller's thread; an interrupt cancels the RPC. */
  @Override
  @SuppressWarnings("unchecked")
  public Object invoke(Object[] args, AttemptContext attempt) {
    long remaining = attempt.remainingNanos();
    if (remaining <= 0) {
      throw attempt.timeoutException(client, method, null);
    }
    try {
      return ClientCalls.blockingUnaryCall(calls.channel(attempt), rpc, calls.options(remaining), args[0]);
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        // ClientCalls cancelled the RPC on the interrupt and restored the flag.
        throw RpcTransportException.interrupted(client, method, "the RPC, which was cancelled", e);
      }
      throw StatusTranslator.translate(client, method, attempt, e);
    }
  }

  /** Cancelling the returned future cancels the RPC. */
  @Override
  @SuppressWarnings("unchecked")
  public CompletableFuture<?> invokeAsync(Object[] args, AttemptContext attempt) {
    long remaining = attempt.remainingNanos();
    if (remaining <= 0) {
      return CompletableFuture.failedFuture(attempt.timeoutException(client, method, null));
    }
    ClientCall<Object, Object> call;
    try {
      call = calls.channel(attempt).newCall(rpc, calls.options(remaining));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(StatusTranslator.translate(client, method, attempt, e));
    }
    UnaryCallFuture future = new UnaryCallFuture(client, method, attempt, call);
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

  @Override
  public String toString() {
    return "UnaryRpc[" + client + "." + method + " -> " + rpc.getFullMethodName() + "]";
  }
}
