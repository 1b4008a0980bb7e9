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
    super(client, method,
        client + "." + method + " rejected: circuit breaker '" + breaker + "' is open", null, false);
    this.breaker = breaker;
  }

  /** The name of the breaker that rejected the call. */
  public String breaker() {
    return breaker;
  }
}
