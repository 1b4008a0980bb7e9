package dev.rpcproxy.samples.order;

import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.samples.ftgo.CreateTicketRequest;
import dev.rpcproxy.samples.ftgo.LineItem;
import dev.rpcproxy.samples.ftgo.Ticket;
import dev.rpcproxy.samples.ftgo.TicketEvent;
import dev.rpcproxy.samples.ftgo.WatchTicketRequest;
import java.util.List;
import dev.rpcproxy.samples.ftgo.ValidateConsumerRequest;
import dev.rpcproxy.samples.ftgo.ValidateConsumerResponse;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * Creating an order, as in the FTGO application of <i>Microservices Patterns</i>: ask the
 * restaurant service for the menu (REST) while the consumer service validates the consumer
 * (gRPC), then have the kitchen service open a ticket (gRPC).
 *
 * <p>The code knows nothing of timeouts, retries, breakers or caches: the three clients are
 * rpc-proxy interfaces and carry their policies (see {@link FtgoClients}). It only sorts what can
 * go wrong into the caller's fault ({@link OrderRejectedException}) and a dependency's
 * ({@link OrderFailedException}).
 */
public final class OrderService {
  private final RestaurantApi restaurants;
  private final ConsumerClient consumers;
  private final KitchenClient kitchen;

  public OrderService(RestaurantApi restaurants, ConsumerClient consumers, KitchenClient kitchen) {
    this.restaurants = Objects.requireNonNull(restaurants, "restaurants");
    this.consumers = Objects.requireNonNull(consumers, "consumers");
    this.kitchen = Objects.requireNonNull(kitchen, "kitchen");
  }

  /**
   * Places an order.
   *
   * @throws OrderRejectedException if the order is wrong: unknown restaurant or dish, or a consumer
   *     the consumer service refuses
   * @throws OrderFailedException if a dependency failed and its client had no fallback answer
   */
  public PlacedOrder createOrder(OrderRequest order) throws InterruptedException {
    CompletableFuture<Restaurant> restaurant = restaurants.restaurantAsync(order.restaurantId());
    CompletableFuture<ValidateConsumerResponse> consumer = consumers.validateConsumerAsync(
        ValidateConsumerRequest.newBuilder().setConsumerId(order.consumerId()).build());
    Restaurant menu;
    try {
      menu = await(restaurant, "restaurant " + order.restaurantId());
      await(consumer, "consumer " + order.consumerId());
    } finally {
      // If one branch failed, the other's answer is useless: cancelling the future cancels the RPC.
      restaurant.cancel(true);
      consumer.cancel(true);
    }

    CreateTicketRequest.Builder ticket = CreateTicketRequest.newBuilder()
        .setRestaurantId(menu.id())
        .setConsumerId(order.consumerId());
    long total = 0;
    for (OrderRequest.Line line : order.lines()) {
      MenuItem item = menu.item(line.menuItemId()).orElseThrow(() -> new OrderRejectedException(
          menu.name() + " has no dish " + line.menuItemId(), null));
      total += item.priceCents() * line.quantity();
      ticket.addLineItems(LineItem.newBuilder().setMenuItemId(item.id()).setQuantity(line.quantity()));
    }
    Ticket created;
    try {
      created = kitchen.createTicket(ticket.build());
    } catch (RuntimeException e) {
      throw classify(e, "kitchen ticket");
    }
    return new PlacedOrder(created.getTicketId(), menu.name(), total);
  }

  /**
   * Follows a ticket until the kitchen says it is ready for pickup: the states it went through,
   * in order (a server stream; the stream is closed, and the RPC cancelled, if reading fails).
   *
   * @throws OrderRejectedException if the kitchen does not know the ticket
   * @throws OrderFailedException if the kitchen failed, went silent or timed out
   */
  public List<String> followTicket(String ticketId) {
    try (Stream<TicketEvent> events = kitchen.watchTicket(WatchTicketRequest.newBuilder().setTicketId(ticketId).build())) {
      return events.map(TicketEvent::getState).toList();
    } catch (RuntimeException e) {
      throw classify(e, "kitchen ticket " + ticketId + " updates");
    }
  }

  private static <T> T await(CompletableFuture<T> future, String what) throws InterruptedException {
    try {
      return future.get();
    } catch (ExecutionException | CompletionException e) {
      throw classify(e.getCause() != null ? e.getCause() : e, what);
    }
  }

  private static RuntimeException classify(Throwable failure, String what) {
    if (failure instanceof RemoteCallException remote && remote.isClientError()) {
      return new OrderRejectedException(what + " refused: " + remote.getMessage(), remote);
    }
    return new OrderFailedException(what + " failed: " + failure.getMessage(), failure);
  }
}
