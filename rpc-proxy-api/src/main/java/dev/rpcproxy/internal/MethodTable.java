package dev.rpcproxy.internal;

import java.lang.reflect.Method;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Finds a method's plan from the {@link Method} the proxy passes. The proxy hands the same
 * {@code Method} instance on every call, so after the first call per method the lookup is by
 * identity; the first goes through {@link Method#equals}. Copy-on-write: reads take no lock.
 */
final class MethodTable {
  private final Map<Method, MethodPlan> byEquality;
  private volatile IdentityHashMap<Method, MethodPlan> byIdentity = new IdentityHashMap<>();

  MethodTable(Map<Method, MethodPlan> plans) {
    this.byEquality = Map.copyOf(plans);
  }

  MethodPlan get(Method method) {
    MethodPlan plan = byIdentity.get(method);
    if (plan != null) {
      return plan;
    }
    plan = byEquality.get(method);
    if (plan != null) {
      remember(method, plan);
    }
    return plan;
  }

  private synchronized void remember(Method method, MethodPlan plan) {
    IdentityHashMap<Method, MethodPlan> copy = new IdentityHashMap<>(byIdentity);
    copy.put(method, plan);
    byIdentity = copy;
  }
}
