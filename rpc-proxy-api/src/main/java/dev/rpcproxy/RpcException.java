package dev.rpcproxy;

/**
 * Base of every exception rpc-proxy raises for a call. Unchecked; the original cause, if any, is
 * kept as {@link #getCause()}.
 *
 * <pre>{@code
 * try {
 *   api.restaurant(42);
 * } catch (RpcException e) {
 *   log.warn("{}.{} failed: {}", e.client(), e.method(), e.getMessage());
 * }
 * }</pre>
 */
public class RpcException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String client;
  private final String method;

  /**
   * @param client the client name ({@code RpcProxy.Builder#name})
   * @param method the interface method name
   * @param message what went wrong
   * @param cause the original failure, or {@code null}
   */
  public RpcException(String client, String method, String message, Throwable cause) {
    this(client, method, message, cause, true);
  }

  /** For rejections on the fast path, which skip the stack trace to stay cheap. */
  protected RpcException(
      String client, String method, String message, Throwable cause, boolean writableStackTrace) {
    super(message, cause, false, writableStackTrace);
    this.client = client;
    this.method = method;
  }

  /** The name of the client (proxy) that made the call. */
  public String client() {
    return client;
  }

  /** The name of the interface method that was called. */
  public String method() {
    return method;
  }
}
