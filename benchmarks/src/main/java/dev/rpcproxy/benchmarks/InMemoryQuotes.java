package dev.rpcproxy.benchmarks;

import java.util.concurrent.CompletableFuture;

/** The floor: answers at once from the argument, no I/O, no shared state. */
final class InMemoryQuotes implements Quotes {
  @Override
  public long quote(long id) {
    return id * 31 + 7;
  }

  @Override
  public CompletableFuture<Long> quoteAsync(long id) {
    return CompletableFuture.completedFuture(id * 31 + 7);
  }
}
