package dev.rpcproxy.reliability;

import dev.rpcproxy.FailedCall;
import dev.rpcproxy.Fallback;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.reliability.proto.Item;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link Fallbacks#cached()} whose answers are marked ({@code source = "fallback"}) so a caller can
 * tell a fallback answer from the server's, and counted, so the harness can check the
 * {@code rpc.client.fallbacks} counter against the answers really produced.
 */
final class MarkingFallback implements Fallback {
  private final Fallback cached = Fallbacks.cached();
  final LongAdder answers = new LongAdder();

  @Override
  public Object apply(FailedCall call) throws Throwable {
    Object value = cached.apply(call); // rethrows the failure when nothing is cached
    answers.increment();
    if (value instanceof ItemDto dto) {
      return dto.markedAsFallback();
    }
    if (value instanceof Item item) {
      return item.toBuilder().setSource("fallback").build();
    }
    return value;
  }

  @Override
  public void onSuccess(String client, Method method, Object[] args, Object result) {
    cached.onSuccess(client, method, args, result);
  }
}
