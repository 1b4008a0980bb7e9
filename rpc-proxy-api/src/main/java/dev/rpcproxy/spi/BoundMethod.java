package dev.rpcproxy.spi;

import java.util.concurrent.CompletableFuture;

/**
 * One interface method bound by a {@link Transport}: everything parsed and prepared, so an attempt
 * only fills in the arguments.
 *
 * <p>Failures are reported as exceptions the {@code dev.rpcproxy.FailureClassifier} understands:
 * {@code RemoteCallException} for an error status, {@code RpcTransportException} for I/O and
 * decoding, {@code RpcTimeoutException} when the attempt's deadline passed. Anything else counts
 * as a non-retryable service failure and is passed to the caller unchanged.
 */
public interface BoundMethod {

  /**
   * Performs one blocking attempt on the caller's thread, giving up when its deadline passes.
   *
   * @return the decoded value ({@code null} for void)
   * @throws Throwable the attempt's failure
   */
  Object invoke(Object[] args, AttemptContext attempt) throws Throwable;

  /**
   * Starts one non-blocking attempt. The future completes with the decoded value or the failure;
   * cancelling it must cancel the remote call. Should not throw: report failures in the future.
   * Hedged blocking calls use this too.
   */
  CompletableFuture<?> invokeAsync(Object[] args, AttemptContext attempt);

  /** Whether repeating the call is safe (HTTP GET/HEAD/PUT/DELETE, gRPC idempotent/safe). */
  default boolean isIdempotent() {
    return false;
  }
}
