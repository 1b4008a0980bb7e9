package dev.rpcproxy.spring;

import dev.rpcproxy.ClientView;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.spring.internal.RpcClientBeans;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Health contributor {@code rpcClients}: each client's breaker states in the details, and a
 * status that is {@code UP} while every breaker is closed, {@code rpcproxy.health.open-status}
 * (default {@code CIRCUIT_OPEN}) while one is open or forced open, and
 * {@code rpcproxy.health.half-open-status} (default {@code CIRCUIT_HALF_OPEN}) while one probes.
 *
 * <p>As Resilience4j's {@code allowHealthIndicatorToFail=false} teaches, an open breaker is the
 * client protecting the application from a failing dependency, not the application failing: by
 * default it does not turn the application's health {@code DOWN} (Boot's aggregation ignores a
 * status missing from {@code management.endpoint.health.status.order}). Set
 * {@code rpcproxy.health.open-status=DOWN}, or map the status, to make it count. Disable with
 * {@code management.health.rpcclients.enabled=false}.
 */
public class RpcClientsHealthIndicator implements HealthIndicator {
  private final RpcClientBeans clients;
  private final RpcProxyProperties.Health settings;

  public RpcClientsHealthIndicator(RpcClientBeans clients, RpcProxyProperties.Health settings) {
    this.clients = clients;
    this.settings = settings;
  }

  @Override
  public Health health() {
    boolean open = false;
    boolean halfOpen = false;
    Map<String, Object> details = new LinkedHashMap<>();
    for (RpcClientBeans.Entry entry : clients.clients()) {
      ClientView view = RpcProxy.inspect(entry.proxy());
      Map<String, Object> breakers = new LinkedHashMap<>();
      for (ClientView.BreakerView breaker : view.breakers()) {
        CircuitBreaker.State state = breaker.state();
        open |= state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
        halfOpen |= state == CircuitBreaker.State.HALF_OPEN;
        breakers.put(breaker.name(), Map.of("state", state.name(), "failureRate", breaker.failureRate(),
            "notPermittedCalls", breaker.notPermittedCalls()));
      }
      details.put(entry.name(), Map.of("breakers", breakers, "inFlight", view.inFlight(), "limit", view.limit()));
    }
    Status status = open ? new Status(settings.getOpenStatus())
        : halfOpen ? new Status(settings.getHalfOpenStatus()) : Status.UP;
    return Health.status(status).withDetails(details).build();
  }
}
