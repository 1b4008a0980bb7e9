package dev.rpcproxy.samples.boot;

import dev.rpcproxy.samples.ftgo.ConsumerServiceGrpc;
import dev.rpcproxy.samples.ftgo.ValidateConsumerRequest;
import dev.rpcproxy.samples.ftgo.ValidateConsumerResponse;
import dev.rpcproxy.spring.RpcClient;
import java.util.concurrent.CompletableFuture;

/** The consumer service over gRPC, non-blocking; settings under {@code rpcproxy.clients.consumers}. */
@RpcClient(value = "consumers", grpcService = ConsumerServiceGrpc.class)
public interface ConsumerClient {
  CompletableFuture<ValidateConsumerResponse> validateConsumerAsync(ValidateConsumerRequest request);
}
