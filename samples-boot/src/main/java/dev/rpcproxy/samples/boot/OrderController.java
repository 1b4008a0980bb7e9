package dev.rpcproxy.samples.boot;

import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcException;
import dev.rpcproxy.samples.downstream.Downstream;
import dev.rpcproxy.samples.downstream.Fault;
import dev.rpcproxy.samples.downstream.FaultInjector;
import dev.rpcproxy.samples.ftgo.CreateTicketRequest;
import dev.rpcproxy.samples.ftgo.LineItem;
import dev.rpcproxy.samples.ftgo.Ticket;
import dev.rpcproxy.samples.ftgo.ValidateConsumerRequest;
import dev.rpcproxy.samples.ftgo.ValidateConsumerResponse;
import dev.rpcproxy.samples.order.MenuItem;
import dev.rpcproxy.samples.order.Restaurant;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The order service's own API: {@code POST /orders?consumer=1&restaurant=1&item=1-1} validates the
 * consumer (gRPC, async) while it reads the restaurant (REST), then creates a kitchen ticket (gRPC).
 * {@code POST /faults/{service}?errors=1.0} makes a downstream service fail, to watch the breakers
 * at {@code /actuator/rpcclients} and {@code /actuator/health}.
 */
@RestController
public class OrderController {
  /** A placed order. */
  public record PlacedOrder(String ticketId, String consumer, String restaurant, String item, long priceCents) {}

  private final RestaurantClient restaurants;
  private final ConsumerClient consumers;
  private final KitchenClient kitchen;
  private final FaultInjector faults;

  public OrderController(RestaurantClient restaurants, ConsumerClient consumers, KitchenClient kitchen,
      FaultInjector faults) {
    this.restaurants = restaurants;
    this.consumers = consumers;
    this.kitchen = kitchen;
    this.faults = faults;
  }

  @GetMapping("/restaurants/{id}")
  public Restaurant restaurant(@PathVariable long id) {
    return restaurants.restaurant(id);
  }

  @PostMapping("/orders")
  public PlacedOrder placeOrder(@RequestParam long consumer, @RequestParam long restaurant,
      @RequestParam String item) {
    CompletableFuture<ValidateConsumerResponse> validated =
        consumers.validateConsumerAsync(ValidateConsumerRequest.newBuilder().setConsumerId(consumer).build());
    Restaurant found = restaurants.restaurant(restaurant);
    MenuItem dish = found.item(item).orElseThrow(() -> new IllegalArgumentException(
        "restaurant " + restaurant + " has no item " + item));
    ValidateConsumerResponse who;
    try {
      who = validated.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    Ticket ticket = kitchen.createTicket(CreateTicketRequest.newBuilder()
        .setRestaurantId(restaurant).setConsumerId(consumer)
        .addLineItems(LineItem.newBuilder().setMenuItemId(item).setQuantity(1)).build());
    return new PlacedOrder(ticket.getTicketId(), who.getName(), found.name(), dish.name(), dish.priceCents());
  }

  /** Makes {@code service} ({@code restaurants}, {@code consumers}, {@code kitchen}) fail a share of its calls. */
  @PostMapping("/faults/{service}")
  public Map<String, Object> fault(@PathVariable String service, @RequestParam(defaultValue = "1.0") double errors) {
    Downstream which = Downstream.valueOf(service.toUpperCase(java.util.Locale.ROOT));
    faults.set(which, Fault.healthy(Duration.ofMillis(3), Duration.ofMillis(2)).withErrors(errors));
    return Map.of("service", which.label(), "errorShare", errors);
  }

  /**
   * A downstream call failed. The caller's own error (a downstream refused what this order asks,
   * e.g. the consumer service's {@code FAILED_PRECONDITION} for a consumer who may not order:
   * {@link RemoteCallException#isClientError()}) is 422 Unprocessable Content: the request was well
   * formed, but it cannot be done, and sending it again will not help. Everything else (the
   * service failed, timed out, or its breaker is open) is 503 Service Unavailable. The downstream's
   * own message is not passed on; its status is.
   */
  @ExceptionHandler(RpcException.class)
  public ResponseEntity<Map<String, String>> failed(RpcException e) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", e.getClass().getSimpleName());
    body.put("client", e.client());
    body.put("method", e.method());
    if (e instanceof RemoteCallException remote) {
      body.put("status", remote.status());
      if (remote.isClientError()) {
        return ResponseEntity.unprocessableContent().body(body);
      }
    }
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(body);
  }

  @ExceptionHandler(IllegalArgumentException.class)
  public ResponseEntity<Map<String, String>> badRequest(IllegalArgumentException e) {
    return ResponseEntity.badRequest().body(Map.of("error", String.valueOf(e.getMessage())));
  }
}
