package dev.rpcproxy.spi;

import dev.rpcproxy.FailureClassifier;
import dev.rpcproxy.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.Optional;

/**
 * What a {@link Transport} is told about one interface method, and the client it belongs to, when
 * the proxy is built.
 *
 * @param client the client name, for exceptions, metrics and thread names
 * @param api the interface being proxied
 * @param method the method to bind
 * @param shape how the call runs, as the return type's {@link CallAdapter} says: blocking, async
 *     ({@code CompletableFuture}, {@code CompletionStage}, ...) or a server stream
 * @param valueType the type of the value: the return type, or the future's type argument
 *     ({@code Restaurant} for {@code CompletableFuture<Restaurant>}, {@code Void} for void); for a
 *     streaming method ({@link #streaming()}) the type of one message
 * @param classifier the client's failure classification (e.g. for per-endpoint health)
 * @param timeSource the client's time source (e.g. for ejection windows)
 * @param registry the client's meter registry, or {@code null} when it has none
 */
public record MethodContext(String client, Class<?> api, Method method, CallShape shape, Type valueType,
    FailureClassifier classifier, TimeSource timeSource, MeterRegistry registry) {

  /** A context with the standard classifier, system time and no registry: for tests. */
  public MethodContext(String client, Class<?> api, Method method, CallShape shape, Type valueType) {
    this(client, api, method, shape, valueType, FailureClassifier.standard(), TimeSource.system(), null);
  }

  /** {@code Api.method}, the form every error message about this method starts with. */
  public String describe() {
    return api.getName() + "." + method.getName();
  }

  /**
   * {@code true} for a {@link CallShape#SERVER_STREAM} (e.g. a method returning
   * {@code java.util.stream.Stream} or {@code Flow.Publisher}): a stream of messages, which a
   * transport serves with a {@link StreamingMethod} or rejects.
   */
  public boolean streaming() {
    return shape == CallShape.SERVER_STREAM;
  }

  /** The client's meter registry, if it has one. */
  public Optional<MeterRegistry> meterRegistry() {
    return Optional.ofNullable(registry);
  }
}
