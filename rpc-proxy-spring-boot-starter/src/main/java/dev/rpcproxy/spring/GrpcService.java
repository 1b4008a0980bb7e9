package dev.rpcproxy.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an {@link RpcClient} interface as a gRPC client of the service that the generated
 * {@code *Grpc} class describes (its static {@code getServiceDescriptor()}); the same as
 * {@code @RpcClient(value = ..., grpcService = ...)}.
 *
 * <pre>{@code
 * @RpcClient("kitchen")
 * @GrpcService(KitchenServiceGrpc.class)
 * interface KitchenClient { Ticket createTicket(CreateTicketRequest request); }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface GrpcService {

  /** The generated {@code *Grpc} class. */
  Class<?> value();
}
