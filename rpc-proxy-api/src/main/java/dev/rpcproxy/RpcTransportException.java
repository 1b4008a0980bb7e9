package dev.rpcproxy;

/**
 * The call failed below the protocol: connect refused, connection reset, truncated or undecodable
 * response, executor saturation. Counted as the service's failure.
 */
public class RpcTransportException extends RpcException {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;

  /** An I/O failure another attempt may get past (connect refused, reset, truncated response). */
  public static RpcTransportException retryable(String client, String method, String message, Throwable cause) {
    return new RpcTransportException(client, method, message, true, cause);
  }

  /** A failure another attempt would repeat (undecodable response, untrusted certificate). */
  public static RpcTransportException permanent(String client, String method, String message, Throwable cause) {
    return new RpcTransportException(client, method, message, false, cause);
  }

  /**
   * The caller's thread was interrupted while it waited for {@code what}: not retried (the caller
   * wants to stop). The interrupt flag stays set.
   */
  public static RpcTransportException interrupted(String client, String method, String what, Throwable cause) {
    return new RpcTransportException(client, method, "interrupted while waiting for " + what, false, cause);
  }

  /**
   * For subclasses; use the factories {@link #retryable}, {@link #permanent}, {@link #interrupted}.
   *
   * @param message what failed, without request bodies or header values
   * @param retryable whether another attempt may succeed (used only for idempotent methods)
   * @param cause the original I/O or decoding exception
   */
  protected RpcTransportException(
      String client, String method, String message, boolean retryable, Throwable cause) {
    super(client, method, client + "." + method + ": " + message, cause);
    this.retryable = retryable;
  }

  /** {@code true} when the transport judged that another attempt may succeed. */
  public boolean isRetryable() {
    return retryable;
  }
}
