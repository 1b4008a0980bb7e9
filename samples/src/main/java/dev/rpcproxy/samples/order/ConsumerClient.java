package dev.rpcproxy.samples.order;

import dev.rpcproxy.samples.ftgo.ValidateConsumerRequest;
import dev.rpcproxy.samples.ftgo.ValidateConsumerResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The consumer service's gRPC API ({@code ftgo.ConsumerService}) as a plain interface:
 * {@code validateConsumerAsync} calls the RPC {@code ValidateConsumer} without blocking.
 */
public interface ConsumerClient {

  CompletableFuture<ValidateConsumerResponse> validateConsumerAsync(ValidateConsumerRequest request);
}
