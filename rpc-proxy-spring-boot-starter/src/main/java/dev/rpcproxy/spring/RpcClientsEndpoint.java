package dev.rpcproxy.spring;

import dev.rpcproxy.BreakerUpdate;
import dev.rpcproxy.ClientView;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.spring.internal.RpcClientBeans;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.convert.DurationStyle;

/**
 * The Actuator endpoint {@code rpcclients} ({@code GET /actuator/rpcclients}, and
 * {@code /actuator/rpcclients/{name}}): each client's transport, target, per-method policy,
 * breaker states (forced ones included), calls in flight and limit. Expose it as any endpoint:
 * {@code management.endpoints.web.exposure.include=health,rpcclients}.
 *
 * <p>{@code POST /actuator/rpcclients/{name}} with {@code {"updateState": "FORCE_OPEN"}} (or
 * {@code CLOSE}, {@code DISABLE}: Resilience4j's own endpoint's words) changes every breaker of
 * the client and answers with the client as it is then; an unknown state is answered 400, an
 * unknown client 404.
 */
@Endpoint(id = "rpcclients")
public class RpcClientsEndpoint {
  private final RpcClientBeans clients;

  public RpcClientsEndpoint(RpcClientBeans clients) {
    this.clients = clients;
  }

  /** Every client by name. */
  @ReadOperation
  public Map<String, Client> clients() {
    Map<String, Client> all = new LinkedHashMap<>();
    for (RpcClientBeans.Entry entry : clients.clients()) {
      all.put(entry.name(), describe(entry));
    }
    return all;
  }

  /** One client, or {@code null} (404) if there is none of that name. */
  @ReadOperation
  public Client client(@Selector String name) {
    return clients.clients().stream().filter(e -> e.name().equals(name)).findFirst().map(RpcClientsEndpoint::describe)
        .orElse(null);
  }

  /** Forces the breakers of one client open, closes them or disables them. */
  @WriteOperation
  public WebEndpointResponse<Client> updateState(@Selector String name, String updateState) {
    BreakerUpdate update;
    try {
      update = BreakerUpdate.valueOf(updateState);
    } catch (IllegalArgumentException e) {
      throw new InvalidEndpointRequestException("updateState must be one of " + Arrays.toString(BreakerUpdate.values()),
          "unknown updateState");
    }
    return clients.clients().stream().filter(e -> e.name().equals(name)).findFirst()
        .map(entry -> {
          RpcProxy.updateBreakers(entry.proxy(), update);
          return new WebEndpointResponse<>(describe(entry), WebEndpointResponse.STATUS_OK);
        })
        .orElseGet(() -> new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND));
  }

  private static Client describe(RpcClientBeans.Entry entry) {
    ClientView view = RpcProxy.inspect(entry.proxy());
    Map<String, Method> methods = new LinkedHashMap<>();
    for (ClientView.MethodView m : view.methods()) {
      methods.putIfAbsent(m.name(), new Method(DurationStyle.SIMPLE.print(m.timeout()), m.maxAttempts(), m.breaker(), m.limit(), m.fallback(), m.async()));
    }
    Map<String, Breaker> breakers = new LinkedHashMap<>();
    for (ClientView.BreakerView b : view.breakers()) {
      breakers.put(b.name(), new Breaker(b.state().name(), b.failureRate(), b.slowCallRate(), b.bufferedCalls(),
          b.failedCalls(), b.notPermittedCalls()));
    }
    return new Client(view.api().getName(), entry.kind(), entry.target(), view.transport(), view.inFlight(),
        view.limit(), view.limits(), methods, breakers);
  }

  /**
   * One client.
   *
   * @param api the interface
   * @param transport {@code rest} or {@code grpc}
   * @param target base URL, endpoints or gRPC target, as configured
   * @param description the transport's own description
   * @param inFlight calls in flight now
   * @param limit the client's limit on outstanding calls
   * @param limits every bulkhead of the client (the client's, and methods' own)
   * @param methods each method's policy
   * @param breakers each breaker's state
   */
  public record Client(String api, String transport, String target, String description, int inFlight, int limit,
      List<ClientView.LimitView> limits, Map<String, Method> methods, Map<String, Breaker> breakers) {}

  /**
   * One method's policy.
   *
   * @param timeout the whole-call deadline, in Boot's format ({@code 300ms}, {@code 2s})
   * @param maxAttempts attempts in all (1: no retries)
   * @param breaker its breaker's name
   * @param limit its bulkhead's name
   * @param fallback whether a fallback answers its failures
   * @param async whether it is non-blocking
   */
  public record Method(String timeout, int maxAttempts, String breaker, String limit, boolean fallback,
      boolean async) {}

  /**
   * One breaker.
   *
   * @param state {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}, ...
   * @param failureRate percent, {@code -1} until enough calls
   * @param slowCallRate percent, {@code -1} until enough calls
   * @param bufferedCalls calls in the window
   * @param failedCalls failed calls in the window
   * @param notPermittedCalls calls rejected since it last closed
   */
  public record Breaker(String state, float failureRate, float slowCallRate, int bufferedCalls, int failedCalls,
      long notPermittedCalls) {}
}
