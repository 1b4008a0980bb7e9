package dev.rpcproxy.grpc.internal;

import dev.rpcproxy.spi.AttemptContext;
import io.grpc.ClientCall;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * The future of one asynchronous unary attempt, and the observer gRPC reports it to. Cancelling
 * the future cancels the {@link ClientCall}, which the server sees as its {@code Context} being
 * cancelled.
 *
 * <p>Concurrency: gRPC calls the observer serially (onNext before onCompleted), on the call's
 * executor; {@link #cancel} may race them, and {@code CompletableFuture} settles who wins.
 */
final class UnaryCallFuture extends CompletableFuture<Object> implements StreamObserver<Object> {
  private final String client;
  private final String method;
  private final AttemptContext attempt;
  private final ClientCall<?, ?> call;
  // Written by onNext and read by onCompleted, both on the call's serialized callbacks.
  private Object value;

  UnaryCallFuture(String client, String method, AttemptContext attempt, ClientCall<?, ?> call) {
    this.client = client;
    this.method = method;
    this.attempt = attempt;
    this.call = call;
  }

  @Override
  public void onNext(Object response) {
    value = response;
  }

  @Override
  public void onError(Throwable error) {
    if (!isDone()) {
      completeExceptionally(StatusTranslator.translate(client, method, attempt, error));
    }
  }

  @Override
  public void onCompleted() {
    complete(value);
  }

  /** Cancels the gRPC call as well; the server's {@code Context} is cancelled. */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      call.cancel("cancelled by the caller", null);
    }
    return cancelled;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }
}
