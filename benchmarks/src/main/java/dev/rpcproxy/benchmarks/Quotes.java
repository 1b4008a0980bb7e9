package dev.rpcproxy.benchmarks;

import java.util.concurrent.CompletableFuture;

/** The tiny service every benchmark calls: one blocking and one non-blocking method. */
public interface Quotes {
  long quote(long id);

  CompletableFuture<Long> quoteAsync(long id);
}
