package dev.rpcproxy.internal;

import dev.rpcproxy.Fallback;
import dev.rpcproxy.FailureClassifier;
import dev.rpcproxy.Idempotent;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.TimeSource;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import dev.rpcproxy.spi.Transport;
import dev.rpcproxy.internal.limit.CallLimiter;
import dev.rpcproxy.internal.limit.CallRateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

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
      MeterRegistry registry, FailureClassifier classifier, TimeSource time) {
    Method[] methods = Arrays.stream(api.getMethods())
        .filter(m -> !Modifier.isStatic(m.getModifiers()) && !m.isDefault() && !isObjectMethod(m))
        .sorted(Comparator.comparing(Method::getName).thenComparing(Method::toGenericString))
        .toArray(Method[]::new);
    TreeSet<String> names = new TreeSet<>();
    for (Method m : methods) {
      names.add(m.getName());
    }
    requireKnown(api, names, methodPolicies.keySet(), "policy");
    requireKnown(api, names, methodFallbacks.keySet(), "fallback");

    Policy clientPolicy = policy.inheritingFrom(Policy.defaults());
    ClientResources resources = new ClientResources(client, time);
    Map<RetryPolicy, RetryBudget> budgets = new IdentityHashMap<>();
    Map<Method, Object> plans = new HashMap<>();
    for (Method method : api.getMethods()) {
      if (method.isDefault()) {
        plans.put(method, defaultMethod(api, method));
      }
    }
    for (Method method : methods) {
      String where = api.getName() + "." + method.getName();
      Policy override = methodPolicies.get(method.getName());
      Policy effective = override == null ? clientPolicy : override.inheritingFrom(clientPolicy);

      boolean ownBreaker = (override != null && override.circuitBreaker().isPresent())
          || effective.circuitBreakerPerMethod().orElseThrow();
      BreakerGuard breaker = resources.breaker(
          ownBreaker ? client + "." + method.getName() : client, effective.circuitBreaker().orElseThrow());
      boolean ownBulkhead = override != null
          && (override.concurrencyLimit().isPresent() || override.maxWaitForPermit().isPresent());
      CallLimiter limiter = resources.limiter(ownBulkhead ? client + "." + method.getName() : client,
          effective.concurrencyLimit().orElseThrow(), effective.maxWaitForPermit().orElseThrow());
      CallRateLimiter rateLimiter = null;
      if (effective.rateLimit().isPresent()) {
        boolean ownRateLimit = override != null && override.rateLimit().isPresent();
        rateLimiter = resources.rateLimiter(ownRateLimit ? client + "." + method.getName() : client,
            effective.rateLimit().orElseThrow());
      }

      MethodContext context = context(api, client, method, where);
      BoundMethod binding;
      try {
        binding = transport.bind(context);
      } catch (IllegalArgumentException e) {
        String message = e.getMessage() == null ? "cannot be bound" : e.getMessage();
        throw new IllegalArgumentException(
            message.contains(where) ? message : where + ": " + message, e);
      }
      if (binding == null) {
        throw new IllegalArgumentException(where + ": transport " + transport + " returned no binding");
      }

      Fallback methodFallback = methodFallbacks.getOrDefault(method.getName(), fallback);
      if (methodFallback != null) {
        try {
          methodFallback.validate(method);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
      }

      RetryPolicy retryPolicy = effective.retry().orElseThrow();
      boolean idempotent = binding.isIdempotent() || method.isAnnotationPresent(Idempotent.class);
      RetryPlan retry = null;
      if (retryPolicy.maxAttempts() > 1 && idempotent) {
        retry = new RetryPlan(retryPolicy, budgets.computeIfAbsent(retryPolicy, p -> new RetryBudget(p, time)));
      }
      plans.put(method, new MethodPlan(client, method, context.async(), binding,
          effective.timeout().orElseThrow().toNanos(), rateLimiter, limiter,
          !effective.maxWaitForPermit().orElseThrow().isZero(), breaker, retry,
          methodFallback,
          classifier, CallMetrics.create(registry, client, method.getName()), time));
    }
    resources.bindMetrics(registry);
    return new ProxyHandler(api, client, transport, new MethodTable(plans));
  }

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

  private static MethodContext context(Class<?> api, String client, Method method, String where) {
    Class<?> returns = method.getReturnType();
    boolean async = returns == CompletableFuture.class || returns == CompletionStage.class;
    if (!async && Future.class.isAssignableFrom(returns)) {
      throw new IllegalArgumentException(where + ": return type " + returns.getSimpleName()
          + " is not supported; return CompletableFuture or CompletionStage for a non-blocking call");
    }
    Type valueType;
    if (async) {
      Type generic = method.getGenericReturnType();
      if (!(generic instanceof ParameterizedType parameterized)) {
        throw new IllegalArgumentException(where + ": " + returns.getSimpleName()
            + " needs a type argument, e.g. CompletableFuture<Restaurant>");
      }
      valueType = parameterized.getActualTypeArguments()[0];
    } else {
      valueType = returns == void.class ? Void.class : method.getGenericReturnType();
    }
    return new MethodContext(client, api, method, async, valueType);
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
