package dev.rpcproxy;

/**
 * Decides what a failed attempt means: the caller's error, or the service's failure (and whether
 * a retry may help). The circuit breaker counts only {@link Verdict#FAILURE} and
 * {@link Verdict#RETRYABLE_FAILURE}; fallbacks never answer {@link Verdict#CALLER_ERROR}.
 *
 * <pre>{@code
 * // Count 404 against the service for this client, keep the rest standard:
 * FailureClassifier classifier = error ->
 *     error instanceof RemoteCallException r && r.status().equals("404")
 *         ? FailureClassifier.Verdict.FAILURE
 *         : FailureClassifier.standard().classify(error);
 * }</pre>
 */
@FunctionalInterface
public interface FailureClassifier {

  /** What a failure means for breaker, retry and fallback. */
  enum Verdict {
    /** The caller is at fault: thrown as is, not counted, not retried, no fallback. */
    CALLER_ERROR,
    /** The service failed; counted by the breaker; not retried. */
    FAILURE,
    /** The service failed; counted; retried for idempotent methods under a {@link RetryPolicy}. */
    RETRYABLE_FAILURE
  }

  /**
   * Classifies one failed attempt.
   *
   * @param failure what the transport (or a direct target) threw
   * @return never {@code null}
   */
  Verdict classify(Throwable failure);

  /**
   * The classification of docs/pipeline.md: {@link RemoteCallException#isClientError()} is the caller's,
   * {@link RemoteCallException} and {@link RpcTransportException} are retryable as the transport
   * marked them, timeouts are retryable, an {@link IllegalArgumentException} (an argument the
   * transport could not encode, or a direct target rejecting its input) is the caller's, and
   * anything else (an exception from a direct target) is a non-retryable failure.
   */
  static FailureClassifier standard() {
    return StandardClassifier.INSTANCE;
  }
}

/** The default classification; stateless. */
final class StandardClassifier implements FailureClassifier {
  static final StandardClassifier INSTANCE = new StandardClassifier();

  private StandardClassifier() {}

  @Override
  public Verdict classify(Throwable failure) {
    if (failure instanceof RemoteCallException remote) {
      if (remote.isClientError()) {
        return Verdict.CALLER_ERROR;
      }
      return remote.isRetryable() ? Verdict.RETRYABLE_FAILURE : Verdict.FAILURE;
    }
    if (failure instanceof RpcTransportException transport) {
      return transport.isRetryable() ? Verdict.RETRYABLE_FAILURE : Verdict.FAILURE;
    }
    if (failure instanceof RpcTimeoutException) {
      return Verdict.RETRYABLE_FAILURE;
    }
    if (failure instanceof IllegalArgumentException) {
      return Verdict.CALLER_ERROR;
    }
    return Verdict.FAILURE;
  }
}
