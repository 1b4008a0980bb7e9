package dev.rpcproxy.internal;

import dev.rpcproxy.spi.CallAdapter;
import dev.rpcproxy.spi.CallShape;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Finds each method's {@link CallAdapter}: the builder's factories, then those found by
 * {@link ServiceLoader}, then rpc-proxy's own (plain values, {@code CompletableFuture},
 * {@code CompletionStage}, {@code Stream}, {@code Flow.Publisher}). A return type that only
 * another module serves fails at {@code build()} naming the module.
 */
final class ReturnTypes {
  /** Return types another rpc-proxy module (or none yet) will serve: raw type name to what to add. */
  private static final Map<String, String> ELSEWHERE = Map.of(
      "reactor.core.publisher.Mono", "add rpc-proxy-reactor",
      "reactor.core.publisher.Flux", "add rpc-proxy-reactor",
      "org.reactivestreams.Publisher", "add rpc-proxy-reactor",
      "kotlinx.coroutines.flow.Flow", "add rpc-proxy-kotlin",
      "kotlinx.coroutines.Deferred", "add rpc-proxy-kotlin",
      "io.reactivex.rxjava3.core.Single", "register a CallAdapter.Factory for RxJava (none ships with rpc-proxy)",
      "io.reactivex.rxjava3.core.Flowable", "register a CallAdapter.Factory for RxJava (none ships with rpc-proxy)",
      "io.reactivex.rxjava3.core.Observable", "register a CallAdapter.Factory for RxJava (none ships with rpc-proxy)");

  private final String client;
  private final List<CallAdapter.Factory> factories;

  ReturnTypes(String client, List<CallAdapter.Factory> registered) {
    this.client = client;
    List<CallAdapter.Factory> all = new ArrayList<>(registered);
    ServiceLoader.load(CallAdapter.Factory.class).forEach(all::add);
    this.factories = List.copyOf(all);
  }

  /**
   * The method's adapter.
   *
   * @throws IllegalArgumentException naming {@code where} (interface and method) when no adapter
   *     serves its return type, or one refuses it
   */
  CallAdapter adapterFor(String where, Method method) {
    Type returns = method.getGenericReturnType();
    for (CallAdapter.Factory factory : factories) {
      CallAdapter adapter;
      try {
        adapter = factory.get(method, returns);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      if (adapter != null) {
        return adapter;
      }
    }
    return builtIn(where, method, returns);
  }

  private CallAdapter builtIn(String where, Method method, Type returns) {
    Class<?> raw = method.getReturnType();
    String elsewhere = ELSEWHERE.get(raw.getName());
    if (elsewhere != null) {
      throw new IllegalArgumentException(where + ": return type " + raw.getSimpleName()
          + " needs a call adapter: " + elsewhere);
    }
    Class<?>[] parameters = method.getParameterTypes();
    if (parameters.length > 0 && parameters[parameters.length - 1].getName().equals("kotlin.coroutines.Continuation")) {
      throw new IllegalArgumentException(where + ": a suspend function needs a call adapter: add rpc-proxy-kotlin");
    }
    if (raw == CompletableFuture.class || raw == CompletionStage.class) {
      return new Identity(CallShape.ASYNC, typeArgument(where, raw, returns, "CompletableFuture<Restaurant>"));
    }
    if (Future.class.isAssignableFrom(raw)) {
      throw new IllegalArgumentException(where + ": return type " + raw.getSimpleName()
          + " is not supported; return CompletableFuture or CompletionStage for a non-blocking call");
    }
    if (raw == Flow.Publisher.class) {
      return new Identity(CallShape.SERVER_STREAM, typeArgument(where, raw, returns, "Flow.Publisher<Ticket>"));
    }
    if (raw == Stream.class) {
      return new BlockingStream(client, method.getName(), typeArgument(where, raw, returns, "Stream<Ticket>"));
    }
    return new Identity(CallShape.BLOCKING, raw == void.class ? Void.class : returns);
  }

  private static Type typeArgument(String where, Class<?> raw, Type returns, String example) {
    if (!(returns instanceof ParameterizedType parameterized)) {
      throw new IllegalArgumentException(where + ": " + raw.getSimpleName() + " needs a type argument, e.g. " + example);
    }
    return parameterized.getActualTypeArguments()[0];
  }

  /**
   * rpc-proxy's adapter whose caller gets the engine's own object: the value, the call's
   * {@code CompletableFuture}, or the call's {@code Flow.Publisher}. The pipeline recognises it and
   * skips the adapting step.
   */
  static final class Identity implements CallAdapter {
    private final CallShape shape;
    private final Type valueType;

    Identity(CallShape shape, Type valueType) {
      this.shape = shape;
      this.valueType = valueType;
    }

    @Override
    public CallShape shape() {
      return shape;
    }

    @Override
    public Type valueType() {
      return valueType;
    }

    @Override
    public Object adaptAsync(Supplier<CompletableFuture<Object>> call) {
      return call.get();
    }

    @Override
    public Object adaptStream(Supplier<Flow.Publisher<Object>> call) {
      return call.get();
    }
  }

  /** {@code java.util.stream.Stream}: the call starts at once and is read on the caller's thread. */
  private static final class BlockingStream implements CallAdapter {
    private final String client;
    private final String method;
    private final Type valueType;

    BlockingStream(String client, String method, Type valueType) {
      this.client = client;
      this.method = method;
      this.valueType = valueType;
    }

    @Override
    public CallShape shape() {
      return CallShape.SERVER_STREAM;
    }

    @Override
    public Type valueType() {
      return valueType;
    }

    @Override
    public Object adaptStream(Supplier<Flow.Publisher<Object>> call) {
      BlockingMessages messages = new BlockingMessages(client, method);
      call.get().subscribe(messages);
      return messages.stream();
    }
  }
}
