package dev.rpcproxy.reliability;

import dev.rpcproxy.FailedCall;
import dev.rpcproxy.Fallback;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ListRequest;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link Fallbacks#cached()} whose answers are marked ({@code source = "fallback"}) so a caller can
 * tell a fallback answer from the server's, and counted, so the harness can check the
 * {@code rpc.client.fallbacks} counter against the answers really produced. A stream's answer (the
 * last complete list of its messages) has each message marked. A {@link ListRequest}'s
 * {@code stream} number and {@code fail_first_attempt} flag name one stream of the harness, not
 * what it asks for: they are left out of the cache's key.
 */
final class MarkingFallback implements Fallback {
  private final Fallback cached = Fallbacks.cached();
  final LongAdder answers = new LongAdder();

  @Override
  public Object apply(FailedCall call) throws Throwable {
    FailedCall keyed = new FailedCall(call.client(), call.method(), key(call.args()), call.cause());
    Object value = cached.apply(keyed); // rethrows the failure when nothing is cached
    answers.increment();
    return marked(value);
  }

  private static Object marked(Object value) {
    if (value instanceof ItemDto dto) {
      return dto.markedAsFallback();
    }
    if (value instanceof Item item) {
      return item.toBuilder().setSource("fallback").build();
    }
    if (value instanceof List<?> messages) {
      return messages.stream().map(MarkingFallback::marked).toList();
    }
    return value;
  }

  @Override
  public void onSuccess(String client, Method method, Object[] args, Object result) {
    cached.onSuccess(client, method, key(args), result);
  }

  private static Object[] key(Object[] args) {
    if (args != null && args.length == 1 && args[0] instanceof ListRequest request) {
      return new Object[] {request.toBuilder().clearStream().clearFailFirstAttempt().build()};
    }
    return args;
  }
}
