package dev.rpcproxy.benchmarks;

/** Fails a trial in {@code @Setup} when a benchmark would not measure what its name says. */
final class Sanity {
  private Sanity() {}

  static void check(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException("benchmark precondition failed: " + what);
    }
  }
}
