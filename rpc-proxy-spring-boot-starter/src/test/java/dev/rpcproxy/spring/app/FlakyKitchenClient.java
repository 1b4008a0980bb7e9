package dev.rpcproxy.spring.app;

import dev.rpcproxy.spring.GrpcService;
import dev.rpcproxy.spring.RpcClient;
import dev.rpcproxy.spring.test.kitchen.CreateTicketRequest;
import dev.rpcproxy.spring.test.kitchen.KitchenServiceGrpc;
import dev.rpcproxy.spring.test.kitchen.Ticket;

/** The same service under another client name, with a breaker that opens after two failures. */
@RpcClient("flaky-kitchen")
@GrpcService(KitchenServiceGrpc.class)
public interface FlakyKitchenClient {
  Ticket createTicket(CreateTicketRequest request);
}
