package dev.rpcproxy.samples.order;

import dev.rpcproxy.samples.ftgo.CreateTicketRequest;
import dev.rpcproxy.samples.ftgo.Ticket;

/** The kitchen service's gRPC API ({@code ftgo.KitchenService}) as a plain interface. */
public interface KitchenClient {

  /** Calls the RPC {@code CreateTicket} on the caller's thread. */
  Ticket createTicket(CreateTicketRequest request);
}
