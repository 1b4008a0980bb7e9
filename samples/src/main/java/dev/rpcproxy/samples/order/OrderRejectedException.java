package dev.rpcproxy.samples.order;

/** The order is wrong (unknown dish, refused consumer): the caller's fault, not a dependency's. */
public final class OrderRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OrderRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
