package dev.rpcproxy.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.Endpoints;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.GrpcChannels;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a user's project does first: a gRPC health check (grpc-java's own health service, Netty on
 * loopback) and a REST call, both through rpc-proxy, on the libraries this project declares. The
 * same test runs in every compat project; each project's POM is the thing under test.
 */
class UserProjectTest {
  /** grpc.health.v1.Health, unary Check only. */
  interface Health {
    HealthCheckResponse check(HealthCheckRequest request);

    CompletableFuture<HealthCheckResponse> checkAsync(HealthCheckRequest request);
  }

  public record Greeting(String text, int length) {}

  @Path("/greetings")
  interface Greetings {
    @GET @Path("/{name}") @Produces("application/json")
    Greeting greet(@PathParam("name") String name);
  }

  @Test
  void grpcHealthCheckThroughRpcProxy() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("orders", ServingStatus.SERVING);
    Server server = ServerBuilder.forPort(0).addService(health.getHealthService()).build().start();
    EndpointSource endpoints = Endpoints.of("http://127.0.0.1:" + server.getPort());
    // The balanced channel builds grpc-java's name resolver and load balancers: where mixed grpc
    // versions fail (NoClassDefFoundError / NoSuchMethodError) when a channel is built.
    ManagedChannel channel = GrpcChannels.balanced(endpoints).usePlaintext().build();
    try {
      Health client = RpcProxy.builder(Health.class)
          .transport(GrpcTransport.builder(channel, HealthGrpc.getServiceDescriptor()).build())
          .policy(Policy.builder().timeout(Duration.ofSeconds(10)).build())
          .meterRegistry(new SimpleMeterRegistry())
          .build();
      HealthCheckRequest orders = HealthCheckRequest.newBuilder().setService("orders").build();
      assertEquals(ServingStatus.SERVING, client.check(orders).getStatus());
      assertEquals(ServingStatus.SERVING, client.checkAsync(orders).get(10, TimeUnit.SECONDS).getStatus());
      RemoteCallException unknown = assertThrows(RemoteCallException.class,
          () -> client.check(HealthCheckRequest.newBuilder().setService("nobody").build()));
      assertEquals("NOT_FOUND", unknown.status());
      assertTrue(unknown.isClientError());
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      endpoints.close();
    }
  }

  @Test
  void restCallThroughRpcProxy() {
    HttpServer server = startGreeter();
    try {
      Greetings client = RpcProxy.builder(Greetings.class)
          .transport(HttpTransport.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort()).build())
          .policy(Policy.builder().timeout(Duration.ofSeconds(10)).build())
          .meterRegistry(new SimpleMeterRegistry())
          .build();
      assertEquals(new Greeting("hello semi;colon ü", 12), client.greet("semi;colon ü"));
    } finally {
      server.stop(0);
    }
  }

  /**
   * The classes come from the jars this project means to test (system property
   * {@code expected.jars}: {@code class=jar-file-name,...}), and from no other.
   */
  @Test
  void librariesAreTheOnesThisProjectDeclares() throws Exception {
    String expected = System.getProperty("expected.jars", "");
    assertFalse(expected.isBlank(), "the project's POM sets expected.jars");
    for (String pair : expected.split(",")) {
      String[] parts = pair.trim().split("=");
      Class<?> type = Class.forName(parts[0]);
      String jar = new File(type.getProtectionDomain().getCodeSource().getLocation().toURI()).getName();
      assertEquals(parts[1], jar, parts[0] + " is loaded from " + jar);
    }
    String forbidden = System.getProperty("forbidden.jar.prefixes", "");
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    assertTrue(classPath.contains("rpc-proxy-api"), "the test class path is at hand: " + classPath);
    for (String prefix : forbidden.split(",")) {
      if (!prefix.isBlank()) {
        for (String entry : classPath.split(File.pathSeparator)) {
          assertFalse(new File(entry).getName().startsWith(prefix.trim()), entry + " is on the class path");
        }
      }
    }
  }

  private static HttpServer startGreeter() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/greetings/", exchange -> {
        String name = exchange.getRequestURI().getPath().substring("/greetings/".length());
        String json = "{\"text\":\"hello " + name + "\",\"length\":" + name.length() + "}";
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      });
      server.start();
      return server;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
