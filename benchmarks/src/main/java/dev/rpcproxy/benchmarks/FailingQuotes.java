package dev.rpcproxy.benchmarks;

import java.util.concurrent.CompletableFuture;

/** Always fails; used only in {@code @Setup} to drive a breaker open. */
final class FailingQuotes implements Quotes {
  @Override
  public long quote(long id) {
    throw new IllegalStateException("service down");
  }

  @Override
  public CompletableFuture<Long> quoteAsync(long id) {
    return CompletableFuture.failedFuture(new IllegalStateException("service down"));
  }
}
