package dev.rpcproxy.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes an interface an injectable rpc-proxy client when its package is scanned (the
 * application's auto-configuration packages, or {@link EnableRpcClients#basePackages}). Its
 * settings come from {@code rpcproxy.clients.<name>.*} over {@code rpcproxy.defaults.*}.
 *
 * <pre>{@code
 * @RpcClient("restaurants")                       // REST: rpcproxy.clients.restaurants.base-url
 * interface RestaurantApi {
 *   @GET @Path("/restaurants/{id}") Restaurant restaurant(@PathParam("id") long id);
 * }
 *
 * @RpcClient(value = "kitchen", grpcService = KitchenServiceGrpc.class)   // gRPC: ...kitchen.grpc.target
 * interface KitchenClient {
 *   Ticket createTicket(CreateTicketRequest request);
 * }
 * }</pre>
 *
 * <p>The bean is named after the interface's fully qualified name; the client's name (metrics,
 * logs, breakers, properties) is {@link #value()}. Two interfaces may not share a client name.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RpcClient {

  /** The client's name: {@code rpcproxy.clients.<name>.*}, meter tags, breaker names. Required. */
  String value();

  /**
   * For a gRPC client, the generated {@code *Grpc} class whose static {@code getServiceDescriptor()}
   * names the service (or use {@link GrpcService}). Default: none, a REST client.
   */
  Class<?> grpcService() default void.class;
}
