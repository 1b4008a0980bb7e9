package dev.rpcproxy.samples.order;

/** A dependency failed and no fallback could answer: the order could not be placed now. */
public final class OrderFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OrderFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
