package dev.rpcproxy.internal;

import dev.rpcproxy.ClientView;
import dev.rpcproxy.internal.limit.CallLimiter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the {@link ClientView} of one proxy from its plans; reads state, changes nothing. */
public final class ClientInspector {
  private ClientInspector() {}

  /** The view of the client {@code handler} serves. */
  public static ClientView view(ProxyHandler handler) {
    List<MethodPlan> plans = new ArrayList<>(handler.plans());
    plans.sort(Comparator.comparing((MethodPlan p) -> p.methodName).thenComparing(p -> p.method.toGenericString()));
    List<ClientView.MethodView> methods = new ArrayList<>();
    Map<String, BreakerGuard> breakers = new LinkedHashMap<>();
    Map<String, CallLimiter> limiters = new LinkedHashMap<>();
    for (MethodPlan plan : plans) {
      methods.add(new ClientView.MethodView(plan.methodName, plan.async, Duration.ofNanos(plan.timeoutNanos),
          plan.retry == null ? 1 : plan.retry.maxAttempts(), plan.breaker.getName(), plan.limitName,
          plan.fallback != null));
      breakers.putIfAbsent(plan.breaker.getName(), plan.guard);
      limiters.putIfAbsent(plan.limitName, plan.limiter);
    }
    List<ClientView.BreakerView> breakerViews = new ArrayList<>();
    for (BreakerGuard guard : breakers.values()) {
      CircuitBreaker breaker = guard.breaker();
      CircuitBreaker.Metrics m = guard.metrics();
      breakerViews.add(new ClientView.BreakerView(breaker.getName(), breaker.getState(), m.getFailureRate(),
          m.getSlowCallRate(), m.getNumberOfBufferedCalls(), m.getNumberOfFailedCalls(),
          m.getNumberOfNotPermittedCalls()));
    }
    List<ClientView.LimitView> limits = new ArrayList<>();
    limiters.forEach((name, limiter) -> limits.add(new ClientView.LimitView(name, limiter.inFlight(), limiter.limit())));
    return new ClientView(handler.client(), handler.api(), String.valueOf(handler.transport()), methods,
        breakerViews, limits);
  }
}
