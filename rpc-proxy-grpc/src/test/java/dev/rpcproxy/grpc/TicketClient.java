package dev.rpcproxy.grpc;

import dev.rpcproxy.grpc.test.CreateTicketRequest;
import dev.rpcproxy.grpc.test.GetTicketRequest;
import dev.rpcproxy.grpc.test.Ticket;
import java.util.concurrent.CompletableFuture;

/** The interface the tests proxy: mirrors the unary RPCs of {@code TicketService}. */
interface TicketClient {
  Ticket createTicket(CreateTicketRequest request);

  CompletableFuture<Ticket> createTicketAsync(CreateTicketRequest request);

  Ticket getTicket(GetTicketRequest request);

  CompletableFuture<Ticket> getTicketAsync(GetTicketRequest request);
}
