package dev.rpcproxy;

/**
 * The call was rejected because its circuit breaker is open (or half-open with every probe taken).
 * Nothing was sent. Created without a stack trace: rejection must stay cheap.
 */
public class CircuitOpenException extends RpcException {
  private static final long serialVersionUID = 1L;

  private final String breaker;

  /** @param breaker the name of the open breaker ({@code client} or {@code client.method}) */
  public CircuitOpenException(String client, String method, String breaker) {
    super(client, method, null, null, false);
    this.breaker = breaker;
  }

  /** Built when asked, not when thrown: rejections are often caught and never printed. */
  @Override
  public String getMessage() {
    return client() + "." + method() + " rejected: circuit breaker '" + breaker + "' is open";
  }

  /** The name of the breaker that rejected the call. */
  public String breaker() {
    return breaker;
  }
}
