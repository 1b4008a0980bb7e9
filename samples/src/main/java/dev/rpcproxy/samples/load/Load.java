package dev.rpcproxy.samples.load;

/**
 * How hard the load generator pushes: at most {@code ordersPerSecond}, from {@code threads}
 * callers each waiting for its order before the next.
 */
public record Load(int threads, int ordersPerSecond) {

  public Load {
    if (threads < 1 || ordersPerSecond < 1) {
      throw new IllegalArgumentException("threads and rate must be positive: " + threads + ", " + ordersPerSecond);
    }
  }
}
