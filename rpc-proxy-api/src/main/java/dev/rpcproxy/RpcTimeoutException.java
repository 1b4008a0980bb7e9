package dev.rpcproxy;

import java.time.Duration;

/**
 * The call's deadline passed before it ended. The work was cancelled where the transport could
 * cancel it (OkHttp {@code Call.cancel()}, gRPC deadline, interrupt for {@link Transports#direct}).
 */
public class RpcTimeoutException extends RpcException {
  private static final long serialVersionUID = 1L;

  private final Duration timeout;

  /**
   * @param timeout the whole-call timeout that passed
   * @param cause the transport's own timeout signal, or {@code null}
   */
  public RpcTimeoutException(String client, String method, Duration timeout, Throwable cause) {
    super(client, method, client + "." + method + " timed out after " + timeout.toMillis() + " ms", cause);
    this.timeout = timeout;
  }

  /** The whole-call timeout that passed (retries included). */
  public Duration timeout() {
    return timeout;
  }
}
