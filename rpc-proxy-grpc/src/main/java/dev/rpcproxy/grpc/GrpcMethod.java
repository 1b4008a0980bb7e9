package dev.rpcproxy.grpc;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the RPC an interface method calls, when the method's name does not follow the default
 * ({@code createTicket} and {@code createTicketAsync} call {@code CreateTicket}).
 *
 * <pre>{@code
 * interface TicketClient {
 *   @GrpcMethod("CreateTicket")
 *   Ticket open(CreateTicketRequest request);
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface GrpcMethod {

  /**
   * The RPC's name as written in the {@code .proto} ({@code "CreateTicket"}), or its full name
   * ({@code "pkg.TicketService/CreateTicket"}), which must then name the transport's service.
   */
  String value();
}
