package dev.rpcproxy.compat.modulepath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.compat.modulepath.Clients.Greeting;
import dev.rpcproxy.compat.modulepath.Clients.NewGreeting;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/**
 * A REST and a gRPC call through rpc-proxy with the application, rpc-proxy and its libraries as
 * named modules on the module path (surefire patches this test into the application's module).
 */
class ModulePathTest {
  @Test
  void everythingRunsAsNamedModules() {
    assertEquals("dev.rpcproxy.compat.modulepath", getClass().getModule().getName(), "the test is in the app's module");
    for (Class<?> type : new Class<?>[] {RpcProxy.class, HttpTransport.class, GrpcTransport.class,
        OkHttpClient.class, ObjectMapper.class, ManagedChannel.class}) {
      Module module = type.getModule();
      assertTrue(module.isNamed(), type + " is in the unnamed module");
      assertTrue(ModuleLayer.boot().findModule(module.getName()).isPresent(), module + " is in the boot layer");
    }
    assertEquals("dev.rpcproxy.http", HttpTransport.class.getModule().getName());
    assertEquals("okhttp3", OkHttpClient.class.getModule().getName());
    Module http = HttpTransport.class.getModule();
    assertTrue(http.isExported("dev.rpcproxy.http"));
    assertTrue(http.getPackages().contains("dev.rpcproxy.http.internal"));
    assertTrue(!http.isExported("dev.rpcproxy.http.internal"), "rpc-proxy-http's internal package is not exported");
  }

  @Test
  void restCallWithJsonBodies() {
    HttpServer server = startGreeter();
    try {
      Clients.Greetings client = Clients.greetings("http://127.0.0.1:" + server.getAddress().getPort());
      assertEquals(new Greeting("hello ada", 3), client.greet("ada"));
      assertEquals(new Greeting("hello grace", 5), client.create(new NewGreeting("grace")));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void grpcCall() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("orders", ServingStatus.SERVING);
    Server server = ServerBuilder.forPort(0).addService(health.getHealthService()).build().start();
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      Clients.Health client = Clients.health(channel);
      assertEquals(ServingStatus.SERVING,
          client.check(HealthCheckRequest.newBuilder().setService("orders").build()).getStatus());
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static HttpServer startGreeter() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/greetings", exchange -> {
        String path = exchange.getRequestURI().getPath();
        String name = path.equals("/greetings")
            ? new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                .replaceAll(".*\"name\"\\s*:\\s*\"([^\"]*)\".*", "$1")
            : path.substring("/greetings/".length());
        byte[] body = ("{\"text\":\"hello " + name + "\",\"length\":" + name.length() + "}")
            .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      });
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
