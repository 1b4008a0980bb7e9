package dev.rpcproxy.internal;

import dev.rpcproxy.Fallback;
import dev.rpcproxy.FailureClassifier;
import dev.rpcproxy.Idempotent;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.TimeSource;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.CallAdapter;
import dev.rpcproxy.spi.MethodContext;
import dev.rpcproxy.spi.StreamingMethod;
import dev.rpcproxy.spi.Transport;
import dev.rpcproxy.internal.faults.FaultPlan;
import dev.rpcproxy.internal.faults.FaultingMethod;
import dev.rpcproxy.internal.limit.CallLimiter;
import dev.rpcproxy.internal.limit.CallRateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns a builder's settings into a {@link ProxyHandler}: validates every name, binds every
 * method with the transport, and prepares one {@link MethodPlan} per method.
 */
public final class ClientAssembly {
  private ClientAssembly() {}

  /**
   * @throws IllegalArgumentException naming the interface and method at fault
   */
  public static ProxyHandler assemble(Class<?> api, String client, Transport transport, Policy policy,
      Map<String, Policy> methodPolicies, Fallback fallback, Map<String, Fallback> methodFallbacks,
      MeterRegistry registry, ObservationRegistry observations, FailureClassifier classifier, TimeSource time,
      List<CallAdapter.Factory> adapters) {
    Method[] methods = proxiedMethods(api);
    TreeSet<String> names = new TreeSet<>();
    for (Method m : methods) {
      names.add(m.getName());
    }
    requireKnown(api, names, methodPolicies.keySet(), "policy");
    requireKnown(api, names, methodFallbacks.keySet(), "fallback");

    Policy clientPolicy = policy.inheritingFrom(Policy.defaults());
    ClientResources resources = new ClientResources(client, time);
    ReturnTypes returnTypes = new ReturnTypes(client, adapters);
    Map<Method, Object> plans = new HashMap<>();
    for (Method method : api.getMethods()) {
      if (method.isDefault()) {
        plans.put(method, defaultMethod(api, method));
      }
    }
    for (Method method : methods) {
      String where = api.getName() + "." + method.getName();
      CallAdapter adapter = returnTypes.adapterFor(where, method);
      MethodContext context = new MethodContext(client, api, method, adapter.shape(), adapter.valueType(),
          classifier, time, registry);
      Policy override = methodPolicies.get(method.getName());
      Policy effective = override == null ? clientPolicy : override.inheritingFrom(clientPolicy);
      BoundMethod binding = bind(transport, context);
      if (context.streaming() && !(binding instanceof StreamingMethod) && !(transport instanceof DirectTransport)) {
        throw new IllegalArgumentException(context.describe() + ": returns "
            + method.getReturnType().getSimpleName() + " but transport " + transport + " does not stream; "
            + "only gRPC server-streaming RPCs can be read as a Stream or Flow.Publisher");
      }
      Fallback methodFallback = methodFallbacks.getOrDefault(method.getName(), fallback);
      validateFallback(context, methodFallback);
      boolean idempotent = binding.isIdempotent() || method.isAnnotationPresent(Idempotent.class);
      // Faults sit between the engine and the transport: every attempt, of every call shape, passes them.
      binding = FaultingMethod.wrap(binding, FaultPlan.of(effective.faults().orElse(null), client, method.getName(),
          registry), client, method.getName());
      plans.put(method, plan(context, adapter, binding, override, effective, idempotent, resources, methodFallback,
          registry, observations));
    }
    resources.bindMetrics(registry);
    return new ProxyHandler(api, client, transport, new MethodTable(plans));
  }

  /** The methods sent to the transport, in a stable order: not static, default or Object's. */
  private static Method[] proxiedMethods(Class<?> api) {
    return Arrays.stream(api.getMethods())
        .filter(m -> !Modifier.isStatic(m.getModifiers()) && !m.isDefault() && !isObjectMethod(m))
        .sorted(Comparator.comparing(Method::getName).thenComparing(Method::toGenericString))
        .toArray(Method[]::new);
  }

  /** The transport's binding of one method; its errors name the interface and method. */
  private static BoundMethod bind(Transport transport, MethodContext context) {
    String where = context.describe();
    BoundMethod binding;
    try {
      binding = transport.bind(context);
    } catch (IllegalArgumentException e) {
      String message = e.getMessage() == null ? "cannot be bound" : e.getMessage();
      throw new IllegalArgumentException(message.contains(where) ? message : where + ": " + message, e);
    }
    if (binding == null) {
      throw new IllegalArgumentException(where + ": transport " + transport + " returned no binding");
    }
    return binding;
  }

  private static void validateFallback(MethodContext context, Fallback fallback) {
    if (fallback == null) {
      return;
    }
    try {
      fallback.validate(context.method());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(context.describe() + ": " + e.getMessage(), e);
    }
  }

