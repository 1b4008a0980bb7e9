package dev.rpcproxy;

import dev.rpcproxy.internal.BreakerOperations;
import dev.rpcproxy.internal.ClientAssembly;
import dev.rpcproxy.internal.ClientInspector;
import dev.rpcproxy.internal.ProxyHandler;
import dev.rpcproxy.spi.CallAdapter;
import dev.rpcproxy.spi.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The front door: turns a plain interface into a typed, resilient client.
 *
 * <pre>{@code
 * RestaurantApi api = RpcProxy.builder(RestaurantApi.class)
 *     .name("restaurants")
 *     .transport(HttpTransport.builder().baseUrl("http://localhost:8080").build())
 *     .policy(Policy.builder()
 *         .timeout(Duration.ofMillis(300))
 *         .maxConcurrentCalls(16)
 *         .retry(RetryPolicy.builder().maxAttempts(3).build())
 *         .build())
 *     .fallback(Fallbacks.cached())
 *     .meterRegistry(registry)
 *     .build();
 * }</pre>
 *
 * <p>Every call goes through, in order: metrics, fallback, deadline, bulkhead, retry, circuit
 * breaker, the transport's attempt and classification (see {@code internal.CallPipeline}).
 */
public final class RpcProxy {
  private RpcProxy() {}

  /**
   * A builder for a client of {@code api}.
   *
   * @throws IllegalArgumentException if {@code api} is not an interface
   */
  public static <T> Builder<T> builder(Class<T> api) {
    Objects.requireNonNull(api, "api");
    if (!api.isInterface()) {
      throw new IllegalArgumentException(api.getName() + " is not an interface");
    }
    return new Builder<>(api);
  }

  /**
   * Closes the transport of a proxy built here (its own threads and pools; never what the user
   * passed in). Calls made afterwards fail.
   *
   * @throws IllegalArgumentException if {@code proxy} was not built by {@link Builder#build()}
   */
  public static void close(Object proxy) {
    handler(proxy).close();
  }

  /**
   * A read-only snapshot of a proxy built here: its name, interface, transport, each method's
   * timeout, attempts, breaker and bulkhead, and the state of its breakers and bulkheads now.
   *
   * @throws IllegalArgumentException if {@code proxy} was not built by {@link Builder#build()}
   */
  public static ClientView inspect(Object proxy) {
    return ClientInspector.view(handler(proxy));
  }

  /**
   * Changes every circuit breaker of a client built here, as an operator would: force it open,
   * close it, or disable it (Resilience4j's {@code FORCE_OPEN}, {@code CLOSE}, {@code DISABLE}).
   * Calls already permitted finish as they would have; later calls meet the new state. The change
   * is logged with the client's name; {@link #inspect} shows the state.
   *
   * @return the names of the breakers changed
   * @throws IllegalArgumentException if {@code proxy} was not built by {@link Builder#build()}
   */
  public static List<String> updateBreakers(Object proxy, BreakerUpdate update) {
    return BreakerOperations.update(handler(proxy), null, Objects.requireNonNull(update, "update"));
  }

  /**
   * Changes one circuit breaker of a client built here ({@code client} or {@code client.method},
   * as {@link ClientView#breakers()} names them); see {@link #updateBreakers(Object, BreakerUpdate)}.
   *
   * @throws IllegalArgumentException if {@code proxy} was not built by {@link Builder#build()}, or
   *     has no breaker of that name (the message lists its breakers)
   */
  public static void updateBreaker(Object proxy, String breaker, BreakerUpdate update) {
    BreakerOperations.update(handler(proxy), Objects.requireNonNull(breaker, "breaker"),
        Objects.requireNonNull(update, "update"));
  }

  private static ProxyHandler handler(Object proxy) {
    if (proxy == null || !Proxy.isProxyClass(proxy.getClass())
        || !(Proxy.getInvocationHandler(proxy) instanceof ProxyHandler handler)) {
      throw new IllegalArgumentException("not an rpc-proxy client: " + proxy);
    }
    return handler;
  }

