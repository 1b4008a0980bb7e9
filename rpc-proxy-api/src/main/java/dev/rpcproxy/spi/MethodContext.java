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
 * @param async whether the method returns {@code CompletableFuture}/{@code CompletionStage}
 * @param valueType the type of the value: the return type, or the future's type argument
 *     ({@code Restaurant} for {@code CompletableFuture<Restaurant>}, {@code Void} for void)
 * @param classifier the client's failure classification (e.g. for per-endpoint health)
 * @param timeSource the client's time source (e.g. for ejection windows)
 * @param registry the client's meter registry, or {@code null} when it has none
 */
public record MethodContext(String client, Class<?> api, Method method, boolean async, Type valueType,
    FailureClassifier classifier, TimeSource timeSource, MeterRegistry registry) {

  /** A context with the standard classifier, system time and no registry: for tests. */
  public MethodContext(String client, Class<?> api, Method method, boolean async, Type valueType) {
    this(client, api, method, async, valueType, FailureClassifier.standard(), TimeSource.system(), null);
  }

  /** {@code Api.method}, the form every error message about this method starts with. */
  public String describe() {
    return api.getName() + "." + method.getName();
  }

  /** The client's meter registry, if it has one. */
  public Optional<MeterRegistry> meterRegistry() {
    return Optional.ofNullable(registry);
  }
}
