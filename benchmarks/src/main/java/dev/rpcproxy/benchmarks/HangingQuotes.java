package dev.rpcproxy.benchmarks;

import java.util.concurrent.CompletableFuture;

/** Never answers an async call: one such call holds a bulkhead permit for as long as it is not cancelled. */
final class HangingQuotes implements Quotes {
  @Override
  public long quote(long id) {
    throw new UnsupportedOperationException("only quoteAsync is used to hold the permit");
  }

  @Override
  public CompletableFuture<Long> quoteAsync(long id) {
    return new CompletableFuture<>();
  }
}