  /**
   * Configures one client. {@link #build()} validates everything once and throws
   * {@link IllegalArgumentException} naming the interface and method at fault.
   */
  public static final class Builder<T> {
    private final Class<T> api;
    private String name;
    private Transport transport;
    private Policy policy = Policy.builder().build();
    private final Map<String, Policy> methodPolicies = new LinkedHashMap<>();
    private Fallback fallback;
    private final Map<String, Fallback> methodFallbacks = new LinkedHashMap<>();
    private MeterRegistry meterRegistry;
    private ObservationRegistry observationRegistry;
    private FailureClassifier classifier = FailureClassifier.standard();
    private TimeSource timeSource = TimeSource.system();
    private final List<CallAdapter.Factory> callAdapters = new ArrayList<>();

    private Builder(Class<T> api) {
      this.api = api;
    }

    /** The client's name in metrics, logs, breaker names and exceptions. Default: the interface's simple name. */
    public Builder<T> name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("client name of " + api.getName() + " must not be blank");
      }
      this.name = name;
      return this;
    }

    /** The protocol: {@code HttpTransport}, {@code GrpcTransport}, {@link Transports#direct}. Required. */
    public Builder<T> transport(Transport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /** The client's policy; unset values come from {@link Policy#defaults()}. */
    public Builder<T> policy(Policy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * An override for every method named {@code method} (all overloads); it inherits what it does
     * not set from the client's policy.
     */
    public Builder<T> policy(String method, Policy policy) {
      methodPolicies.put(Objects.requireNonNull(method, "method"), Objects.requireNonNull(policy, "policy"));
      return this;
    }

    /** The fallback of every method. Default: none (failures are thrown). */
    public Builder<T> fallback(Fallback fallback) {
      this.fallback = Objects.requireNonNull(fallback, "fallback");
      return this;
    }

    /** The fallback of every method named {@code method}, instead of the client's. */
    public Builder<T> fallback(String method, Fallback fallback) {
      methodFallbacks.put(Objects.requireNonNull(method, "method"), Objects.requireNonNull(fallback, "fallback"));
      return this;
    }

    /** Where to publish metrics; default: none. */
    public Builder<T> meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
      return this;
    }

    /**
     * Where to report one {@code rpc.client.call} Observation per call (low-cardinality keys
     * {@code client}, {@code method}, {@code outcome}) and one per attempt; the transports carry
     * the trace context in HTTP headers and gRPC metadata. Default: none, and then nothing is
     * allocated per call for observations.
     */
    public Builder<T> observationRegistry(ObservationRegistry registry) {
      this.observationRegistry = Objects.requireNonNull(registry, "observationRegistry");
      return this;
    }

    /** What counts as the caller's error and what may be retried; default {@link FailureClassifier#standard()}. */
    public Builder<T> classifier(FailureClassifier classifier) {
      this.classifier = Objects.requireNonNull(classifier, "classifier");
      return this;
    }

    /**
     * Adds a return type: methods whose return type {@code factory} serves are adapted by it. Asked
     * before the factories found by {@code ServiceLoader} and rpc-proxy's own (plain values,
     * {@code CompletableFuture}, {@code CompletionStage}, {@code Stream}, {@code Flow.Publisher}).
     */
    public Builder<T> callAdapter(CallAdapter.Factory factory) {
      callAdapters.add(Objects.requireNonNull(factory, "factory"));
      return this;
    }

    /** Time and scheduling; default {@link TimeSource#system()}. Tests inject a fake. */
    public Builder<T> timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Binds every method and returns the client.
     *
     * @throws IllegalArgumentException naming interface and method: no transport, an unknown
     *     method name in {@link #policy(String, Policy)} or {@link #fallback(String, Fallback)},
     *     a signature or annotation the transport cannot serve, a fallback that cannot answer
     */
    public T build() {
      if (transport == null) {
        throw new IllegalArgumentException(api.getName() + ": no transport set; call transport(...)");
      }
      String client = name != null ? name : api.getSimpleName();
      ProxyHandler handler = ClientAssembly.assemble(api, client, transport, policy, methodPolicies,
          fallback, methodFallbacks, meterRegistry, observationRegistry, classifier, timeSource, callAdapters);
      return api.cast(Proxy.newProxyInstance(api.getClassLoader(), new Class<?>[] {api}, handler));
    }
  }
}
