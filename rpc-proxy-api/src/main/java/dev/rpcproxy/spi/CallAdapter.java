package dev.rpcproxy.spi;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * Adapts rpc-proxy's engine to one method's return type (the shape of Retrofit's
 * {@code CallAdapter}). The engine runs every call the same way; an adapter only says which
 * {@linkplain #shape() shape} of call the method makes, the {@linkplain #valueType() type} of its
 * value or message, and wraps the engine's call in the type the caller gets.
 *
 * <p>rpc-proxy serves plain values, {@code CompletableFuture}/{@code CompletionStage},
 * {@code java.util.stream.Stream} and {@code Flow.Publisher} itself. Another module adds a return
 * type (e.g. {@code Mono<T>}) with a {@link Factory}, listed in
 * {@code META-INF/services/dev.rpcproxy.spi.CallAdapter$Factory} (or {@code provides} in its
 * module-info) or registered with {@code RpcProxy.Builder.callAdapter(factory)}:
 *
 * <pre>{@code
 * public final class MonoAdapters implements CallAdapter.Factory {
 *   public CallAdapter get(Method method, Type returnType) {
 *     if (!(returnType instanceof ParameterizedType p) || p.getRawType() != Mono.class) {
 *       return null; // not mine
 *     }
 *     Type value = p.getActualTypeArguments()[0];
 *     return new CallAdapter() {
 *       public CallShape shape() { return CallShape.ASYNC; }
 *       public Type valueType() { return value; }
 *       public Object adaptAsync(Supplier<CompletableFuture<Object>> call) {
 *         return Mono.fromFuture(call); // lazy: each subscription starts one call
 *       }
 *     };
 *   }
 * }
 * }</pre>
 */
public interface CallAdapter {

  /** The shape of call the method makes. */
  CallShape shape();

  /**
   * The type the transport decodes: the value's ({@code Ticket} for {@code CompletableFuture<Ticket>},
   * {@code Void} for void), or one message's for a {@link CallShape#SERVER_STREAM}.
   */
  Type valueType();

  /**
   * The caller's object for an {@link CallShape#ASYNC} call. Each {@code call.get()} starts one call
   * through the whole pipeline and returns its future; cancelling that future cancels the call.
   * An eager type calls it at once, a lazy one when it is subscribed to.
   */
  default Object adaptAsync(Supplier<CompletableFuture<Object>> call) {
    throw new UnsupportedOperationException(getClass().getName() + " adapts no ASYNC call");
  }

  /**
   * The caller's object for a {@link CallShape#SERVER_STREAM} call. Each {@code call.get()} makes
   * one call, a cold publisher for one subscriber: the call starts when it is subscribed to.
   */
  default Object adaptStream(Supplier<Flow.Publisher<Object>> call) {
    throw new UnsupportedOperationException(getClass().getName() + " adapts no SERVER_STREAM call");
  }

  /**
   * Makes adapters for the return types it knows. Asked once per method at {@code build()}, in
   * order: factories registered on the builder, then those found by {@code ServiceLoader}, then
   * rpc-proxy's own.
   */
  interface Factory {
    /**
     * The adapter for {@code method}'s generic {@code returnType}, or {@code null} if the type is
     * not this factory's.
     *
     * @throws IllegalArgumentException if the type is this factory's but cannot be served (e.g. a
     *     missing type argument); the message says why
     */
    CallAdapter get(Method method, Type returnType);
  }
}
