package dev.rpcproxy;

/**
 * The call was rejected because the client already had {@link #maxConcurrentCalls()} calls
 * outstanding. Nothing was sent. Created without a stack trace: rejection must stay cheap.
 */
public class BulkheadFullException extends RpcException {
  private static final long serialVersionUID = 1L;

  private final int maxConcurrentCalls;

  /** @param maxConcurrentCalls the bulkhead's bound */
  public BulkheadFullException(String client, String method, int maxConcurrentCalls) {
    super(client, method, null, null, false);
    this.maxConcurrentCalls = maxConcurrentCalls;
  }

  /** Built when asked, not when thrown: rejections are often caught and never printed. */
  @Override
  public String getMessage() {
    return client() + "." + method() + " rejected: " + maxConcurrentCalls + " calls already outstanding";
  }

  /** The bound that was reached. */
  public int maxConcurrentCalls() {
    return maxConcurrentCalls;
  }
}
