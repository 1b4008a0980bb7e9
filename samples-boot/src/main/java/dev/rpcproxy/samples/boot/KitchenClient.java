package dev.rpcproxy.samples.boot;

import dev.rpcproxy.samples.ftgo.CreateTicketRequest;
import dev.rpcproxy.samples.ftgo.KitchenServiceGrpc;
import dev.rpcproxy.samples.ftgo.Ticket;
import dev.rpcproxy.spring.RpcClient;

/** The kitchen service over gRPC; settings under {@code rpcproxy.clients.kitchen}. */
@RpcClient(value = "kitchen", grpcService = KitchenServiceGrpc.class)
public interface KitchenClient {
  Ticket createTicket(CreateTicketRequest request);
}
