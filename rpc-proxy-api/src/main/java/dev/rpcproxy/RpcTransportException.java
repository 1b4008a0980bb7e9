package dev.rpcproxy;

/**
 * The call failed below the protocol: connect refused, connection reset, truncated or undecodable
 * response, executor saturation. Counted as the service's failure.
 */
public class RpcTransportException extends RpcException {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;

  /**
   * @param message what failed, without request bodies or header values
   * @param retryable whether another attempt may succeed (used only for idempotent methods)
   * @param cause the original I/O or decoding exception
   */
  public RpcTransportException(
      String client, String method, String message, boolean retryable, Throwable cause) {
    super(client, method, client + "." + method + ": " + message, cause);
    this.retryable = retryable;
  }

  /** {@code true} when the transport judged that another attempt may succeed. */
  public boolean isRetryable() {
    return retryable;
  }
}
