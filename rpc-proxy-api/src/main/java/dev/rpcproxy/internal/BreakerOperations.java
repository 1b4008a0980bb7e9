package dev.rpcproxy.internal;

import dev.rpcproxy.BreakerUpdate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An operator's changes to one client's circuit breakers. */
public final class BreakerOperations {
  private BreakerOperations() {}

  /**
   * Applies {@code update} to each breaker of the client {@code handler} serves, or only to the
   * one named {@code breaker} when it is not {@code null}.
   *
   * @return the names of the breakers changed
   * @throws IllegalArgumentException if the client has no breaker of that name
   */
  public static List<String> update(ProxyHandler handler, String breaker, BreakerUpdate update) {
    Map<String, BreakerGuard> guards = new LinkedHashMap<>();
    for (MethodPlan plan : handler.plans()) {
      guards.putIfAbsent(plan.guard.breaker().getName(), plan.guard);
    }
    if (breaker != null && !guards.containsKey(breaker)) {
      throw new IllegalArgumentException("client '" + handler.client() + "' has no circuit breaker '" + breaker
          + "'; it has " + guards.keySet());
    }
    List<String> changed = new ArrayList<>();
    guards.forEach((name, guard) -> {
      if (breaker == null || breaker.equals(name)) {
        guard.update(update);
        changed.add(name);
      }
    });
    return changed;
  }
}
