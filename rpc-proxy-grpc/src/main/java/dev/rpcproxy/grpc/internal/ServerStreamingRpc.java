package dev.rpcproxy.grpc.internal;

import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.StreamingMethod;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.Flow;

/**
 * One interface method bound to one server-streaming RPC. Each attempt is a new
 * {@code ClientCall} with the attempt's deadline in its {@link CallOptions}, started with no
 * messages requested: the subscriber's {@code request(n)} is {@code ClientCall.request(n)} (gRPC
 * flow control, so a slow reader holds the server back) and {@code cancel()} is
 * {@code ClientCall.cancel}, which the server sees as its {@code Context} being cancelled.
 */
public final class ServerStreamingRpc implements StreamingMethod {
  private final String client;
  private final String method;
  private final AttemptChannel calls;
  @SuppressWarnings("rawtypes")
  private final MethodDescriptor rpc;
  private final boolean idempotent;

  ServerStreamingRpc(String client, String method, Channel channel, MethodDescriptor<?, ?> rpc,
      CallOptions callOptions, boolean idempotent) {
    this.client = client;
    this.method = method;
    this.calls = new AttemptChannel(channel, callOptions);
    this.rpc = rpc;
    this.idempotent = idempotent;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void open(Object[] args, AttemptContext attempt, Flow.Subscriber<Object> messages) {
    long remaining = attempt.remainingNanos();
    if (remaining <= 0) {
      messages.onSubscribe(Cancelled.SUBSCRIPTION);
      messages.onError(attempt.timeoutException(client, method, null));
      return;
    }
    ClientCall<Object, Object> call;
    try {
      call = calls.channel(attempt).newCall(rpc, calls.options(remaining));
    } catch (RuntimeException e) {
      messages.onSubscribe(Cancelled.SUBSCRIPTION);
      messages.onError(StatusTranslator.translate(client, method, attempt, e));
      return;
    }
    CallSubscription subscription = new CallSubscription(call);
    messages.onSubscribe(subscription);
    try {
      call.start(new Listener(attempt, messages), new Metadata());
      subscription.started();
      call.sendMessage(args[0]);
      call.halfClose();
    } catch (RuntimeException e) {
      // The listener's onClose reports the failure (CANCELLED with this cause).
      call.cancel("the request could not be sent", e);
    }
  }

  @Override
  public boolean isIdempotent() {
    return idempotent;
  }

  @Override
  public String toString() {
    return "ServerStreamingRpc[" + client + "." + method + " -> " + rpc.getFullMethodName() + "]";
  }

  /**
   * {@code request(n)} and {@code cancel()} onto the call; gRPC allows both from any thread, but
   * requests only once the call has started, so earlier ones wait for {@link #started}.
   */
  private static final class CallSubscription implements Flow.Subscription {
    private final ClientCall<?, ?> call;
    // Guarded by this.
    private boolean started;
    private long pending;

    CallSubscription(ClientCall<?, ?> call) {
      this.call = call;
    }

    @Override
    public void request(long n) {
      synchronized (this) {
        if (!started) {
          pending = pending + n < 0 ? Long.MAX_VALUE : pending + n;
          return;
        }
      }
      call.request((int) Math.min(n, Integer.MAX_VALUE));
    }

    /** The call has started: the requests made before go through. */
    void started() {
      long n;
      synchronized (this) {
        started = true;
        n = pending;
      }
      if (n > 0) {
        call.request((int) Math.min(n, Integer.MAX_VALUE));
      }
    }

    @Override
    public void cancel() {
      call.cancel("cancelled by the caller", null);
    }
  }

  /** gRPC's callbacks (serialized by gRPC) onto the subscriber. */
  private final class Listener extends ClientCall.Listener<Object> {
    private final AttemptContext attempt;
    private final Flow.Subscriber<Object> messages;

    Listener(AttemptContext attempt, Flow.Subscriber<Object> messages) {
      this.attempt = attempt;
      this.messages = messages;
    }

    @Override
    public void onMessage(Object message) {
      messages.onNext(message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (status.isOk()) {
        messages.onComplete();
      } else {
        messages.onError(StatusTranslator.translate(client, method, attempt, status.asRuntimeException(trailers)));
      }
    }
  }

  /** For an attempt that failed before its call existed. */
  private enum Cancelled implements Flow.Subscription {
    SUBSCRIPTION;

    @Override
    public void request(long n) {}

    @Override
    public void cancel() {}
  }
}
