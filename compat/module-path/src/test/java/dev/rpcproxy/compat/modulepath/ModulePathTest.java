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
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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

  /**
   * The application's own main, in a JVM of its own started with {@code --module-path} and
   * {@code --module} only: what runs there is not helped by surefire's patching or its
   * {@code --add-opens}, so a missing {@code opens} for Jackson or a missing {@code requires}
   * fails here.
   */
  @Test
  void theApplicationsMainOnTheModulePath() throws Exception {
    HttpServer rest = startGreeter();
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("orders", ServingStatus.SERVING);
    Server grpc = ServerBuilder.forPort(0).addService(health.getHealthService()).build().start();
    try {
      String modulePath = System.getProperty("jdk.module.path");
      assertTrue(modulePath != null && modulePath.contains("rpc-proxy-http"), "surefire's module path: " + modulePath);
      Path output = Files.createTempFile("module-path-main", ".txt");
      Process main = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "--module-path", modulePath,
          "--class-path", libraryClassPath(modulePath),
          "--module", "dev.rpcproxy.compat.modulepath/dev.rpcproxy.compat.modulepath.Main",
          "http://127.0.0.1:" + rest.getAddress().getPort(), Integer.toString(grpc.getPort()))
          .redirectErrorStream(true).redirectOutput(output.toFile()).start();
      assertTrue(main.waitFor(60, TimeUnit.SECONDS), "the application's main did not end within 60 s");
      String printed = Files.readString(output);
      System.out.println(printed);
      Files.delete(output);
      assertEquals(0, main.exitValue(), printed);
      assertTrue(printed.contains("rest Greeting[text=hello ada, length=3] Greeting[text=hello grace, length=5]"), printed);
      assertTrue(printed.contains("grpc SERVING"), printed);
      assertTrue(printed.contains("modules dev.rpcproxy.compat.modulepath module dev.rpcproxy.http"), printed);
    } finally {
      grpc.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      rest.stop(0);
    }
  }

  /**
   * The jars surefire left on the class path because no module requires them (grpc-java's guava,
   * perfmark...: grpc's automatic modules read them there), without the test framework's.
   */
  private static String libraryClassPath(String modulePath) {
    List<String> onModulePath = List.of(modulePath.split(File.pathSeparator));
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return Stream.of(classPath.split(File.pathSeparator))
        .filter(entry -> entry.endsWith(".jar") && !onModulePath.contains(entry))
        .filter(entry -> !Path.of(entry).getFileName().toString()
            .matches("(junit|opentest4j|apiguardian|surefire|common-java5|maven-surefire|slf4j-nop).*"))
        .collect(Collectors.joining(File.pathSeparator));
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
