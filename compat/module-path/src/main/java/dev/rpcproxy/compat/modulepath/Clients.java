package dev.rpcproxy.compat.modulepath;

import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import java.time.Duration;

/** The application's clients, built as the README shows, from inside the application's module. */
public final class Clients {
  private Clients() {}

  /** A JSON body type: a record in a package opened to Jackson only. */
  public record Greeting(String text, int length) {}

  /** A JSON request body. */
  public record NewGreeting(String name) {}

  /** A REST service. */
  @Path("/greetings")
  public interface Greetings {
    /** GET /greetings/{name}. */
    @GET @Path("/{name}") @Produces("application/json")
    Greeting greet(@PathParam("name") String name);

    /** POST /greetings. */
    @POST @Produces("application/json")
    Greeting create(NewGreeting body);
  }

  /** grpc.health.v1.Health, unary Check only. */
  public interface Health {
    /** Check. */
    HealthCheckResponse check(HealthCheckRequest request);
  }

  /** A REST client over {@code baseUrl}. */
  public static Greetings greetings(String baseUrl) {
    return RpcProxy.builder(Greetings.class)
        .transport(HttpTransport.builder().baseUrl(baseUrl).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(10)).build())
        .build();
  }

  /** A gRPC client over {@code channel}. */
  public static Health health(ManagedChannel channel) {
    return RpcProxy.builder(Health.class)
        .transport(GrpcTransport.builder(channel, HealthGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(10)).build())
        .build();
  }
}
