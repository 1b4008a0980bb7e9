package dev.rpcproxy.samples.order;

import dev.rpcproxy.samples.ftgo.CreateTicketRequest;
import dev.rpcproxy.samples.ftgo.Ticket;
import dev.rpcproxy.samples.ftgo.TicketEvent;
import dev.rpcproxy.samples.ftgo.WatchTicketRequest;
import java.util.stream.Stream;

/** The kitchen service's gRPC API ({@code ftgo.KitchenService}) as a plain interface. */
public interface KitchenClient {

  /** Calls the RPC {@code CreateTicket} on the caller's thread. */
  Ticket createTicket(CreateTicketRequest request);

  /** Follows the server-streaming RPC {@code WatchTicket}; closing the stream cancels it. */
  Stream<TicketEvent> watchTicket(WatchTicketRequest request);
}