  /** The method's plan: its breaker, bulkhead, retries, hedges and meters, per its effective policy. */
  private static MethodPlan plan(MethodContext context, CallAdapter adapter, BoundMethod binding, Policy override,
      Policy effective,
      boolean idempotent, ClientResources resources, Fallback fallback, MeterRegistry registry,
      ObservationRegistry observations) {
    String client = context.client();
    String name = context.method().getName();
    boolean ownBreaker = (override != null && override.circuitBreaker().isPresent())
        || effective.circuitBreakerPerMethod().orElseThrow();
    BreakerGuard breaker = resources.breaker(
        ownBreaker ? client + "." + name : client, effective.circuitBreaker().orElseThrow());
    boolean ownLimit = override != null
        && (override.concurrencyLimit().isPresent() || override.maxWaitForPermit().isPresent());
    String limitName = ownLimit ? client + "." + name : client;
    CallLimiter limiter = resources.limiter(limitName, effective.concurrencyLimit().orElseThrow(),
        effective.maxWaitForPermit().orElseThrow());
    CallRateLimiter rateLimiter = null;
    if (effective.rateLimit().isPresent()) {
      boolean ownRateLimit = override != null && override.rateLimit().isPresent();
      rateLimiter = resources.rateLimiter(ownRateLimit ? client + "." + name : client, effective.rateLimit().get());
    }

    RetryPolicy retryPolicy = effective.retry().orElseThrow();
    if (effective.hedge().isPresent() && !idempotent && override != null && override.hedge().isPresent()) {
      throw new IllegalArgumentException(context.describe() + ": hedge(...) needs an idempotent method "
          + "(HTTP GET/HEAD/PUT/DELETE, a gRPC method declared idempotent or side-effect free, or @Idempotent)");
    }
    StreamPlan stream = streamPlan(context, binding, effective);
    boolean retried = retryPolicy.maxAttempts() > 1 && idempotent;
    // Streams are retried and hedged before their first message only (StreamCall).
    boolean hedged = effective.hedge().isPresent() && idempotent;
    // Retries and hedges draw on one budget: the RetryPolicy's, or the default one for hedges alone.
    RetryBudget budget = retried || hedged
        ? resources.budget(retryPolicy.maxAttempts() > 1 ? retryPolicy : HEDGE_BUDGET)
        : null;
    RetryPlan retry = retried ? new RetryPlan(retryPolicy, budget) : null;
    HedgePlan hedge = hedged ? new HedgePlan(effective.hedge().get(), budget) : null;
    long attemptTimeout = effective.attemptTimeout().map(Duration::toNanos).orElse(0L);
    CallMetrics metrics = stream == null ? CallMetrics.create(registry, client, name)
        : CallMetrics.createStreaming(registry, client, name);
    // rpc-proxy's own adapters hand the engine's object to the caller as it is: no adapting step.
    CallAdapter adapting = adapter instanceof ReturnTypes.Identity ? null : adapter;
    return new MethodPlan(client, context.method(), context.shape(), adapting, binding,
        effective.timeout().orElseThrow().toNanos(), attemptTimeout, rateLimiter, limiter, limitName,
        breaker, retry, hedge, budget,
        fallback, context.classifier(), metrics, observations, context.timeSource(), stream);
  }

  /**
   * The streaming part of a plan, or {@code null} for a method that does not stream (or whose
   * transport returns the stream as a plain value: {@code Transports.direct}).
   */
  private static StreamPlan streamPlan(MethodContext context, BoundMethod binding, Policy effective) {
    if (!context.streaming() || !(binding instanceof StreamingMethod streaming)) {
      return null;
    }
    return new StreamPlan(streaming, effective.streamIdleTimeout().map(Duration::toNanos).orElse(0L));
  }

  /** The budget of hedges for a method without retries: the default retry budget. */
  private static final RetryPolicy HEDGE_BUDGET = RetryPolicy.builder().build();

  /** A handle that runs a {@code default} method locally, even on a non-public interface. */
  private static MethodHandle defaultMethod(Class<?> api, Method method) {
    try {
      return MethodHandles.privateLookupIn(method.getDeclaringClass(), MethodHandles.lookup())
          .unreflectSpecial(method, method.getDeclaringClass());
    } catch (IllegalAccessException e) {
      throw new IllegalArgumentException(api.getName() + "." + method.getName()
          + ": default method cannot be run locally: " + e.getMessage(), e);
    }
  }

  private static void requireKnown(Class<?> api, TreeSet<String> names, Iterable<String> asked, String what) {
    for (String name : asked) {
      if (!names.contains(name)) {
        throw new IllegalArgumentException(api.getName() + "." + name + ": no such method for " + what
            + "(\"" + name + "\", ...); methods are " + names);
      }
    }
  }

  private static boolean isObjectMethod(Method m) {
    try {
      Object.class.getMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

}
