package dev.rpcproxy.internal;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds what to do for the {@link Method} the proxy passes: a {@link MethodPlan} for methods that
 * are sent, a {@link java.lang.invoke.MethodHandle} for {@code default} methods that run locally. The proxy hands the same
 * {@code Method} instance on every call, so after the first call per method the lookup is by
 * identity; the first goes through {@link Method#equals}. Copy-on-write: reads take no lock.
 */
final class MethodTable {
  private final Map<Method, Object> byEquality;
  private volatile IdentityHashMap<Method, Object> byIdentity = new IdentityHashMap<>();

  MethodTable(Map<Method, Object> plans) {
    this.byEquality = Map.copyOf(plans);
  }

  /** Every {@link MethodPlan} (not the default methods' handles), in no particular order. */
  List<MethodPlan> plans() {
    List<MethodPlan> plans = new ArrayList<>();
    for (Object entry : byEquality.values()) {
      if (entry instanceof MethodPlan plan) {
        plans.add(plan);
      }
    }
    return plans;
  }

  Object get(Method method) {
    Object plan = byIdentity.get(method);
    if (plan != null) {
      return plan;
    }
    plan = byEquality.get(method);
    if (plan != null) {
      remember(method, plan);
    }
    return plan;
  }

  private synchronized void remember(Method method, Object plan) {
    IdentityHashMap<Method, Object> copy = new IdentityHashMap<>(byIdentity);
    copy.put(method, plan);
    byIdentity = copy;
  }
}
