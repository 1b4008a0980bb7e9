package dev.rpcproxy.spring.app;

import dev.rpcproxy.spring.RpcClient;
import dev.rpcproxy.spring.test.kitchen.CreateTicketRequest;
import dev.rpcproxy.spring.test.kitchen.KitchenServiceGrpc;
import dev.rpcproxy.spring.test.kitchen.Ticket;

@RpcClient(value = "kitchen", grpcService = KitchenServiceGrpc.class)
public interface KitchenClient {
  Ticket createTicket(CreateTicketRequest request);
}
