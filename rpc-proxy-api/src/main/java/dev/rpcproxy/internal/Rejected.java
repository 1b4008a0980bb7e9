package dev.rpcproxy.internal;

/**
 * A blocking call rejected before it took anything (open breaker, full bulkhead) and without a
 * fallback: {@link CallPipeline#invoke} returns it and {@link ProxyHandler#invoke} throws its
 * failure, so that the throw sits in the small handler the JIT inlines into the caller.
 */
final class Rejected {
  final RuntimeException failure;

  Rejected(RuntimeException failure) {
    this.failure = failure;
  }
}
